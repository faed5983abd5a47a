"""Cuenta de respaldo: which account carries the mail now.

The sending account, while it can. Its mail goes through the backup account (Comunicaciones → Cuenta de
respaldo) when the sending account is held for an account problem (login, TLS, sender refused) or its server
has been failing temporarily for longer than ``SHOPMAIL_FAILOVER_GRACE_SECONDS``. It takes over again when it
passes a test: an admin's Probar SMTP or test mail (``actions.resume_account``), or, after temporary failures,
the worker's own login check, tried at most once per grace period. Simulation is decided before any of this.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import update

from shopmail.core.config import setting
from shopmail.core.models import Account
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.core.text import clean
from shopmail.delivery import events
from shopmail.delivery import transport
from shopmail.smtp.connection import SMTPFailure

log = logging.getLogger("shopmail.delivery")
A = Account.__table__
#: When this process last tried each failing sending account again (by id).
_last_try: dict[int, float] = {}
#: Sending accounts whose mail this process sends through the backup now (announced once per switch).
_standing_in: set[int] = set()


@dataclass(frozen=True)
class Choice:
    """The account to send through now; ``backup`` when it is the Cuenta de respaldo standing in."""

    account: Account
    backup: bool


def grace() -> dt.timedelta:
    """SHOPMAIL_FAILOVER_GRACE_SECONDS as a duration."""
    return dt.timedelta(seconds=max(0.0, setting(current_app.config, "SHOPMAIL_FAILOVER_GRACE_SECONDS")))


def down_too_long(account: Account, now: dt.datetime | None = None) -> bool:
    """Whether the account's server has failed temporarily for longer than the grace period."""
    return account.failing_since is not None and (now or utcnow()) - account.failing_since > grace()


def usable(account: Account | None, now: dt.datetime | None = None) -> bool:
    """An account that may carry mail now: not held, not failing past the grace period."""
    return account is not None and not account.held_reason and not down_too_long(account, now)


def standing_in(main: Account | None, backup: Account | None) -> bool:
    """Whether the backup carries the mail now (for the home page, status and alerts)."""
    return main is not None and backup is not None and backup.id != main.id and not usable(main) and usable(backup)


def choose(main: Account, backup: Account | None) -> Choice:
    """The sending account when usable (or when there is no usable backup), else the backup. Before the
    backup stands in for a sending account failing only temporarily, that account is tried again (a login,
    no mail), at most once per grace period."""
    if not standing_in(main, backup):
        return Choice(main, False)
    if not main.held_reason and _try_again(main):
        return Choice(main, False)
    return Choice(backup, True)


def _try_again(main: Account) -> bool:
    """Log in to the failing sending account (no mail sent); when it works it takes over. Throttled."""
    last = _last_try.get(main.id)
    if last is not None and time.monotonic() - last < grace().total_seconds():
        return False
    _last_try[main.id] = time.monotonic()
    sender = None
    try:
        sender = transport.Sender(main, message_seconds=setting(current_app.config, "SHOPMAIL_SMTP_TIMEOUT"))
        sender.connect()
    except SMTPFailure as failure:
        log.info("La cuenta %s sigue sin responder: %s", clean(main.address, 254), clean(transport.describe(failure)))
        return False
    finally:
        if sender is not None:
            sender.close()
    note_up(main.id)
    main.failing_since = None
    log.info("La cuenta %s vuelve a responder: vuelve a enviar ella.", clean(main.address, 254))
    return True


def announce(main: Account, choice: Choice) -> None:
    """Tell the layers above (``events.backup_in_use``) and the log when the backup starts standing in for
    ``main``, once per switch in this process; and the log when ``main`` takes over again."""
    if not choice.backup:
        if main.id in _standing_in:
            _standing_in.discard(main.id)
            log.info("La cuenta de envío %s vuelve a enviar.", clean(main.address, 254))
        return
    if main.id in _standing_in:
        return
    _standing_in.add(main.id)
    reason = main.held_reason or "failing"
    log.warning("La cuenta de envío %s no puede enviar (%s): el correo sale por la cuenta de respaldo %s.",
                clean(main.address, 254), reason, clean(choice.account.address, 254))
    try:
        events.backup_in_use.send(current_app._get_current_object(), account_id=main.id, address=main.address,
                                  backup_account_id=choice.account.id, backup_address=choice.account.address,
                                  reason=reason)
    except Exception:
        log.exception("No se pudo crear el aviso de la cuenta de respaldo.")
        session().rollback()


def note_down(account_id: int) -> None:
    """The account's server failed temporarily: remember since when (the first time only). Commits."""
    session().execute(update(A).where(A.c.id == account_id, A.c.failing_since.is_(None))
                      .values(failing_since=utcnow()))
    session().commit()


def note_up(account_id: int) -> None:
    """The account works again (it sent, or passed a test). Commits."""
    session().execute(update(A).where(A.c.id == account_id, A.c.failing_since.is_not(None))
                      .values(failing_since=None))
    session().commit()
