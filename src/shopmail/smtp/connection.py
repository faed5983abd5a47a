"""One SMTP connection set up step by step under one deadline, shared by the probe and the delivery worker.

``open_smtp(target)`` gives the worker a connected, verified, logged-in ``smtplib.SMTP``; the probe
drives the same :class:`Conversation` and goes on to MAIL FROM / RCPT TO / DATA. Each step is recorded
(name, outcome, milliseconds, a detail that never holds the password); a failure becomes an
:class:`SMTPFailure` with a reason code of docs/reference.md. What a conversation is given and reports
(:class:`Target`, :class:`Step`) live in :mod:`.target`; the AUTH step in :mod:`.login`.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import time

from shopmail.core import progress
from shopmail.core.i18n import gettext as _
from shopmail.core.text import clean
from shopmail.smtp import reasons
from shopmail.smtp import sockets
from shopmail.smtp.login import login
from shopmail.smtp.reasons import SMTPFailure
from shopmail.smtp.replies import BoundedSMTP
from shopmail.smtp.replies import ReplyTooLong
from shopmail.smtp.resolve import DNSFailure
from shopmail.smtp.resolve import DNSTimeout
from shopmail.smtp.resolve import Resolver
from shopmail.smtp.sockets import client_context
from shopmail.smtp.sockets import TLSInfo
from shopmail.smtp.target import Step
from shopmail.smtp.target import Target

#: Seconds of silence on a plain connection before checking whether the port expects TLS.
GREETING_PATIENCE = 2.0


class Conversation:
    """An SMTP session being set up for ``target``; ``steps`` and ``tls`` tell how it went."""

    def __init__(self, target: Target):
        self.target = target
        self.host = target.host.strip().rstrip(".").strip("[]")  # "[::1]" → "::1"
        self.started = time.monotonic()
        self.deadline = self.started + float(target.timeout)
        self.steps: list[Step] = []
        self.tls: TLSInfo | None = None
        self.smtp: smtplib.SMTP | None = None
        self.address: str | None = None
        self._watchdog = sockets.Watchdog(self.deadline)
        self._secrets = sockets.secret_forms(target.login, target.password) + sockets.bearer_forms(
            target.login, target.bearer_token)

    def remaining(self) -> float:
        """Seconds left before the deadline (a few milliseconds at least, so sockets still time out)."""
        return max(0.005, self.deadline - time.monotonic())

    @property
    def cut_short(self) -> bool:
        """The deadline cut the last reply short: whatever arrived is not an answer."""
        return self._watchdog.fired

    def elapsed_ms(self) -> int:
        """Milliseconds since the conversation started."""
        return int((time.monotonic() - self.started) * 1000)

    def scrub(self, text: str) -> str:
        """``text`` with every form of the password (plain, base64, the AUTH PLAIN blob) masked, on one
        line without control characters (it may come from the server)."""
        for secret in self._secrets:
            text = text.replace(secret, "********")
        return clean(text, 500)

    def record(self, name: str, ok: bool, since: float, detail: str = "") -> None:
        """Add a step (its time counted from ``since``), scrubbed, and report it to any live listener."""
        self.steps.append(Step(name, ok, int((time.monotonic() - since) * 1000), self.scrub(detail)))
        step = self.steps[-1]
        progress.report("step", step=step.step, ok=step.ok, ms=step.ms, detail=step.detail)

    # Failures --------------------------------------------------------------------------------

    def fail(self, step, reason, since, *, variant=None, code=None, reply="", detail=""):
        """Record ``step`` as failed; return the SMTPFailure to raise."""
        reply, detail = self.scrub(reply), self.scrub(detail)
        values = {"host": self.host, "port": self.target.port, "seconds": f"{self.target.timeout:g}",
                  "detail": detail, "sender": self.target.from_address}
        message, hint = reasons.describe(reason, variant, **values, reply=reply)
        self.record(step, False, since, reply or detail or message)
        enhanced = reasons.enhanced_code(reply.partition(" ")[2]) if code else None
        return SMTPFailure(reason, message, hint=hint, smtp_code=code, enhanced_code=enhanced, step=step,
                           detail=reply or detail, variant=variant, values=values)

    def fail_reply(self, step, since, code, message):
        """The failure for a negative reply to the command of ``step``."""
        reply = reasons.reply_text(code, message)
        reason = reasons.reason_for_reply(step, code, reply.partition(" ")[2])
        return self.fail(step, reason, since, code=code, reply=reply)

    def fail_exception(self, step, since, exc):
        """The failure for an exception raised while doing ``step``."""
        if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code > 0:
            return self.fail_reply(step, since, exc.smtp_code, exc.smtp_error)
        if isinstance(exc, ReplyTooLong):
            return self.fail(step, "server_error", since, variant="too_long", detail=str(exc))
        if isinstance(exc, ssl.SSLCertVerificationError):
            variant, detail = reasons.certificate_problem(exc)
            return self.fail(step, "certificate_invalid", since, variant=variant, detail=detail)
        if isinstance(exc, TimeoutError) or self._watchdog.fired or time.monotonic() >= self.deadline - 0.01:
            return self.fail(step, "timeout", since, detail=str(exc) or "timeout")
        if isinstance(exc, ConnectionRefusedError):
            return self.fail(step, "connection_refused", since, detail=str(exc))
        if step == "connect":
            return self.fail(step, "connection_refused", since, variant="unreachable", detail=str(exc))
        if isinstance(exc, ssl.SSLError):
            return self.fail(step, "server_error", since, variant="tls", detail=exc.reason or str(exc))
        if isinstance(exc, UnicodeError):
            return self.fail(step, "server_error", since, variant="smtputf8")
        return self.fail(step, "server_error", since, variant="closed", detail=str(exc))

    def command(self, step: str, accept: tuple[int, ...], send, describe=None) -> tuple[int, bytes]:
        """Run ``send()`` (an smtplib call returning (code, message)) as ``step``; raise unless accepted.

        The step's detail is the reply, or ``describe(reply)`` when given.
        """
        since = time.monotonic()
        try:
            self.smtp.sock.settimeout(self.remaining())
            code, message = send()
        except Exception as exc:  # every failure is reported as a reason, never as a crash
            raise self.fail_exception(step, since, exc) from None
        if self.cut_short:  # the deadline cut the reply short: whatever arrived is not an answer
            raise self.fail(step, "timeout", since, detail=_("sin respuesta completa a tiempo"))
        if code not in accept:
            raise self.fail_reply(step, since, code, message)
        reply = reasons.reply_text(code, message)
        self.record(step, True, since, describe(reply) if describe else reply)
        return code, message

    # The steps -------------------------------------------------------------------------------

    def open(self) -> smtplib.SMTP:
        """DNS → TCP → TLS → greeting → EHLO → STARTTLS → EHLO → AUTH; raises SMTPFailure."""
        try:
            sock = self._connect(self._resolve())
            self._watchdog.watch(sock)
            if self.target.security == "ssl":
                sock = self._tls(sock)
            self._greeting(sock)
            self._ehlo()
            if self.target.security == "starttls":
                self._starttls()
                self._ehlo()
            if self.target.password or self.target.bearer_token:
                login(self)
        except BaseException:
            self.close(polite=False)
            raise
        return self.smtp

    def _resolve(self) -> list[str]:
        since = time.monotonic()
        if self.target.addresses:
            found = list(self.target.addresses)
            self.record("dns", True, since, ", ".join(found))
            return found
        try:
            # The resolver keeps the deadline itself (its lookups run aside; dnspython overshoots).
            found = Resolver(self.target.nameservers, self.deadline).addresses(self.host, self.target.port)
        except DNSTimeout as exc:
            raise self.fail("dns", "dns_failure", since, variant="timeout", detail=str(exc)) from None
        except (DNSFailure, OSError) as exc:
            raise self.fail("dns", "dns_failure", since, detail=str(exc)) from None
        self.record("dns", True, since, ", ".join(found))
        return found

    def _connect(self, addresses: list[str]) -> socket.socket:
        since = time.monotonic()
        try:
            self.address, sock = sockets.connect_first(addresses, self.target.port, self.deadline)
        except OSError as exc:
            raise self.fail_exception("connect", since, exc) from None
        self.record("connect", True, since, f"{self.address}:{self.target.port}")
        return sock

    def _tls(self, sock: socket.socket) -> ssl.SSLSocket:
        since = time.monotonic()
        sock.settimeout(self.remaining())
        try:
            wrapped = client_context(self.target.ca_file, self.target.verify_cert).wrap_socket(
                sock, server_hostname=self.host)
        except Exception as exc:
            sock.close()
            plain = isinstance(exc, (ssl.SSLError, ConnectionError)) and not isinstance(
                exc, ssl.SSLCertVerificationError) and sockets.sniff(self.address, self.target.port, self.deadline)
            if plain:
                raise self.fail("tls", "use_starttls", since, detail=str(exc)) from None
            raise self.fail_exception("tls", since, exc) from None
        self.tls = sockets.describe_tls(wrapped)
        self.record("tls", True, since, self.tls.line())
        return wrapped

    def _greeting(self, sock: socket.socket) -> None:
        since = time.monotonic()
        if not isinstance(sock, ssl.SSLSocket) and not sockets.readable(
                sock, min(GREETING_PATIENCE, self.remaining() / 2)):
            # Silence: a port that expects TLS first (465) waits for us just like a dead server does.
            if sockets.sniff(self.address, self.target.port, self.deadline, host=self.host):
                sock.close()
                raise self.fail("greeting", "use_ssl", since, detail=_("el puerto espera TLS desde el inicio"))
            if not sockets.readable(sock, self.deadline - time.monotonic()):
                sock.close()
                raise self.fail("greeting", "timeout", since, detail=_("el servidor no saluda"))
        self.smtp = BoundedSMTP(local_hostname=sockets.ehlo_name(self.target.local_hostname, sock))
        self.smtp._host = self.host  # starttls() checks the certificate against this name
        self.smtp.sock = sock
        self.command("greeting", (220,), self.smtp.getreply)

    def _ehlo(self) -> None:
        self.command("ehlo", (250,), self.smtp.ehlo, lambda reply: " ".join(
            ["250"] + sorted(name.upper() for name in self.smtp.esmtp_features)))

    def _starttls(self) -> None:
        since = time.monotonic()
        if not self.smtp.has_extn("starttls"):
            raise self.fail("starttls", "starttls_unavailable", since, detail="STARTTLS no ofrecido")
        context = client_context(self.target.ca_file, self.target.verify_cert)
        def starttls():
            reply = self.smtp.starttls(context=context)
            self.tls = sockets.describe_tls(self.smtp.sock)
            return reply

        self.command("starttls", (220,), starttls, lambda reply: self.tls.line())

    # Ending ----------------------------------------------------------------------------------

    def release(self, timeout: float) -> smtplib.SMTP:
        """Hand the open connection over: no overall deadline any more, ``timeout`` per operation."""
        self._watchdog.cancel()
        self.smtp.timeout = timeout
        self.smtp.sock.settimeout(timeout)
        return self.smtp

    def close(self, polite: bool = True) -> None:
        """Close; ``polite`` sends QUIT first (without waiting). Never polite after DATA's 354."""
        self._watchdog.cancel()
        smtp, self.smtp = self.smtp, None
        if smtp is None or smtp.sock is None:
            return
        if polite:
            try:
                smtp.sock.settimeout(min(1.0, self.remaining()))
                smtp.sock.sendall(b"QUIT\r\n")
            except OSError:
                pass
        smtp.close()


def open_smtp(target: Target) -> smtplib.SMTP:
    """A connected, TLS-verified, logged-in ``smtplib.SMTP`` ready for ``send_message``.

    Exactly one AUTH attempt. The set-up is bounded by ``target.timeout``; afterwards each operation on
    the connection times out after ``target.timeout`` seconds. Raises SMTPFailure.
    """
    conversation = Conversation(target)
    conversation.open()
    return conversation.release(float(target.timeout))


def classify_send_error(exc: Exception) -> SMTPFailure:
    """An SMTPFailure for an error raised by ``send_message`` (MAIL / RCPT / DATA of a real send).

    4xx, timeouts and disconnections are ``transient``; 550 5.1.1 and other refusals of one recipient
    or one message are ``permanent``; authentication, TLS and sender refusals are ``account``.
    ``SMTPRecipientsRefused`` is classified by its first refused recipient.
    """
    return reasons.send_failure(exc)
