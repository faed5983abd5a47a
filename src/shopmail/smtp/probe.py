"""Probar SMTP: walk a server through everything a real send needs, and stop just before the message.

DNS → TCP → TLS → greeting → EHLO → STARTTLS → EHLO → one AUTH → MAIL FROM → RCPT TO → DATA (354),
then the connection is closed without a byte of message: after 354 every line would be message data,
so there is no RSET or QUIT, and the server discards the unfinished transaction. Nothing is delivered.
The whole walk is bounded by ``target.timeout`` (``SHOPMAIL_SMTP_TIMEOUT``). Used by the account
screens, the CLI and auto-configuration alike.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field

from shopmail.core.addresses import AddressError
from shopmail.core.addresses import needs_smtputf8
from shopmail.core.addresses import wire
from shopmail.core.config import SmtpOptions
from shopmail.core.i18n import gettext as _
from shopmail.smtp import reasons
from shopmail.smtp.connection import Conversation
from shopmail.smtp.connection import SMTPFailure
from shopmail.smtp.connection import Step
from shopmail.smtp.connection import Target
from shopmail.smtp.connection import TLSInfo

__all__ = ["ProbeResult", "Step", "TLSInfo", "Target", "probe", "target_from_config"]

log = logging.getLogger("shopmail.smtp")
#: The steps of a real send after the login; a test without an envelope sender cannot try them.
ENVELOPE_STEPS = ("mail_from", "rcpt_to", "data")


@dataclass(frozen=True)
class ProbeResult:
    """The outcome of an SMTP test: a reason code of docs/reference.md (``ok`` when it passed)."""

    ok: bool
    reason: str
    message: str
    hint: str
    smtp_code: int | None = None
    enhanced_code: str | None = None
    elapsed_ms: int = 0
    steps: list[Step] = field(default_factory=list)
    tls: TLSInfo | None = None
    #: Steps a real send needs that this test did not try (no envelope sender to try them with).
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The JSON shape of docs/reference.md "SMTP test"."""
        return {
            "ok": self.ok, "reason": self.reason, "message": self.message, "hint": self.hint,
            "smtp_code": self.smtp_code, "enhanced_code": self.enhanced_code, "elapsed_ms": self.elapsed_ms,
            "steps": [asdict(step) for step in self.steps],
            "tls": asdict(self.tls) if self.tls else None,
            "skipped": list(self.skipped),
        }

    @property
    def failed_step(self) -> str | None:
        """The name of the step that failed, if any."""
        return next((step.step for step in self.steps if not step.ok), None)

    def summary_data(self) -> dict:
        """The account's "last test" as data (stored; put into words in the viewer's language when shown)."""
        return {"ok": self.ok, "reason": self.reason, "ms": self.elapsed_ms, "partial": bool(self.skipped),
                "tls": self.tls.version if self.tls and self.tls.version else None}

    def summary(self) -> str:
        """One Spanish line for the account's "last test" column."""
        if self.ok:
            tls = f", {self.tls.version}" if self.tls and self.tls.version else ""
            if self.skipped:
                return _("Parcial en %(ms)d ms%(tls)s: no se probó el envío.", ms=self.elapsed_ms, tls=tls)
            return _("Correcta en %(ms)d ms%(tls)s.", ms=self.elapsed_ms, tls=tls)
        return _("Fallida (%(reason)s): %(message)s", reason=self.reason, message=self.message)


def target_from_config(config, **values) -> Target:
    """A Target whose timeout, CA file, EHLO name and DNS servers come from a Flask config mapping.

    ``values`` are the Target's own fields (host, port, security, username, password, ...) and win
    over the configuration.
    """
    settings = {**asdict(SmtpOptions.from_config(config)), **values}
    settings["port"] = int(settings["port"])
    settings["security"] = str(settings["security"]).lower()
    return Target(**settings)


def probe(target: Target) -> ProbeResult:
    """Test ``target`` end to end without sending anything; never raises for a server's behaviour."""
    conversation = Conversation(target)
    failure = None
    try:
        conversation.open()
        _envelope(conversation)
    except SMTPFailure as exc:
        failure = exc
    except Exception:  # a bug must not turn the admin's test into an error page
        log.exception("SMTP test %s:%s crashed", conversation.host, target.port)
        message, hint = reasons.describe("server_error", "closed")
        failure = SMTPFailure("server_error", message, hint=hint)
    finally:
        # After DATA's 354 a QUIT would be message text: close without a word. Before it, say goodbye.
        reached_data = any(step.step == "data" and step.ok for step in conversation.steps)
        conversation.close(polite=not reached_data)
    result = _result(conversation, failure)
    log.info("SMTP test %s:%s (%s): %s in %d ms", conversation.host, target.port, target.security,
             result.reason, result.elapsed_ms)
    return result


def _envelope(conversation: Conversation) -> None:
    """MAIL FROM the account's address, RCPT TO, DATA until 354."""
    target, smtp = conversation.target, conversation.smtp
    sender = target.from_address or (target.username if "@" in target.username else "")
    if not sender:
        return  # nothing to put on the envelope: the test ends after the login
    recipient = target.rcpt_to or sender
    # Exactly as delivery puts them on the wire (international domains as A-labels), so a passing test
    # means real mail from this address goes out too.
    sender, recipient = _wire(sender), _wire(recipient)
    options = []
    if needs_smtputf8(sender, recipient) and smtp.has_extn("smtputf8"):
        options = ["SMTPUTF8"]
    conversation.command("mail_from", (250,), lambda: smtp.mail(sender, options))
    conversation.command("rcpt_to", (250, 251), lambda: smtp.rcpt(recipient))

    def data():
        smtp.putcmd("data")
        return smtp.getreply()

    conversation.command("data", (354,), data)


def _wire(address: str) -> str:
    try:
        return wire(address)
    except AddressError:
        return address  # the server's answer to it is the test's result


def _result(conversation: Conversation, failure: SMTPFailure | None) -> ProbeResult:
    if failure is None:
        tried = {step.step for step in conversation.steps}
        skipped = [step for step in ENVELOPE_STEPS if step not in tried]
        message, hint = reasons.describe("ok", "partial" if skipped else None)
        return ProbeResult(True, "ok", message, hint, elapsed_ms=conversation.elapsed_ms(),
                           steps=list(conversation.steps), tls=conversation.tls, skipped=skipped)
    return ProbeResult(False, failure.reason, failure.message, failure.hint, failure.smtp_code,
                       failure.enhanced_code, conversation.elapsed_ms(), list(conversation.steps),
                       conversation.tls)
