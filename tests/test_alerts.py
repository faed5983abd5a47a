"""Alerts: shown on the home page until acknowledged; one mail to the admins per hour; no loop,
and no mail when the held account is the one that would carry it."""


from shopmail.core import settings
from shopmail.core.models import Account
from shopmail.core.models import OutboxMessage
from shopmail.core.state import session
from shopmail.services import alerts
from tests.helpers import make_account
from tests.helpers import page


def test_failed_customer_mail_alerts_admins_once_and_shows_until_acknowledged(admin, app):
    account_id = make_account(app)
    with app.app_context():
        settings.save(sending_account_id=account_id, admin_emails=["jefa@tienda.example"],
                      contact_email="hola@tienda.example")
        alerts.message_failed("order_completed", ["cliente@example.com"], "550 5.1.1 no existe")
        alerts.message_failed("order_completed", ["otro@example.com"], "550 5.1.1 no existe")
        notices = session().query(OutboxMessage).filter_by(kind="alert").all()
        assert len(notices) == 1  # rate-limited: one notice per hour per kind of problem
        assert notices[0].recipients == ["jefa@tienda.example"]
        # A notice that itself fails raises nothing: no loop.
        alerts.message_failed("alert", ["jefa@tienda.example"], "550 5.1.1")
        assert session().query(OutboxMessage).filter_by(kind="alert").count() == 1
    body = page(admin.get("/ajustes/"))
    assert "no se ha podido entregar" in body and "(2 veces)" in body
    alert_id = body.split("/ajustes/avisos/")[1].split("/")[0]
    admin.post(f"/ajustes/avisos/{alert_id}/visto", data={})
    body = page(admin.get("/ajustes/"))
    assert "Aviso marcado como visto." in body and "no se ha podido entregar" not in body


def test_held_sending_account_is_told_on_the_home_page_not_by_mail(admin, app):
    account_id = make_account(app)
    with app.app_context():
        settings.save(sending_account_id=account_id, admin_emails=["jefa@tienda.example"])
        session().get(Account, account_id).held_reason = "auth_failed"
        session().commit()
        alerts.account_held(account_id, "tienda@example.com", "auth_failed", "535 5.7.8")
        assert session().query(OutboxMessage).filter_by(kind="alert").count() == 0
    spanish = page(admin.get("/ajustes/"))
    assert "no puede enviar (usuario o contraseña rechazados)" in spanish and "auth_failed" not in spanish
    # The alert keeps data, not words: an English-speaking admin reads it in English.
    english = page(admin.get("/ajustes/", headers={"Accept-Language": "en"}))
    assert "cannot send (user name or password rejected)" in english


def test_status_lists_open_alerts(app, runner):
    import json

    with app.app_context():
        alerts.raise_alert("account-held:1", "La cuenta x no puede enviar")
    data = json.loads(runner.invoke(args=["shopmail", "status", "--json"]).stdout)
    assert [a["message"] for a in data["alerts"]] == ["La cuenta x no puede enviar"]
    assert "AVISO: La cuenta x no puede enviar" in runner.invoke(args=["shopmail", "status"]).output
