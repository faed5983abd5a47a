"""The audit log: account and Comunicaciones changes, by whom, never a secret."""

import html

from shopmail.core.models import Account
from shopmail.core.models import AuditEvent
from shopmail.core.state import session
from tests.conftest import ADMIN_EMAIL
from tests.helpers import make_account


def test_changes_are_audited_without_secrets(admin, app, runner):
    account_id = make_account(app, password="clave-muy-secreta")
    with app.app_context():
        version = session().get(Account, account_id).version
    admin.post(f"/ajustes/cuentas/{account_id}/editar", data={
        "address": "tienda@example.com", "display_name": "Nuevo nombre", "username": "tienda@example.com",
        "host": "smtp.example.com", "port": "587", "security": "starttls", "verify_cert": "y",
        "version": str(version), "action": "save"})
    admin.post("/ajustes/generales/comunicaciones/", data={
        "sending_account_id": str(account_id), "contact_email": "hola@tienda.example", "admin_emails": "",
        "simulation": "y", "version": "0"})
    runner.invoke(args=["shopmail", "settings", "set", "--simulation", "off"])
    other = make_account(app, "otra@example.com")
    admin.post(f"/ajustes/cuentas/{other}/eliminar", data={})
    with app.app_context():
        events = session().query(AuditEvent).order_by(AuditEvent.id).all()
        actions = [(e.action, e.actor) for e in events]
        assert ("account.changed", ADMIN_EMAIL) in actions
        assert ("simulation.on", ADMIN_EMAIL) in actions
        assert ("settings.changed", ADMIN_EMAIL) in actions
        assert any(a == "simulation.off" and who.startswith("cli:") for a, who in actions)
        assert ("account.deleted", ADMIN_EMAIL) in actions
        changed = next(e for e in events if e.action == "account.changed")
        assert "Nuevo nombre" in changed.summary
        dump = " ".join(f"{e.summary} {e.details}" for e in events)
        assert "clave-muy-secreta" not in dump
    body = html.unescape(admin.get("/ajustes/auditoria/").get_data(as_text=True))
    assert "Registro de auditoría" in body and "clave-muy-secreta" not in body
    # Sentences with the values labelled, not codes and Python reprs; the codes stay for support.
    assert f"{ADMIN_EMAIL} eliminó la cuenta otra@example.com." in body
    assert f"{ADMIN_EMAIL} cambió la cuenta tienda@example.com." in body
    assert "<dt>Nombre visible</dt>" in body and "antes: Tienda</span> → <span class=\"after\">ahora: Nuevo nombre" in body
    assert f"{ADMIN_EMAIL} activó el modo simulación" in body
    assert "<dt>Correo público de contacto</dt>" in body and "ahora: hola@tienda.example" in body
    assert "desactivó el modo simulación" in body and "(línea de órdenes)" in body
    visible = body.replace(body[body.index('<details class="tech">'):], "")  # the first event's disclosure on
    assert "account.deleted" not in visible and "'" not in visible.split("<h1>", 1)[1].split("<details", 1)[0]
    assert "account.deleted" in body  # inside "Detalles técnicos"
    # The stored events are data: an English-speaking admin reads the same log in English.
    english = html.unescape(admin.get("/ajustes/auditoria/", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert f"{ADMIN_EMAIL} deleted the account otra@example.com." in english
    assert "<dt>Display name</dt>" in english and "before: Tienda</span> → <span class=\"after\">now: Nuevo nombre" in english
    assert "turned simulation mode on" in english and "(command line)" in english


def test_choosing_the_sending_account_reads_as_a_sentence(admin, app):
    account_id = make_account(app, "pedidos@tienda.example")
    admin.post("/ajustes/generales/comunicaciones/", data={
        "sending_account_id": str(account_id), "contact_email": "", "admin_emails": "", "version": "0"})
    body = html.unescape(admin.get("/ajustes/auditoria/").get_data(as_text=True))
    assert f"{ADMIN_EMAIL} cambió la cuenta de envío a pedidos@tienda.example." in body
    with app.app_context():
        event = session().query(AuditEvent).filter_by(action="settings.changed").one()
        assert event.details["changes"] == {"sending_account_id": [None, account_id]}  # data, not words


def test_outbox_actions_are_audited(app, runner):
    from shopmail.core import settings as comms
    from shopmail.services import notifications

    with app.app_context():
        comms.save(simulation=True, contact_email="hola@tienda.example")
        queued = notifications.queue_test("cliente@example.com")
        session().commit()
        message_id = queued.id
        comms.save(simulation=False)  # a simulated message is released once simulation is off
    assert runner.invoke(args=["shopmail", "outbox", "release", str(message_id)]).exit_code == 0
    assert runner.invoke(args=["shopmail", "outbox", "cancel", str(message_id), "--yes"]).exit_code == 0
    with app.app_context():
        actions = [e.action for e in session().query(AuditEvent).order_by(AuditEvent.id)]
        assert actions[-2:] == ["outbox.released", "outbox.cancelled"]
