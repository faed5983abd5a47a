"""Sending through the sending account: one reused SMTP connection, the same code as the probe.

``Sender(account)`` reads the account once (password unsealed in memory, never logged); ``send``
opens the connection on first use and reuses it; every error comes out as an ``SMTPFailure`` with
its kind ("transient", "permanent" or "account").
"""

from __future__ import annotations

import smtplib

from flask import current_app

from .. import crypto
from ..babel import gettext as _
from ..smtp.connection import classify_send_error
from ..smtp.connection import open_smtp
from ..smtp.connection import SMTPFailure
from ..smtp.connection import Target
from ..smtp.probe import target_from_config
from . import compose

ACCOUNT = "account"


def target_for(account) -> Target:
    """Where and how the account connects, with the app's timeout, CA bundle, EHLO name and DNS."""
    try:
        password = crypto.unseal(account.password_sealed) if account.password_sealed else None
    except crypto.SecretKeyError as exc:
        raise SMTPFailure("secret_unreadable", str(exc), kind=ACCOUNT, step="auth") from None
    return target_from_config(current_app.config, host=account.host, port=account.port,
                              security=account.security, username=account.username or "",
                              password=password, verify_cert=bool(account.verify_cert),
                              from_address=account.address)


def describe(failure: SMTPFailure) -> str:
    """What the Registro de envíos shows: our explanation and the server's own reply."""
    detail = (failure.detail or "").strip()
    message = str(failure.message)
    if detail and detail not in message:
        return f"{message} — {detail}"
    return message


class Sender:
    """The sending account's connection, opened on first use and reused from batch to batch."""

    def __init__(self, account, defer_errors: bool = False):
        self.account_id = account.id
        self.address = account.address
        self.smtp: smtplib.SMTP | None = None
        self.problem: SMTPFailure | None = None
        try:
            self.from_value, self.from_line = compose.from_header(account.display_name or "", account.address)
            self.target = target_for(account)
        except compose.ComposeError as exc:
            self.problem = SMTPFailure("sender_not_allowed", str(exc), kind=ACCOUNT, step="mail_from")
        except SMTPFailure as failure:
            self.problem = failure
        if self.problem is not None and not defer_errors:
            raise self.problem

    def check(self) -> None:
        """Raise the account's problem found when reading it (bad display name, unreadable password)."""
        if self.problem is not None:
            raise self.problem

    @property
    def connected(self) -> bool:
        """An open SMTP connection is ready to be reused."""
        return self.smtp is not None and getattr(self.smtp, "sock", None) is not None

    def connect(self) -> None:
        """Open (or reopen) the connection; raises SMTPFailure."""
        self.close()
        self.smtp = open_smtp(self.target)

    def send(self, recipients, body: bytes) -> dict:
        """Send one stored message with the account's From; returns the refused recipients (if any)."""
        if not self.connected:
            self.connect()
        try:
            return self.smtp.sendmail(self.address, list(recipients), compose.with_sender(body, self.from_line))
        except Exception as exc:
            failure = classify_send_error(exc)
            if isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
                self.close(polite=False)
            raise failure from None

    def close(self, polite: bool = True) -> None:
        """QUIT (without waiting long) and close."""
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        if polite and getattr(smtp, "sock", None) is not None:
            try:
                smtp.sock.settimeout(1.0)
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
        smtp.close()


def refused_note(refused: dict) -> str | None:
    """A note for a message some (not all) recipients of which were refused."""
    if not refused:
        return None
    parts = [f"{address}: {code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
             for address, (code, reply) in refused.items()]
    return _("Entregado, pero el servidor rechazó a: %(list)s", list="; ".join(parts))
