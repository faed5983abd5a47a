"""What a Celery task or an RQ job does: the worker's own claim-and-send, in a fresh app context."""

from __future__ import annotations

import logging

from shopmail.delivery import worker

log = logging.getLogger("shopmail.delivery")


def deliver_ids(app, ids) -> dict:
    """Claim and send the messages ``ids`` that are still due (sent, claimed or cancelled ones are skipped,
    so a duplicated or late task is harmless); a failure goes into the outbox's retry schedule."""
    ids = [int(id_) for id_ in ids]
    with app.app_context():
        report = worker.deliver_due(batch=max(1, len(ids)), only=ids)
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
