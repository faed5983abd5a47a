"""Registro de envíos: every message, its content, and Reintentar / Liberar / Cancelar."""

from __future__ import annotations

import io

from flask import abort
from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for

from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from shopmail.delivery import actions
from shopmail.delivery import attachments as files
from shopmail.delivery import compose
from shopmail.delivery import history
from shopmail.delivery import notes
from shopmail.delivery import statuses
from shopmail.panel.outbox import chart
from shopmail.panel.outbox.forms import ActionForm
from shopmail.panel.outbox.forms import FilterForm
from shopmail.panel.ui import MAIL_CSP
from shopmail.panel.ui import mail_html_response

bp = Blueprint("outbox", __name__, url_prefix="/envios")

#: How much of a stored message's source the page shows (attachments can make it megabytes long).
SOURCE_SHOWN = 512 * 1024

BADGES = {statuses.SENT: "ok", statuses.FAILED: "bad", statuses.HELD: "warn", statuses.RETRY: "warn",
          statuses.SIMULATED: "warn"}


@bp.app_template_global("shopmail_outbox_status")
def status_word(status: str) -> str:
    """The status in words (Pendiente, Enviado, …)."""
    return str(statuses.STATUS_LABELS.get(status, status))


@bp.app_template_global("shopmail_outbox_kind")
def kind_word(kind: str) -> str:
    """What kind of message it is, in words."""
    return str(statuses.KIND_LABELS.get(kind, kind))


@bp.app_template_global("shopmail_outbox_badge")
def badge(status: str) -> str:
    """The badge colour of a status."""
    return BADGES.get(status, "muted")


@bp.get("/")
def index():
    """The list, with its filters, pagination and the 14-day chart."""
    form = FilterForm(request.args)
    form.fill_choices(history.kinds())
    filters = {"status": form.status.data or None, "kind": form.kind.data or None,
               "recipient": (form.recipient.data or "").strip() or None}
    page = history.search(**filters, page=request.args.get("page", 1, type=int))
    query = {key: value for key, value in filters.items() if value}
    return render_template("shopmail/outbox/index.html", form=form, page=page, query=query,
                           charts=chart.build_both(history.daily_counts()), sent_by=history.sent_by(page.items))


def _message(message_id: int) -> OutboxMessage:
    row = session().get(OutboxMessage, message_id)
    if row is None:
        abort(404)
    return row


@bp.get("/<shopmail_id:message_id>")
def show(message_id):
    """One message: its status, headers, text, source and HTML (in a sandboxed frame)."""
    row = _message(message_id)
    mail = compose.parse(row.body)
    # A purged message keeps only its headers: there is no text or HTML version left to show.
    text = mail.get_body(("plain",)) if row.body_purged_at is None else None
    return render_template("shopmail/outbox/show.html", row=row, note=notes.of(row), headers=list(mail.items()),
                           text=text.get_content() if text is not None else None,
                           has_html=row.body_purged_at is None and mail.get_body(("html",)) is not None,
                           attachments=files.listed(mail), source=row.body[:SOURCE_SHOWN].decode("utf-8", "replace"),
                           source_cut=len(row.body) > SOURCE_SHOWN, form=ActionForm(),
                           simulating=settings.get().simulation, sent_by=history.sent_by([row]).get(row.id))


@bp.get("/<shopmail_id:message_id>/adjuntos/<int:number>")
def attachment(message_id, number):
    """One attachment of a stored message, as a download (never shown inline on our origin)."""
    found = files.listed(compose.parse(_message(message_id).body))
    if not 1 <= number <= len(found):
        abort(404)
    item = found[number - 1]
    response = send_file(io.BytesIO(item.data), mimetype=item.content_type, as_attachment=True,
                         download_name=item.filename, max_age=0)
    response.headers["Content-Security-Policy"] = MAIL_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<shopmail_id:message_id>/html")
def html(message_id):
    """The HTML part alone, for the sandboxed frame of the message page."""
    part = compose.parse(_message(message_id).body).get_body(("html",))
    if part is None:
        abort(404)
    return mail_html_response(part.get_content())


def _act(message_id: int, action, done: str):
    if ActionForm().validate_on_submit():
        try:
            action(message_id)
        except actions.ActionRefused as exc:
            flash(str(exc), "error")
        else:
            flash(done, "success")
    return redirect(url_for(".show", message_id=message_id))


@bp.post("/<shopmail_id:message_id>/reintentar")
def retry(message_id):
    """Reintentar (a failed message)."""
    return _act(message_id, actions.retry, _("El correo vuelve a estar pendiente de envío."))


@bp.post("/<shopmail_id:message_id>/liberar")
def release(message_id):
    """Liberar (a simulated message; the page asks first)."""
    return _act(message_id, actions.release, _("Correo liberado: se enviará de verdad a su destinatario."))


@bp.post("/<shopmail_id:message_id>/cancelar")
def cancel(message_id):
    """Cancelar (a message still waiting)."""
    return _act(message_id, actions.cancel, _("Envío cancelado: este correo no saldrá."))
