"""shopmail's tasks on a Celery app: ``shopmail.deliver`` (the ids of one commit) and ``shopmail.sweep``.

A shop with its own Celery app calls ``register(celery_app, flask_app)`` (``ShopMail.register_celery``) in
the web processes and in the Celery workers; a shop without one uses ``make_celery`` (``shopmail.celery_worker``
is a ready-made module for ``celery -A``). Celery is optional (the ``celery`` extra); nothing here imports
it until a Celery app is made.
"""

from __future__ import annotations

import logging

from shopmail.core.config import setting
from shopmail.delivery.dispatch import jobs

log = logging.getLogger("shopmail.delivery")

#: Where an app keeps the Celery app its commits enqueue on, in ``app.extensions``.
KEY = "shopmail_celery"
DELIVER = "shopmail.deliver"
SWEEP = "shopmail.sweep"


def register(celery, app) -> None:
    """Add shopmail's tasks (and the sweep to the beat schedule) to ``celery``, running in ``app``."""

    @celery.task(name=DELIVER, ignore_result=True, acks_late=True, reject_on_worker_lost=True)
    def deliver(ids):
        """Claim and send the messages of one commit."""
        return jobs.deliver_ids(app, ids)

    @celery.task(name=SWEEP, ignore_result=True)
    def sweep():
        """Send what is due: retries, and what a lost enqueue left."""
        return jobs.sweep(app)

    every = setting(app.config, "SHOPMAIL_SWEEP_SECONDS")
    schedule = celery.conf.beat_schedule or {}
    schedule.setdefault("shopmail-sweep", {"task": SWEEP, "schedule": every,
                                           "options": {"queue": setting(app.config, "SHOPMAIL_CELERY_QUEUE")}})
    celery.conf.beat_schedule = schedule
    app.extensions[KEY] = celery


def make_celery(app):
    """A Celery app on SHOPMAIL_CELERY_BROKER_URL with shopmail's tasks, for a shop that has none."""
    # optional: Celery comes with the `celery` extra
    from celery import Celery

    # optional: Celery comes with the `celery` extra
    from celery.signals import worker_process_init

    broker = app.config.get("SHOPMAIL_CELERY_BROKER_URL")
    if not broker:
        raise RuntimeError("SHOPMAIL_DISPATCH=celery needs SHOPMAIL_CELERY_BROKER_URL, or the shop's own Celery app "
                           "(ShopMail.register_celery).")
    celery = Celery("shopmail", broker=broker, set_as_current=False)
    celery.conf.update(task_default_queue=setting(app.config, "SHOPMAIL_CELERY_QUEUE"), task_ignore_result=True,
                       broker_connection_retry_on_startup=True, worker_prefetch_multiplier=1,
                       worker_hijack_root_logger=False)
    register(celery, app)

    @worker_process_init.connect(weak=False)
    def fresh_connections(**_kwargs):
        """A forked pool process must not share the parent's database connections."""
        with app.app_context():
            app.extensions["shopmail"].db.engine.dispose(close=False)

    return celery


def enqueue(app, ids) -> None:
    """Send ``shopmail.deliver`` for the ids of one commit (a failure only delays them until the sweep)."""
    try:
        celery = app.extensions.get(KEY) or make_celery(app)
        celery.send_task(DELIVER, args=[list(ids)], queue=setting(app.config, "SHOPMAIL_CELERY_QUEUE"),
                         retry=True, retry_policy={"max_retries": 2})
    except Exception as exc:  # the outbox keeps the mail; the sweep sends it
        log.warning("No se pudo encolar el envío en Celery (%s); lo enviará el barrido periódico.",
                    type(exc).__name__)
