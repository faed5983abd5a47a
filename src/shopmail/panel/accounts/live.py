"""Live Probar SMTP and Intentar configuración automática: the steps streamed as they complete.

The account screens work without JavaScript (``views.py``). With it, shopmail.js posts the same form here
and shows each step the moment it is done. The answer is NDJSON, one event per line:

- ``{"event": "step", "step": "connect", "label": "Conexión", "ok": true, "ms": 4, "detail": "..."}``
  (a step of the SMTP test, also while auto-configuration verifies a login);
- ``{"event": "source", "source": "srv", "label": "...", "found": 1}`` (an auto-configuration source answered);
- ``{"event": "verify", "host": "...", "port": 465, "security": "ssl"}`` (a login attempt begins);
- last, ``{"event": "result", "kind": "probe"|"autoconfig", "result": {...}, "ticket": "...", "html": "..."}``
  where ``result`` is the JSON of docs/reference.md and ``html`` the same result section the page shows without
  JavaScript; or ``{"event": "error", "message": "..."}``.

A form that does not validate gets the single event ``{"event": "invalid"}``: the script then submits it
normally, so the errors appear next to their fields exactly as without JavaScript.
"""

from __future__ import annotations

import json
import logging
import queue
import threading

from flask import abort
from flask import Blueprint
from flask import copy_current_request_context
from flask import render_template
from flask import request
from flask import Response

from shopmail.core import progress
from shopmail.core.crypto import SecretKeyError
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import lazy_gettext as _l
from shopmail.panel.accounts.forms import AccountForm
from shopmail.panel.limits import expensive
from shopmail.services import accounts as service
from shopmail.services.autoconfig import discover

log = logging.getLogger(__name__)

bp = Blueprint("live", __name__, url_prefix="/cuentas")

#: The probe's steps in the admin's words.
STEP_LABELS = {
    "dns": _l("Búsqueda DNS"), "connect": _l("Conexión"), "tls": _l("Cifrado TLS"),
    "greeting": _l("Saludo del servidor"), "ehlo": _l("Presentación (EHLO)"), "starttls": _l("STARTTLS"),
    "auth": _l("Inicio de sesión"), "mail_from": _l("Remitente (MAIL FROM)"),
    "rcpt_to": _l("Destinatario (RCPT TO)"), "data": _l("Datos (DATA, sin enviar nada)"),
}
#: Auto-configuration's sources in the admin's words.
SOURCE_LABELS = {
    "providers": _l("Tabla de proveedores"), "autoconfig": _l("Configuración publicada por el dominio"),
    "ispdb": _l("Base de datos de Thunderbird (ISPDB)"), "mx": _l("Servidores de correo (MX)"),
    "srv": _l("Registros SRV"), "guess": _l("Nombres habituales (smtp., mail.)"),
}


def step_label(step: str) -> str:
    """The Spanish (or translated) name of a probe step; unknown steps keep their code."""
    return str(STEP_LABELS.get(step, step))


@bp.post("/nueva/en-vivo", defaults={"account_id": None}, endpoint="form")
@bp.post("/<shopmail_id:account_id>/editar/en-vivo", endpoint="form")
def form_live(account_id):
    """Probar SMTP (action=test) or Intentar configuración automática (action=autoconfig), streamed."""
    account = _load(account_id) if account_id else None
    form = AccountForm(has_stored_password=bool(account and account.password_sealed))
    action = request.form.get("action")
    if action not in ("test", "autoconfig"):
        abort(400)
    if not form.validate() or (action == "test" and not form.require_connection()):
        return _stream(lambda: {"event": "invalid"})
    values, ticket = form.values(), form.ticket.data
    work = (lambda: _probe(values, account, ticket)) if action == "test" else (lambda: _discover(values))
    with expensive():  # the page's per-admin limit; over it, the 429 page (the script then loads it)
        return _stream(work)


@bp.post("/<shopmail_id:account_id>/probar/en-vivo", endpoint="test_saved")
def test_saved_live(account_id):
    """Probar SMTP on a saved account, streamed."""
    _load(account_id)
    with expensive():
        return _stream(lambda: _answer("probe", service.test_saved(account_id)))


def _load(account_id):
    try:
        return service.get(account_id)
    except service.NotFound:
        abort(404)


def _probe(values, account, ticket) -> dict:
    try:
        result, new_ticket = service.test_values(values, account and account.id, ticket)
    except service.PasswordRequired:  # the script submits the form: the message shows on the field
        return {"event": "invalid"}
    return _answer("probe", result, ticket=new_ticket or "")


def _discover(values) -> dict:
    return _answer("autoconfig", discover(values.address, values.username or None, values.password))


def _answer(kind: str, outcome, **extra) -> dict:
    """The last event: the contract's JSON and the very section the page shows without JavaScript."""
    if kind == "probe":
        html = render_template("shopmail/accounts/_probe_result.html", result=outcome)
    else:
        html = render_template("shopmail/accounts/_discovery.html", discovery=outcome)
    return {"event": "result", "kind": kind, "result": outcome.to_dict(), "html": html, **extra}


def _labelled(event: dict) -> dict:
    if event["event"] == "step":
        return {**event, "label": step_label(event.get("step", ""))}
    if event["event"] == "source":
        return {**event, "label": str(SOURCE_LABELS.get(event.get("source"), event.get("source")))}
    return event


def _stream(work) -> Response:
    """Run ``work`` in a thread of this request's context; stream its progress events, then its answer."""
    events: queue.Queue = queue.Queue()

    @copy_current_request_context
    def run():
        try:
            with progress.listening(lambda event: events.put(_labelled(event))):
                events.put(work())
        except SecretKeyError as exc:  # the same sentence as the page without JavaScript: which setting
            log.error("shopmail: %s", exc)
            events.put({"event": "error", "message": str(exc)})
        except Exception:  # the admin gets a sentence, the log the traceback
            log.exception("live account action failed")
            events.put({"event": "error", "message": _("Algo ha fallado en el servidor. Vuelva a intentarlo.")})
        finally:
            events.put(None)

    threading.Thread(target=run, name="shopmail-live", daemon=True).start()

    def lines():
        while (event := events.get()) is not None:
            yield json.dumps(event, ensure_ascii=False, default=str) + "\n"

    return Response(lines(), mimetype="application/x-ndjson",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


bp.add_app_template_global(step_label, "shopmail_step_label")
