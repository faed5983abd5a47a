"""`flask shopmail send-test`, `outbox list|show|release|retry|cancel` and `worker`."""

from __future__ import annotations

from dataclasses import asdict

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from shopmail.cli.output import confirm
from shopmail.cli.output import emit
from shopmail.cli.output import fail
from shopmail.cli.output import json_option
from shopmail.cli.output import labelled
from shopmail.cli.output import LOG_LEVELS
from shopmail.cli.output import log_to_stderr
from shopmail.cli.output import when
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import operator_locale
from shopmail.core.i18n import shop_locale
from shopmail.core.models import MAX_ID
from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from shopmail.delivery import actions
from shopmail.delivery import history
from shopmail.delivery import runner
from shopmail.delivery import statuses
from shopmail.delivery.compose import ComposeError
from shopmail.services.notifications import send_test as send
from shopmail.services.wording import KINDS

MESSAGE_ID = click.IntRange(1, MAX_ID)


@click.command("send-test")
@click.argument("to", required=False)
@click.option("--kind", type=click.Choice(list(KINDS)), default="test", show_default=True,
              help="Which mail of Plantillas de correo to send, with a sample order.")
@click.option("--admins", "to_admins", is_flag=True, help="Send it to every admin address instead of TO.")
@json_option
@with_appcontext
def send_test(to, kind, to_admins, as_json):
    """Send a sample mail (a sample order notification by default) to TO, or to every admin address
    with --admins, through the real pipeline (obeys simulation)."""
    if not to and not to_admins:
        raise click.UsageError(_("Indique el destinatario TO, o --admins para enviarlo a todos los administradores."))
    try:
        outcome = send(to, kind, to_admins)
    except ComposeError as exc:
        raise click.BadParameter(str(exc), param_hint="--admins" if to_admins else "TO") from None
    emit(outcome.to_dict(), as_json, outcome.message)
    if not outcome.ok:
        raise SystemExit(1)


@click.group("outbox", cls=AppGroup)
def outbox_group():
    """The outbox (Registro de envíos)."""


def _status(code: str) -> str:
    return str(statuses.STATUS_LABELS.get(code, code))


def _kind(code: str) -> str:
    return str(statuses.KIND_LABELS.get(code, code))


def _line(item: dict) -> str:
    return (f"{item['id']:>6}  {when(item['created_at']):<20}  {_status(item['status']):<12}  "
            f"{', '.join(item['to'])}  {item['subject']}")


@outbox_group.command("list")
@click.option("--status", type=click.Choice(list(statuses.STATUS_LABELS)), help="Only messages in this status.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000),
              help="How many messages to list at most.")
@json_option
def list_(status, limit, as_json):
    """List messages, newest first."""
    items = [statuses.to_dict(row) for row in history.search(status=status, per_page=limit).items]
    header = "  ".join([f"{'Id':>6}", _("Fecha").ljust(20), _("Estado").ljust(12), _("Destinatarios"), _("Asunto")])
    emit(items, as_json, "\n".join([header, *map(_line, items)]) if items else _("No hay envíos."))


@outbox_group.command("show")
@click.argument("message_id", type=MESSAGE_ID)
@json_option
def show(message_id, as_json):
    """Show one message: status, kind, recipients, subject, attempts, last error, dates, attachments."""
    row = session().get(OutboxMessage, message_id)
    if row is None:
        fail(_("No existe el envío %(id)s.", id=message_id), 1, as_json)
    item = statuses.to_dict(row)
    emit(item, as_json, "\n".join([labelled([
        (_("Envío"), item["id"]),
        (_("Estado"), _status(item["status"])),
        (_("Tipo"), _kind(item["kind"])),
        (_("Destinatarios"), ", ".join(item["to"]) or "—"),
        (_("Asunto"), item["subject"] or "—"),
        ("Message-ID", item["message_id"] or "—"),
        (_("Intentos"), item["attempts"]),
        (_("Último error"), item["last_error"] or "—"),
        (_("Creado"), when(item["created_at"])),
        (_("Enviado"), when(item["sent_at"])),
        (_("Cuenta"), item["account_id"] or "—"),
        (_("Contenido"), _("borrado (conservación)") if item["body_purged"] else _("guardado")),
        (_("Adjuntos"), "—" if not item["attachments"] else ""),
    ]), *(f"  {a['filename']} ({a['content_type']}, {a['size']} bytes)" for a in item["attachments"])]))


def _action(function, message_id: int, as_json: bool, done: str) -> None:
    try:
        function(message_id)
    except actions.ActionRefused as exc:
        fail(str(exc), 1, as_json)
    row = session().get(OutboxMessage, message_id)
    emit({"ok": True, "id": message_id, "status": row.status if row else None}, as_json, done)


@outbox_group.command("release")
@click.argument("message_id", type=MESSAGE_ID)
@json_option
def release(message_id, as_json):
    """Release a simulated message: send it for real."""
    _action(actions.release, message_id, as_json, _("Envío %(id)s liberado: pendiente de envío.", id=message_id))


@outbox_group.command("retry")
@click.argument("message_id", type=MESSAGE_ID)
@json_option
def retry(message_id, as_json):
    """Queue a failed message again."""
    _action(actions.retry, message_id, as_json, _("Envío %(id)s pendiente de un nuevo intento.", id=message_id))


@outbox_group.command("cancel")
@click.argument("message_id", type=MESSAGE_ID)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
def cancel(message_id, yes, as_json):
    """Cancel a pending message: it will not be sent."""
    confirm(_("¿Cancelar el envío %(id)s?", id=message_id), yes, as_json)
    _action(actions.cancel, message_id, as_json, _("Envío %(id)s cancelado.", id=message_id))


@click.command("worker")
@click.option("--once", is_flag=True, help="One pass: send what is waiting, then exit.")
@click.option("--batch", default=100, show_default=True, type=click.IntRange(1, 1000),
              help="Messages claimed at a time (one SMTP connection per batch).")
@click.option("--poll", default=5.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds between passes when nothing is waiting.")
@click.option("--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False), default="info",
              show_default=True, help="Log lines on stderr: one per batch (info) and per failure (warning).")
@json_option
@with_appcontext
def worker(once, batch, poll, log_level, as_json):
    """Deliver the outbox until SIGTERM (which lets the current message finish)."""
    app = current_app._get_current_object()

    def report(result):
        if (result.handled or result.returned) and not as_json:
            with operator_locale():
                click.echo(_("enviados %(sent)s, reintentos %(retried)s, fallidos %(failed)s, retenidos "
                             "%(held)s, simulados %(simulated)s", sent=result.sent, retried=result.retried,
                             failed=result.failed, held=result.held, simulated=result.simulated))

    # The notes delivery stores and the alerts it sends are for the shop's admins: the shop's language.
    with log_to_stderr(log_level), shop_locale():
        total = runner.run(app, once=once, batch=batch, poll=poll, on_pass=report)
    emit({"ok": True, **asdict(total)}, as_json, None if total.handled or not once else _("Nada pendiente de envío."))


COMMANDS = [send_test, outbox_group, worker]
