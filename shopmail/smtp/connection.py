"""One SMTP connection set up step by step under one deadline, shared by the probe and the delivery worker.

``open_smtp(target)`` gives the worker a connected, verified, logged-in ``smtplib.SMTP``; the probe
drives the same :class:`Conversation` and goes on to MAIL FROM / RCPT TO / DATA. Each step is recorded
(name, outcome, milliseconds, a detail that never holds the password); a failure becomes an
:class:`SMTPFailure` with a reason code of CONTRACTS.md.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import threading
import time
from base64 import b64decode
from base64 import b64encode
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from dataclasses import field
from functools import lru_cache

from cryptography import x509

from .. import progress
from . import reasons
from .reasons import SMTPFailure
from .resolve import DNSFailure
from .resolve import DNSTimeout
from .resolve import Resolver

SECURITIES = ("starttls", "ssl", "none")
_DNS_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="shopmail-smtp-dns")
#: Seconds of silence on a plain connection before checking whether the port expects TLS.
GREETING_PATIENCE = 2.0


@dataclass(frozen=True)
class Target:
    """Where and how to connect. A None/empty password means no login (e.g. an internal relay)."""

    host: str
    port: int
    security: str  # "starttls" | "ssl" | "none"
    username: str = ""
    password: str | None = field(default=None, repr=False)
    verify_cert: bool = True
    from_address: str = ""
    rcpt_to: str | None = None  # defaults to from_address
    timeout: float = 10.0
    ca_file: str | None = None
    local_hostname: str | None = None
    nameservers: tuple[str, ...] = ()

    def __post_init__(self):
        if self.security not in SECURITIES:
            raise ValueError(f"security must be one of {SECURITIES}, not {self.security!r}")

    @property
    def login(self) -> str:
        """The user name sent with AUTH: the username, else the account's address."""
        return self.username or self.from_address


@dataclass(frozen=True)
class Step:
    """One step: ``step`` is one of dns connect tls greeting ehlo starttls auth mail_from rcpt_to data."""

    step: str
    ok: bool
    ms: int
    detail: str = ""


@dataclass(frozen=True)
class TLSInfo:
    """The negotiated TLS and the server's certificate (names in RFC 4514 form, expiry in ISO 8601)."""

    version: str
    cipher: str
    subject: str
    issuer: str
    not_after: str

    def line(self) -> str:
        """One line for the step's detail: version · cipher · subject."""
        return " · ".join(part for part in (self.version, self.cipher, self.subject) if part)


def _describe(sock: ssl.SSLSocket) -> TLSInfo:
    """TLS details of an established connection (also when the certificate was not verified)."""
    subject = issuer = not_after = ""
    try:
        cert = x509.load_der_x509_certificate(sock.getpeercert(binary_form=True))
        subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
        not_after = cert.not_valid_after_utc.isoformat()
    except (TypeError, ValueError):  # no certificate, or one we cannot parse: the TLS facts still stand
        pass
    cipher = sock.cipher()
    return TLSInfo(sock.version() or "", cipher[0] if cipher else "", subject, issuer, not_after)


def _readable(sock: socket.socket, seconds: float) -> bool:
    """Whether the server sends something within ``seconds`` (nothing is consumed)."""
    if seconds <= 0:
        return False
    sock.settimeout(seconds)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except TimeoutError:
        return False
    except OSError:
        return True  # the read that follows reports the error
    return True


def _sniff(address: str, port: int, until: float, host: str | None = None) -> bool:
    """On a fresh connection, open before ``until``: does the port answer a TLS handshake (``host``
    given), or greet in plain text ("220 ...") when we say nothing?"""
    context = client_context(None, False) if host else None  # loading CAs takes a moment: do it first
    try:
        with socket.create_connection((address, port), timeout=max(0.01, until - time.monotonic())) as raw:
            raw.settimeout(max(0.01, until - time.monotonic()))
            if context is None:
                return re.match(rb"[2-5][0-9][0-9][ -]", raw.recv(64)) is not None
            with context.wrap_socket(raw, server_hostname=host):
                return True
    except ssl.SSLError as exc:
        return "alert" in str(exc).lower()  # it spoke TLS, if only to refuse us
    except OSError:
        return False


def _ehlo_name(configured: str | None, sock: socket.socket) -> str:
    """The EHLO name: configured, else the machine's FQDN, else our address literal (RFC 5321 4.1.3)."""
    if configured:
        return configured
    name = _machine_fqdn()
    if "." in name and not name.startswith("localhost"):
        return name
    ip = sock.getsockname()[0]
    return f"[IPv6:{ip}]" if ":" in ip else f"[{ip}]"


@lru_cache(maxsize=1)
def _machine_fqdn() -> str:
    # getfqdn() may ask DNS; never let a slow resolver hold up a test for more than a moment.
    found: list[str] = []
    worker = threading.Thread(target=lambda: found.append(socket.getfqdn()), daemon=True)
    worker.start()
    worker.join(1.0)
    return found[0] if found else socket.gethostname()


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
        self._watchdog = _Watchdog(self.deadline)
        self._secrets = _secret_forms(target.login, target.password)

    def remaining(self) -> float:
        """Seconds left before the deadline (a few milliseconds at least, so sockets still time out)."""
        return max(0.005, self.deadline - time.monotonic())

    def elapsed_ms(self) -> int:
        """Milliseconds since the conversation started."""
        return int((time.monotonic() - self.started) * 1000)

    def scrub(self, text: str) -> str:
        """``text`` with every form of the password (plain, base64, the AUTH PLAIN blob) masked."""
        for secret in self._secrets:
            text = text.replace(secret, "********")
        return text

    def record(self, name: str, ok: bool, since: float, detail: str = "") -> None:
        """Add a step (its time counted from ``since``), scrubbed, and report it to any live listener."""
        self.steps.append(Step(name, ok, int((time.monotonic() - since) * 1000), self.scrub(detail)))
        step = self.steps[-1]
        progress.report("step", step=step.step, ok=step.ok, ms=step.ms, detail=step.detail)

    # Failures --------------------------------------------------------------------------------

    def fail(self, step, reason, since, *, variant=None, code=None, reply="", detail=""):
        """Record ``step`` as failed; return the SMTPFailure to raise."""
        reply, detail = self.scrub(reply), self.scrub(detail)
        message, hint = reasons.describe(
            reason, variant, host=self.host, port=self.target.port, seconds=f"{self.target.timeout:g}",
            detail=detail, sender=self.target.from_address, reply=reply)
        self.record(step, False, since, reply or detail or message)
        enhanced = reasons.enhanced_code(reply.partition(" ")[2]) if code else None
        return SMTPFailure(reason, message, hint=hint, smtp_code=code, enhanced_code=enhanced, step=step,
                           detail=reply or detail)

    def fail_reply(self, step, since, code, message):
        """The failure for a negative reply to the command of ``step``."""
        reply = reasons.reply_text(code, message)
        reason = reasons.reason_for_reply(step, code, reply.partition(" ")[2])
        return self.fail(step, reason, since, code=code, reply=reply)

    def fail_exception(self, step, since, exc):
        """The failure for an exception raised while doing ``step``."""
        if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code > 0:
            return self.fail_reply(step, since, exc.smtp_code, exc.smtp_error)
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
        if self._watchdog.fired:  # the deadline cut the reply short: whatever arrived is not an answer
            raise self.fail(step, "timeout", since, detail="sin respuesta completa a tiempo")
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
            if self.target.password:
                self._auth()
        except BaseException:
            self.close(polite=False)
            raise
        return self.smtp

    def _resolve(self) -> list[str]:
        since = time.monotonic()
        lookup = Resolver(self.target.nameservers, self.deadline).addresses
        try:
            # dnspython sleeps between retries without looking at its lifetime (up to 2 s past it): the
            # lookup runs aside, and the deadline is kept here whatever it does.
            found = _DNS_POOL.submit(lookup, self.host, self.target.port).result(timeout=self.remaining())
        except FutureTimeout:
            raise self.fail("dns", "dns_failure", since, variant="timeout", detail="sin respuesta DNS") from None
        except DNSTimeout as exc:
            raise self.fail("dns", "dns_failure", since, variant="timeout", detail=str(exc)) from None
        except (DNSFailure, OSError) as exc:
            raise self.fail("dns", "dns_failure", since, detail=str(exc)) from None
        self.record("dns", True, since, ", ".join(found))
        return found

    def _connect(self, addresses: list[str]) -> socket.socket:
        since, error = time.monotonic(), None
        for address in addresses:
            try:
                sock = socket.create_connection((address, self.target.port), timeout=self.remaining())
            except OSError as exc:
                error = exc
                continue
            self.address = address
            self.record("connect", True, since, f"{address}:{self.target.port}")
            return sock
        raise self.fail_exception("connect", since, error or OSError("sin direcciones"))

    def _tls(self, sock: socket.socket) -> ssl.SSLSocket:
        since = time.monotonic()
        sock.settimeout(self.remaining())
        try:
            wrapped = client_context(self.target.ca_file, self.target.verify_cert).wrap_socket(
                sock, server_hostname=self.host)
        except Exception as exc:
            sock.close()
            plain = isinstance(exc, (ssl.SSLError, ConnectionError)) and not isinstance(
                exc, ssl.SSLCertVerificationError) and _sniff(
                self.address, self.target.port, min(self.deadline, time.monotonic() + 2.0))
            if plain:
                raise self.fail("tls", "use_starttls", since, detail=str(exc)) from None
            raise self.fail_exception("tls", since, exc) from None
        self.tls = _describe(wrapped)
        self.record("tls", True, since, self.tls.line())
        return wrapped

    def _greeting(self, sock: socket.socket) -> None:
        since = time.monotonic()
        if not isinstance(sock, ssl.SSLSocket) and not _readable(
                sock, min(GREETING_PATIENCE, self.remaining() / 2)):
            # Silence: a port that expects TLS first (465) waits for us just like a dead server does.
            until = min(self.deadline, time.monotonic() + 2.0)
            if _sniff(self.address, self.target.port, until, host=self.host):
                sock.close()
                raise self.fail("greeting", "use_ssl", since, detail="el puerto espera TLS desde el inicio")
            if not _readable(sock, self.deadline - time.monotonic()):
                sock.close()
                raise self.fail("greeting", "timeout", since, detail="el servidor no saluda")
        self.smtp = smtplib.SMTP(local_hostname=_ehlo_name(self.target.local_hostname, sock))
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
            self.tls = _describe(self.smtp.sock)
            return reply

        self.command("starttls", (220,), starttls, lambda reply: self.tls.line())

    def _auth(self) -> None:
        since = time.monotonic()
        if not self.smtp.has_extn("auth"):
            if self.tls is None and self.smtp.has_extn("starttls"):
                raise self.fail("auth", "starttls_required", since,
                                detail="el servidor solo permite iniciar sesión tras STARTTLS")
            raise self.fail("auth", "auth_unavailable", since, detail="AUTH no ofrecido")
        offered = self.smtp.esmtp_features["auth"].upper().split()
        mechanism = next((name for name in ("PLAIN", "LOGIN") if name in offered), None)
        if mechanism is None:
            raise self.fail("auth", "auth_unavailable", since, detail="solo ofrece " + " ".join(offered))
        self.command("auth", (235, 503), lambda: _authenticate(
            self.smtp, mechanism, self.target.login, self.target.password),
            lambda reply: f"AUTH {mechanism} → {reply}")

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


@lru_cache(maxsize=16)
def client_context(ca_file: str | None, verify: bool) -> ssl.SSLContext:
    """``ssl.create_default_context()`` plus ``ca_file``; checks nothing only when ``verify`` is False."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _b64(data: str) -> str:
    return b64encode(data.encode("utf-8")).decode("ascii")


def _secret_forms(login: str, password: str | None) -> list[str]:
    # Masking a one- to three-character "password" would garble every word that contains it.
    if not password or len(password) < 4:
        return []
    return [_b64(f"\0{login}\0{password}"), _b64(password), password]


def _authenticate(smtp: smtplib.SMTP, mechanism: str, login: str, password: str) -> tuple[int, bytes]:
    """ONE AUTH exchange with PLAIN or LOGIN, UTF-8 credentials (smtplib's login() tries several)."""
    if mechanism == "PLAIN":
        return smtp.docmd("AUTH", "PLAIN " + _b64(f"\0{login}\0{password}"))
    code, message = smtp.docmd("AUTH", "LOGIN " + _b64(login))
    if code == 334 and b64decode(message + b"==").lower().startswith(b"user"):
        code, message = smtp.docmd(_b64(login))  # the server ignored the initial response
    if code == 334:
        code, message = smtp.docmd(_b64(password))
    return code, message


class _Watchdog:
    """Shuts the socket down at the deadline, so no slow server can stretch a step past it."""

    def __init__(self, deadline: float):
        self.deadline = deadline
        self._lock = threading.Lock()
        self._guard: socket.socket | None = None
        self._timer: threading.Timer | None = None
        self.fired = False

    def watch(self, sock: socket.socket) -> None:
        self._guard = sock.dup()  # survives the TLS wrapping, which detaches the original object
        self._timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._guard is not None:
                self.fired = True
                try:
                    self._guard.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            if self._guard is not None:
                self._guard.close()
                self._guard = None


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
