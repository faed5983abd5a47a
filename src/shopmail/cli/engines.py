"""`flask shopmail rq-worker`: an RQ worker for SHOPMAIL_DISPATCH=rq, inside the shop's app."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from shopmail.cli.output import emit
from shopmail.cli.output import fail
from shopmail.cli.output import json_option
from shopmail.core.extras import require
from shopmail.core.i18n import gettext as _
from shopmail.delivery.dispatch import rq_jobs


@click.command("rq-worker")
@click.option("--burst", is_flag=True, help="Run the jobs waiting in the queue, then exit.")
@json_option
@with_appcontext
def rq_worker(burst, as_json):
    """Run shopmail's RQ jobs (SHOPMAIL_RQ_QUEUE on SHOPMAIL_RQ_REDIS_URL) until SIGTERM."""
    require("rq", "rq")
    app = current_app._get_current_object()
    try:
        rq_jobs.work(app, burst=burst)
    except RuntimeError as exc:  # no Redis configured
        fail(str(exc), 1, as_json)
    emit({"ok": True}, as_json, _("Worker RQ detenido."))


COMMANDS = [rq_worker]
