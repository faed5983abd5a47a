"""Sending through the sending account: one reused SMTP connection, the same code as the probe.

``Sender(account)`` reads the account once (password unsealed in memory, never logged); ``send``
opens the connection on first use and reuses it; every error comes out as an ``SMTPFailure`` with
its kind ("transient", "permanent" or "account").
"""

from __future__ import annotations

import datetime as dt
import re
import smtplib
import socket
from concurrent.futures import Future
from dataclasses import replace

from flask import current_app

from shopmail.core import addresses
from shopmail.core import crypto
from shopmail.core.models import utcnow
from shopmail.delivery import compose
from shopmail.delivery import notes
from shopmail.delivery import tokens
from shopmail.smtp import reasons
from shopmail.smtp import sockets
from shopmail.smtp.connection import classify_send_error
from shopmail.smtp.connection import open_smtp
from shopmail.smtp.connection import SMTPFailure
from shopmail.smtp.connection import Target
from shopmail.smtp.probe import target_from_config

ACCOUNT = "account"


def target_for(account) -> Target:
    """Where and how the account connects, with the app's timeout, CA bundle, EHLO name and DNS.

    An OAuth2 account gets a live bearer token (refreshed first when about to expire); raises SMTPFailure
    (an ``OAuthFailure`` when the provider refuses or the account is not connected)."""
    if is_oauth(account):
        return with_token(account_target(account, None), account)[0]
    try:
        password = crypto.unseal(account.password_sealed) if account.password_sealed else None
    except crypto.SecretKeyError as exc:
        raise SMTPFailure("secret_unreadable", str(exc), kind=ACCOUNT, step="auth") from None
    return account_target(account, password)


def account_target(account, password: str | None) -> Target:
    """The one account → SMTP target: the account's server, security and addresses, the app's SMTP
    options. With no password there is no login (the user name is then never sent)."""
    return target_from_config(current_app.config, host=account.host, port=account.port,
                              security=account.security, username=account.username or "",
                              password=password, verify_cert=bool(account.verify_cert),
                              from_address=account.address)


def is_oauth(account) -> bool:
    """The account signs in with OAuth2 (XOAUTH2) rather than a password."""
    return (account.auth or "password") != "password"


def with_token(target: Target, account) -> tuple[Target, dt.datetime]:
    """``target`` with the account's current bearer token, and when that token expires."""
    token, expires_at = tokens.bearer_token(account.id, account.auth)
    return replace(target, bearer_token=token), expires_at


def open_oauth(target: Target, account) -> tuple[smtplib.SMTP, dt.datetime]:
    """Connect and sign in with the account's bearer token, and when that token expires.

    A token the server refuses although it is not due to expire (revoked at the provider, a clock off) is
    refreshed once and the login tried once more, on a new connection; a second refusal, or a refused
    refresh (``invalid_grant``), raises ``oauth_reconnect_required`` like any failed login."""
    target, expires_at = with_token(target, account)
    try:
        return open_smtp(target), expires_at
    except SMTPFailure as failure:
        if failure.reason != "oauth_reconnect_required":
            raise
    token, expires_at = tokens.bearer_token(account.id, account.auth, refused=target.bearer_token)
    return open_smtp(replace(target, bearer_token=token)), expires_at


def describe(failure: SMTPFailure) -> str:
    """Our explanation and the server's own reply, in the current language (logs, signals); the Registro de
    envíos stores the failure as data (``notes.from_failure``) and words it for each reader."""
    return notes.from_failure(failure).text()


class RecordFailed(Exception):
    """The previous message's outcome could not be recorded: the next one must not be completed."""


class Sender:
    """The sending account's connection, opened on first use and reused from batch to batch.

    Every message has an overall deadline (``message_seconds``) on top of the socket's timeout: a server
    trickling its reply cannot hold a message (and the worker's lease) for longer than that.
    """

    def __init__(self, account, message_seconds: float, defer_errors: bool = False):
        self.account_id = account.id
        self.address = account.address
        # OAuth2: the token is fetched (and refreshed) at every connect, never kept past its expiry.
        self.oauth_account = account if is_oauth(account) else None
        self.token_expires_at: dt.datetime | None = None
        self.smtp: smtplib.SMTP | None = None
        self.countdown: sockets.Countdown | None = None
        self.problem: SMTPFailure | None = None
        try:
            self.from_value, self.from_line = compose.from_header(account.display_name or "", account.address)
            self.envelope_from = addresses.wire(account.address)  # an international domain as A-labels
            self.target = account_target(account, None) if self.oauth_account else target_for(account)
        except compose.ComposeError as exc:
            self.problem = SMTPFailure("sender_not_allowed", str(exc), kind=ACCOUNT, step="mail_from",
                                       values={"sender": account.address})
        except SMTPFailure as failure:
            self.problem = failure
        if self.problem is not None and not defer_errors:
            raise self.problem
        self.in_data = False
        self.message_seconds = message_seconds

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
        if self.oauth_account is not None:
            try:
                self.smtp, self.token_expires_at = open_oauth(self.target, self.oauth_account)
            except crypto.SecretKeyError as exc:
                raise SMTPFailure("secret_unreadable", str(exc), kind=ACCOUNT, step="auth") from None
        else:
            self.smtp = open_smtp(self.target)
        # The end of DATA goes out as its own small write after the message: without TCP_NODELAY, Nagle's
        # algorithm would hold it until the server's delayed ACK (about 40 ms per message).
        self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.countdown = sockets.Countdown(self.smtp.sock)

    def token_expiring(self) -> bool:
        """The OAuth2 token this connection signed in with is (about to be) expired."""
        return self.token_expires_at is not None and utcnow() >= self.token_expires_at - tokens.refresh_ahead()

    def send(self, recipients, body: bytes, after: Future | None = None) -> dict:
        """Send one stored message with the account's From; returns the refused recipients (if any).

        ``after`` (an earlier message's record, ``Recorder.room``) must be done before the final "." of
        DATA: the message travels while it is written, and the server cannot accept it before. If it failed,
        this message is abandoned mid-DATA (``RecordFailed``), so the server keeps nothing. Whatever goes
        wrong with one message, the connection is left clean for the next: reset (RSET) after a refusal,
        replaced when its state is unknown (a timeout, a drop, an error in the middle of DATA).
        """
        if self.connected and self.token_expiring():
            self.close()  # a long-lived connection signs in again with a refreshed token
        if not self.connected:
            self.connect()
        recipients = list(recipients)
        options = []
        if addresses.needs_smtputf8(self.envelope_from, *recipients):
            if not self.smtp.has_extn("smtputf8"):  # before any command: nothing to reset
                raise _smtputf8_refused(recipients)
            options = ["SMTPUTF8"]
        self.in_data = False
        self.countdown.arm(self.message_seconds)
        try:
            refused = self._transaction(recipients, compose.with_sender(body, self.from_line), options, after)
            if self.countdown.disarm():  # the deadline cut the reply short: a partial "250" is not an answer
                raise TimeoutError("message deadline")
            return refused
        except RecordFailed:
            self.close(polite=False)  # mid-DATA: without the final "." the server keeps nothing
            raise
        except Exception as exc:
            failure = _timed_out() if self.countdown is not None and self.countdown.fired else \
                classify_send_error(exc)
            if self.in_data or isinstance(exc, (smtplib.SMTPServerDisconnected, OSError)):
                self.close(polite=False)
            else:
                self._reset()
            raise failure from None
        finally:
            if self.countdown is not None:
                self.countdown.disarm()

    def _transaction(self, recipients: list[str], message: bytes, options: list[str], after) -> dict:
        """MAIL, RCPT, DATA as ``smtplib.SMTP.sendmail`` does them; the end of data waits for ``after``."""
        smtp = self.smtp
        if smtp.has_extn("size"):
            options = [*options, f"SIZE={len(message)}"]
        code, reply = _command(smtp, "mail", "FROM:", self.envelope_from, options)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, reply, self.envelope_from)
        refused = {}
        for recipient in recipients:
            code, reply = _command(smtp, "rcpt", "TO:", recipient)
            if code not in (250, 251):
                refused[recipient] = (code, reply)
        if len(refused) == len(recipients):
            raise smtplib.SMTPRecipientsRefused(refused)
        code, reply = smtp.docmd("DATA")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        self.in_data = True
        data = _DOT.sub(b"..", message)
        data = data if data.endswith(b"\r\n") else data + b"\r\n"
        if after is None or after.done():  # usually: the record was written during MAIL, RCPT and DATA
            _recorded(after)
            smtp.send(data + b".\r\n")
        else:
            smtp.send(data)
            _recorded(after, self.message_seconds / 2)
            smtp.send(b".\r\n")
        code, reply = smtp.getreply()
        self.in_data = False
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)
        return refused

    def _reset(self) -> None:
        """End whatever transaction a failed send left open (RSET); a connection that does not answer
        250 is closed, so the next message starts on a fresh one."""
        try:
            code, _reply = self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            code = None
        if code != 250:
            self.close(polite=False)

    def close(self, polite: bool = True) -> None:
        """QUIT (without waiting long) and close."""
        smtp, self.smtp = self.smtp, None
        countdown, self.countdown = self.countdown, None
        if countdown is not None:
            countdown.close()
        if smtp is None:
            return
        if polite and getattr(smtp, "sock", None) is not None:
            try:
                smtp.sock.settimeout(1.0)
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
        smtp.close()


#: An address as stored (validated, in wire form) that needs no quoting: sent as it is.
_PLAIN_ADDRESS = re.compile(r"[!#-'*+\-/-9=?A-Z^-~.]+@[A-Za-z0-9.\-\[\]:]+")


def _command(smtp: smtplib.SMTP, verb: str, prefix: str, address: str, options=()) -> tuple[int, bytes]:
    """MAIL FROM / RCPT TO as smtplib's ``mail``/``rcpt`` send them; a plain address skips smtplib's
    parse-and-quote round (``email.utils.parseaddr``, a third of the sending thread's own time per message)."""
    if "SMTPUTF8" in options or not _PLAIN_ADDRESS.fullmatch(address):  # smtplib also switches to UTF-8
        return smtp.mail(address, list(options)) if verb == "mail" else smtp.rcpt(address, list(options))
    smtp.putcmd(verb, f"{prefix}<{address}>{''.join(' ' + option for option in options)}")
    return smtp.getreply()


def _recorded(record: Future | None, patience: float = 0.0) -> None:
    """Wait for ``record``; RecordFailed when it failed or took longer than ``patience`` seconds."""
    if record is None:
        return
    try:
        record.result(timeout=max(0.1, patience))
    except Exception as exc:
        raise RecordFailed() from exc


#: A line of the message that starts with "." is sent as ".." (RFC 5321 4.5.2), as smtplib does.
_DOT = re.compile(rb"(?m)^\.")


def _timed_out() -> SMTPFailure:
    message, hint = reasons.describe("timeout", "send")
    return SMTPFailure("timeout", message, hint=hint, step="data", kind=reasons.TRANSIENT, variant="send")


def _smtputf8_refused(recipients) -> SMTPFailure:
    """A message only SMTPUTF8 can carry (a non-ASCII local part) through a server without it: this
    message fails for good; the account and every other message are fine."""
    message, hint = reasons.describe("server_error", "smtputf8")
    who = ", ".join(r for r in recipients if not r.isascii())
    return SMTPFailure("server_error", f"{message} ({who})", hint=hint, step="mail_from", kind=reasons.PERMANENT,
                       variant="smtputf8", detail=who)
