"""What a Celery task or an RQ job does: the worker's own claim-and-send, in a fresh app context."""

from __future__ import annotations

import logging

from sqlalchemy import select

from shopmail.core.models import OutboxMessage as M
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.delivery import statuses
from shopmail.delivery import worker

log = logging.getLogger("shopmail.delivery")

#: Messages claimed at a time by a task's pass (one SMTP connection per batch).
BATCH = 100


def deliver_ids(app, ids) -> dict:
    """Deliver the messages of one commit. When none of ``ids`` is still waiting (another task's pass sent
    or claimed them: a duplicated or late task) this is one query and nothing else; otherwise it is a worker
    pass, which also takes whatever else is due, so under load one task sends many messages over one
    connection and the tasks behind it find theirs done. Failures go into the outbox's retry schedule."""
    ids = [int(id_) for id_ in ids]
    with app.app_context():
        waiting = session().scalar(select(M.id).where(M.id.in_(ids), M.status.in_((statuses.QUEUED, statuses.RETRY)),
                                                      M.next_attempt_at <= utcnow()).limit(1))
        session().commit()
        if waiting is None:
            return _summary(worker.Report())
        report = worker.deliver_due(batch=BATCH)
    return _summary(report)


def sweep(app) -> dict:
    """Send everything due (retries, and mail whose enqueue was lost to a crash or a broker outage)."""
    with app.app_context():
        report = worker.deliver_due()
    return _summary(report)


def _summary(report) -> dict:
    summary = {"sent": report.sent, "retried": report.retried, "failed": report.failed, "held": report.held,
               "simulated": report.simulated, "returned": report.returned}
    if report.handled:
        log.info("shopmail: %s", summary)
    return summary
