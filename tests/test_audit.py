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
    assert "Registro de auditoría" in body and "account.deleted" in body and "otra@example.com" in body
    assert "clave-muy-secreta" not in body


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
