"""Retention (GDPR storage limitation): old message content and old audit lines are removed.

``purge()`` is the one code path: `flask shopmail purge` calls it, and every `flask shopmail worker` calls it
once a day (on its first pass, then every 24 hours; several workers purging at once only find less to do).
Message content goes after ``SHOPMAIL_RETENTION_DAYS`` for sent and cancelled mail (headers, status and
Message-ID stay: ``delivery.purge``); audit lines after ``SHOPMAIL_AUDIT_RETENTION_DAYS``. 0 keeps for ever.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import asdict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select

from shopmail.core.config import setting
from shopmail.core.models import AuditEvent
from shopmail.core.models import OutboxMessage as M
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.delivery import events
from shopmail.delivery import limits
from shopmail.delivery import purge as bodies

log = logging.getLogger("shopmail.retention")
#: Messages emptied per transaction: a long purge never holds many row locks at once.
CHUNK = 500
#: How often a worker runs the purge.
EVERY_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed (or, with ``dry_run``, would remove). Cut-offs are None when kept for ever."""

    dry_run: bool
    retention_days: int
    audit_retention_days: int
    bodies_before: dt.datetime | None
    audit_before: dt.datetime | None
    bodies_purged: int
    audit_purged: int

    def to_dict(self) -> dict:
        """The JSON of `flask shopmail purge --json` (docs/reference.md)."""
        data = asdict(self)
        for key in ("bodies_before", "audit_before"):
            data[key] = data[key].isoformat() if data[key] else None
        return {"ok": True, **data}


def _cutoff(key: str, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    days = max(0, setting(current_app.config, key))
    return days, (now - dt.timedelta(days=days) if days else None)


def _old_messages(before: dt.datetime):
    """Sent or cancelled messages whose content is still there and that settled before ``before``
    (``updated_at`` is when a message reached its status)."""
    return (M.status.in_(bodies.PURGEABLE), M.body_purged_at.is_(None), M.updated_at < before)


def purge(dry_run: bool = False, now: dt.datetime | None = None) -> PurgeReport:
    """Remove the content of old sent/cancelled mail and old audit lines (or count them, ``dry_run``)."""
    now = now or utcnow()
    days, bodies_before = _cutoff("SHOPMAIL_RETENTION_DAYS", now)
    audit_days, audit_before = _cutoff("SHOPMAIL_AUDIT_RETENTION_DAYS", now)
    purged = audited = 0
    if bodies_before is not None:
        if dry_run:
            purged = session().scalar(select(func.count()).select_from(M).where(*_old_messages(bodies_before)))
        else:
            while ids := list(session().scalars(select(M.id).where(*_old_messages(bodies_before))
                                                .order_by(M.id).limit(CHUNK))):
                purged += bodies.remove_bodies(ids)
    if audit_before is not None:
        if dry_run:
            audited = session().scalar(select(func.count()).select_from(AuditEvent)
                                       .where(AuditEvent.at < audit_before))
        else:
            audited = session().execute(delete(AuditEvent).where(AuditEvent.at < audit_before)).rowcount
    if not dry_run:  # the shared counter of the sending limits only ever looks one day back
        limits.forget_before(now - 2 * limits.DAY)
    session().commit()
    if not dry_run and (purged or audited):
        log.info("Conservación: contenido de %d correos borrado; %d líneas de auditoría borradas.", purged, audited)
    return PurgeReport(dry_run, days, audit_days, bodies_before, audit_before, purged, audited)


#: When each worker (by its lease owner name) last purged, in this process.
_last_purge: dict[str, float] = {}


@events.worker_beat.connect
def _purge_daily(sender, owner: str, **extra) -> None:
    """A worker's pass ended: purge if this worker has not done so in the last day. Never stops delivery."""
    last = _last_purge.get(owner)
    if last is not None and time.monotonic() - last < EVERY_SECONDS:
        return
    _last_purge[owner] = time.monotonic()
    try:
        purge()
    except Exception:
        log.exception("La purga diaria ha fallado; se reintentará mañana.")
        session().rollback()
