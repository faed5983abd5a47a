"""`flask shopmail send-test`, `outbox list|release|retry|cancel` and `worker`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from shopmail.cli.output import emit
from shopmail.cli.output import fail
from shopmail.core.models import MAX_ID
from shopmail.delivery import actions
from shopmail.delivery import history
from shopmail.delivery import runner
from shopmail.delivery import statuses
from shopmail.delivery.compose import ComposeError
from shopmail.services.notifications import send_test as send


@click.command("send-test")
@click.argument("to")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def send_test(to, as_json):
    """Send a sample order notification to TO through the real pipeline (obeys simulation)."""
    try:
        outcome = send(to)
    except ComposeError as exc:
        raise click.BadParameter(str(exc), param_hint="TO") from None
    emit(outcome.to_dict(), as_json, outcome.message)
    if not outcome.ok:
        raise SystemExit(1)


@click.group("outbox", cls=AppGroup)
def outbox_group():
    """Registro de envíos."""


def _line(row) -> str:
    return (f"{row.id:>6}  {str(statuses.STATUS_LABELS.get(row.status, row.status)):<12}  {row.kind:<22}  "
            f"{', '.join(row.recipients or [])}  {row.subject}")


@outbox_group.command("list")
@click.option("--status", type=click.Choice(list(statuses.STATUS_LABELS)))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True)
def list_(status, limit, as_json):
    """List messages, newest first."""
    page = history.search(status=status, per_page=limit)
    emit([statuses.to_dict(row) for row in page.items], as_json,
         "\n".join(_line(row) for row in page.items) or "No hay envíos.")


def _action(function, message_id: int, done: str) -> None:
    try:
        function(message_id)
    except actions.ActionRefused as exc:
        fail(str(exc))
    click.echo(done)


@outbox_group.command("release")
@click.argument("message_id", type=click.IntRange(1, MAX_ID))
def release(message_id):
    """Liberar: send a simulated message for real."""
    _action(actions.release, message_id, f"Envío {message_id} liberado: pendiente de envío.")


@outbox_group.command("retry")
@click.argument("message_id", type=click.IntRange(1, MAX_ID))
def retry(message_id):
    """Reintentar: queue a failed message again."""
    _action(actions.retry, message_id, f"Envío {message_id} pendiente de un nuevo intento.")


@outbox_group.command("cancel")
@click.argument("message_id", type=click.IntRange(1, MAX_ID))
def cancel(message_id):
    """Cancelar: a pending message will not be sent."""
    _action(actions.cancel, message_id, f"Envío {message_id} cancelado.")


@click.command("worker")
@click.option("--once", is_flag=True, help="Una pasada: envía lo pendiente y termina.")
@click.option("--batch", default=100, show_default=True, type=click.IntRange(1, 1000),
              help="Mensajes reclamados a la vez (una conexión SMTP por lote).")
@click.option("--poll", default=5.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Segundos entre pasadas cuando no hay nada que enviar.")
@with_appcontext
def worker(once, batch, poll):
    """Deliver the outbox until SIGTERM (which lets the current message finish)."""
    app = current_app._get_current_object()

    def report(result):
        if result.handled or result.returned:
            click.echo(f"enviados {result.sent}, reintentos {result.retried}, fallidos {result.failed}, "
                       f"retenidos {result.held}, simulados {result.simulated}")

    total = runner.run(app, once=once, batch=batch, poll=poll, on_pass=report)
    if once and not total.handled:
        click.echo("Nada pendiente de envío.")


COMMANDS = [send_test, outbox_group, worker]
