"""shopmail's jobs on an RQ queue (SHOPMAIL_DISPATCH=rq): ``deliver`` (the ids of one commit) and ``sweep``.

Jobs run where a Flask app context of the shop's app is active: `flask shopmail rq-worker` runs an RQ worker
inside one. RQ is optional (the ``rq`` extra); nothing here imports it until a job is enqueued or a worker runs.
"""

from __future__ import annotations

import functools
import logging

from flask import current_app

from shopmail.core.config import redis_url
from shopmail.core.config import setting
from shopmail.delivery.dispatch import jobs

log = logging.getLogger("shopmail.delivery")


def deliver(ids) -> dict:
    """The job: claim and send the messages of one commit (in a fresh app context of the worker's app)."""
    return jobs.deliver_ids(current_app._get_current_object(), ids)


def sweep() -> dict:
    """The job: send what is due (retries, and what a lost enqueue left)."""
    return jobs.sweep(current_app._get_current_object())


@functools.lru_cache(maxsize=8)
def _connection(url: str):
    # optional: redis comes with the `rq` extra
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)


def queue(app):
    """The RQ queue SHOPMAIL_RQ_QUEUE on SHOPMAIL_RQ_REDIS_URL (or the cache's Redis)."""
    # optional: RQ comes with the `rq` extra
    from rq import Queue

    url = redis_url(app.config)
    if not url:
        raise RuntimeError("SHOPMAIL_DISPATCH=rq needs SHOPMAIL_RQ_REDIS_URL (or SHOPMAIL_CACHE_REDIS_URL).")
    return Queue(setting(app.config, "SHOPMAIL_RQ_QUEUE"), connection=_connection(url))


def enqueue(app, ids) -> None:
    """Enqueue ``deliver`` for the ids of one commit (a failure only delays them until the sweep)."""
    try:
        queue(app).enqueue(deliver, list(ids), result_ttl=0, failure_ttl=86400)
    except Exception as exc:  # the outbox keeps the mail; the sweep sends it
        log.warning("No se pudo encolar el envío en RQ (%s); lo enviará el barrido periódico.", type(exc).__name__)


def work(app, burst: bool = False) -> bool:
    """Run an RQ worker on shopmail's queue in this process, inside ``app``'s context (`flask shopmail rq-worker`).
    No fork per job: each job opens a fresh app context of its own."""
    # optional: RQ comes with the `rq` extra
    from rq import SimpleWorker

    target = queue(app)
    with app.app_context():
        return SimpleWorker([target], connection=target.connection).work(burst=burst, with_scheduler=False)
