"""Alerts: what admins must see until they acknowledge it (an account held, a customer mail that failed).

One open alert per key; a repeat only bumps its count. Admins are told by e-mail at most once per
``NOTIFY_EVERY`` per key, and only when the sending account can carry the notice: when the account
itself is held, the home page, `flask shopmail status` and the log are the channel. An alert notice
that fails never raises another alert, so there is no loop.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from sqlalchemy import select

from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Alert
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.core.text import clean
from shopmail.core.text import stored_data
from shopmail.delivery import compose
from shopmail.delivery import events
from shopmail.delivery import failover
from shopmail.delivery import notes
from shopmail.delivery import outbox
from shopmail.delivery import statuses
from shopmail.smtp.reason_titles import title

log = logging.getLogger("shopmail.alerts")
NOTIFY_EVERY = dt.timedelta(hours=1)
ALERT_KIND = "alert"


@dataclass(frozen=True)
class Shown:
    """An open alert as people read it: its message put into words now, in the reader's language."""

    id: int
    key: str
    level: str
    count: int
    created_at: dt.datetime
    message: str


def words(message: str) -> str:
    """A stored alert message in the current language: alerts keep data (what happened, to what), so the
    home page, `status` and the notice each say it in their reader's language. Text stored by an older
    version is shown as it is."""
    data = stored_data(message)
    if data is None:
        return message
    if data.get("what") == "account_held" and data.get("backup"):
        return _("La cuenta %(a)s no puede enviar (%(r)s): mientras tanto el correo sale por la cuenta de "
                 "respaldo %(b)s. Pruébela en Cuentas de correo; al pasar la prueba, vuelve a enviar ella.",
                 a=data.get("address"), r=title(data.get("reason")), b=data.get("backup"))
    if data.get("what") == "backup_in_use":
        return _("El servidor de la cuenta de envío %(a)s no responde desde hace un rato: el correo sale por la "
                 "cuenta de respaldo %(b)s hasta que vuelva a funcionar.", a=data.get("address"),
                 b=data.get("backup"))
    if data.get("what") == "account_held":
        return _("La cuenta %(a)s no puede enviar (%(r)s): su correo está retenido. Pruébela en Cuentas de "
                 "correo; al pasar la prueba, el correo retenido sale solo.", a=data.get("address"),
                 r=title(data.get("reason")))
    if data.get("what") == "message_failed":
        kind = data.get("kind")
        return _("Un correo (%(k)s) a %(to)s no se ha podido entregar: %(d)s",
                 k=str(statuses.KIND_LABELS.get(kind, kind)).lower(), to=data.get("to"),
                 d=notes.from_data(data["note"]) if "note" in data else data.get("detail"))
    return message


def shown(alert: Alert) -> Shown:
    return Shown(alert.id, alert.key, alert.level, alert.count, alert.created_at, words(alert.message))


def raise_alert(key: str, message: str, level: str = "error") -> Alert:
    """Open (or bump) the alert ``key``, log it, and tell the admins by mail if that can work. Commits.
    ``message`` is plain text or the JSON data ``words()`` puts into words."""
    key, message = clean(key, 120), clean(message, 2000)
    alert = session().scalars(select(Alert).where(Alert.key == key, Alert.acknowledged_at.is_(None))).first()
    now = utcnow()
    if alert is None:
        alert = Alert(key=key, level=level, message=message, count=1, created_at=now, last_seen_at=now)
        session().add(alert)
    else:
        alert.count += 1
        alert.message, alert.last_seen_at = message, now
    log.warning("shopmail alert %s: %s", key, words(message))
    if _should_notify(alert, now):
        alert.notified_at = now
        _queue_notice(alert)
    session().commit()
    return alert


def _should_notify(alert: Alert, now: dt.datetime) -> bool:
    if alert.notified_at is not None and now - alert.notified_at < NOTIFY_EVERY:
        return False
    snap = settings.get()
    if not snap.admin_emails:
        return False
    account = settings.sending_account(snap)
    # The held account cannot carry news of itself (the home page and status say it instead); the Cuenta de
    # respaldo standing in for it can.
    return account is not None and (not account.held_reason
                                    or failover.standing_in(account, settings.backup_account(snap)))


def _queue_notice(alert: Alert) -> None:
    snap = settings.get()
    subject, text, html = compose.render(ALERT_KIND, {"alert": shown(alert), "contact_email": snap.contact_email})
    to = [compose.mailbox(a) for a in snap.admin_emails]
    draft = compose.build(kind=ALERT_KIND, to=to, subject=subject, text=text, html=html, reply_to=None,
                          domain=compose.message_id_domain(snap.contact_email))
    outbox.enqueue([draft], snap)


def is_alert_mail(kind: str) -> bool:
    """Failures of these never raise alerts (no loop)."""
    return kind == ALERT_KIND


def open_alerts() -> list[Shown]:
    """The alerts not yet seen, newest first, in the current language."""
    return [shown(alert) for alert in session().scalars(select(Alert).where(Alert.acknowledged_at.is_(None))
                                                         .order_by(Alert.created_at.desc()))]


def acknowledge(alert_id: int, who: str) -> bool:
    """Mark an alert as seen; it leaves the home page. Commits."""
    alert = session().get(Alert, alert_id)
    if alert is None or alert.acknowledged_at is not None:
        return False
    alert.acknowledged_at, alert.acknowledged_by = utcnow(), who[:254]
    session().commit()
    return True


def account_held(account_id: int, address: str, reason: str, detail: str) -> None:
    """The delivery worker flagged an account: its mail waits, or goes through the backup account."""
    snap = settings.get()
    main, backup = settings.sending_account(snap), settings.backup_account(snap)
    # Data only (``words`` says it); ``detail``, worded in the worker's language, goes to the log, not here.
    data = {"what": "account_held", "address": address, "reason": reason}
    if main is not None and main.id == account_id and failover.standing_in(main, backup):
        data["backup"] = backup.address
    raise_alert(f"account-held:{account_id}", json.dumps(data))


def backup_in_use(account_id: int, address: str, backup_address: str, reason: str) -> None:
    """The backup account carries the sending account's mail (temporary failures past the grace period;
    a held sending account has its own alert, which says so)."""
    if reason != "failing":
        return
    raise_alert(f"backup:{account_id}", json.dumps({"what": "backup_in_use", "address": address,
                                                    "backup": backup_address}), level="warning")


def message_failed(kind: str, recipients, detail: str, note: dict | None = None) -> None:
    """A customer or admin notification failed for good (never for alert notices themselves). ``note``:
    why, as data (``notes.as_data``), worded for each reader; without it, ``detail`` is kept as written."""
    if is_alert_mail(kind):
        log.error("shopmail alert notice could not be delivered: %s", detail)
        return
    data = {"what": "message_failed", "kind": kind, "to": ", ".join(recipients)}
    data.update({"note": note} if note is not None else {"detail": clean(detail, 1000)})
    raise_alert(f"failed:{kind}", json.dumps(data))


@events.account_held.connect
def _on_account_held(sender, account_id, address, reason, detail, **extra) -> None:
    account_held(account_id, address, reason, detail)


@events.backup_in_use.connect
def _on_backup_in_use(sender, account_id, address, backup_address, reason, **extra) -> None:
    backup_in_use(account_id, address, backup_address, reason)


@events.message_failed.connect
def _on_message_failed(sender, kind, recipients, detail, note=None, **extra) -> None:
    message_failed(kind, recipients, detail, note)
