"""Celery or RQ as the delivery engine (SHOPMAIL_DISPATCH=celery|rq).

The outbox stays the record: mail is written in the order's transaction, and after the commit its new ids
are handed to a task (``celery_tasks``) or a job (``rq_jobs``) whose body claims and delivers them with the
worker's own lease code (``jobs``). A task that runs twice, or late, finds nothing left to claim. Failing to
enqueue loses nothing: the periodic sweep (Celery beat, or cron running `flask shopmail worker --once`)
sends what is due, retries included.
"""

from __future__ import annotations

from shopmail.core.config import dispatch_mode
from shopmail.delivery import events
from shopmail.delivery.dispatch import celery_tasks
from shopmail.delivery.dispatch import rq_jobs


@events.mail_committed.connect
def _committed(app, ids, **_extra) -> None:
    """New mail was committed: hand its ids to the engine SHOPMAIL_DISPATCH names."""
    mode = dispatch_mode(app.config)
    if mode == "celery":
        celery_tasks.enqueue(app, ids)
    elif mode == "rq":
        rq_jobs.enqueue(app, ids)
