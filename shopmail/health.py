"""How the e-mail set-up is doing, for `flask shopmail status` and the status page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select

from . import settings
from .delivery import outbox
from .extension import session
from .models import Account
from .models import OutboxMessage
from .models import utcnow
from .models import WorkerHeartbeat


@dataclass(frozen=True)
class Status:
    sending_account: dict | None
    simulation: bool
    simulation_locked: bool
    queue_depth: int
    held: int
    oldest_waiting_at: dt.datetime | None
    failures_24h: int
    sent_24h: int
    last_worker_heartbeat: dt.datetime | None
    workers_alive: int
    alerts: tuple = ()

    def to_dict(self) -> dict:
        def iso(value):
            return value.isoformat() if value else None

        return {
            "sending_account": self.sending_account, "simulation": self.simulation,
            "simulation_locked": self.simulation_locked, "queue_depth": self.queue_depth, "held": self.held,
            "oldest_waiting_at": iso(self.oldest_waiting_at), "failures_24h": self.failures_24h,
            "sent_24h": self.sent_24h, "last_worker_heartbeat": iso(self.last_worker_heartbeat),
            "workers_alive": self.workers_alive,
            "alerts": [{"key": a.key, "message": a.message, "count": a.count, "since": iso(a.created_at)}
                       for a in self.alerts],
        }


def status(now: dt.datetime | None = None) -> Status:
    """A handful of aggregate queries: constant cost whatever the size of the outbox."""
    now = now or utcnow()
    snap = settings.get()
    account = session().get(Account, snap.sending_account_id) if snap.sending_account_id else None
    sending = None
    if account is not None:
        sending = {"id": account.id, "address": account.address, "held_reason": account.held_reason,
                   "last_test": None if account.last_test_at is None else {
                       "ok": bool(account.last_test_ok), "reason": account.last_test_reason,
                       "at": account.last_test_at.isoformat()}}
    counts = dict(session().execute(
        select(OutboxMessage.status, func.count()).where(OutboxMessage.status.in_(outbox.WAITING))
        .group_by(OutboxMessage.status)).all())
    oldest = session().scalar(select(func.min(OutboxMessage.created_at))
                              .where(OutboxMessage.status.in_(outbox.WAITING)))
    day_ago = now - dt.timedelta(hours=24)
    recent = dict(session().execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_((outbox.FAILED, outbox.SENT)), OutboxMessage.updated_at >= day_ago)
        .group_by(OutboxMessage.status)).all())
    last_beat = session().scalar(select(func.max(WorkerHeartbeat.last_seen_at)))
    alive = session().scalar(select(func.count()).select_from(WorkerHeartbeat)
                             .where(WorkerHeartbeat.last_seen_at >= now - dt.timedelta(minutes=2)))
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    if last_beat is not None and last_beat.tzinfo is None:
        last_beat = last_beat.replace(tzinfo=dt.UTC)
    from .alerts import open_alerts

    return Status(sending, snap.simulation, snap.simulation_locked, sum(counts.values()), counts.get(outbox.HELD, 0),
                  oldest, recent.get(outbox.FAILED, 0), recent.get(outbox.SENT, 0), last_beat, alive or 0,
                  tuple(open_alerts()))


def beat(name: str, processed: int = 0) -> None:
    """Record a worker's sign of life (called by the delivery worker; commits)."""
    row = session().get(WorkerHeartbeat, name)
    if row is None:
        row = WorkerHeartbeat(name=name, processed=0)
        session().add(row)
    row.last_seen_at = utcnow()
    row.processed = (row.processed or 0) + processed
    session().commit()
