"""Modo simulación never leaks: simulated mail reaches no SMTP server, whatever path it takes.

(Inline delivery has its own test in test_delivery_inline.py.)
"""

from shopmail.core.state import session
from shopmail.services.notifications import send_test
from tests import test_delivery_support as support
from tests.test_delivery_support import order

shop, mail_server = support.shop, support.mail_server  # fixtures

TEST_MAIL_URL = "/ajustes/generales/comunicaciones/prueba"


def _send_test_mail(admin, to):
    """The Comunicaciones form as a browser posts it (its fields carry the "test-" prefix)."""
    data = {"test-recipient": to, "test-csrf_token": admin.csrf_token}
    return admin.post(TEST_MAIL_URL, data=data).get_data(as_text=True)


def test_enviar_correo_de_prueba_on_comunicaciones_sends_through_the_pipeline(shop, admin):
    page = _send_test_mail(admin, "prueba@cliente.example")
    assert "Correo enviado a prueba@cliente.example" in page
    (received,) = shop.server.messages
    assert received.message["Subject"].startswith("Correo de prueba")
    assert shop.rows()[0].status == "sent"


def test_in_simulation_the_test_mail_from_comunicaciones_is_kept(shop, admin):
    shop.save_settings(simulation=True)
    page = _send_test_mail(admin, "prueba@cliente.example")
    assert "Modo simulación activo" in page
    assert shop.statuses() == ["simulated"]
    assert shop.server.commands == []


def test_simulated_mail_stays_on_every_worker_path_and_switching_off_releases_nothing(shop):
    shop.save_settings(simulation=True)
    shop.notify(order("1"))
    with shop.app.app_context():
        shop.app.extensions["shopmail"].extension.notify_customer("order_shipped", order("1"))
        assert send_test("prueba@cliente.example").status == "simulated"
        session().commit()
    assert set(shop.statuses()) == {"simulated"} and len(shop.rows()) == 4

    runner = shop.app.test_cli_runner()
    assert runner.invoke(args=["shopmail", "worker", "--once"]).exit_code == 0
    assert runner.invoke(args=["shopmail", "send-test", "otra@cliente.example"]).exit_code == 0
    shop.save_settings(simulation=False)  # switching simulation off releases nothing
    shop.make_due()
    assert shop.deliver().handled == 0
    assert runner.invoke(args=["shopmail", "worker", "--once"]).exit_code == 0
    assert set(shop.statuses()) == {"simulated"} and len(shop.rows()) == 5
    assert shop.server.commands == []  # no connection at all, not even a greeting


def test_the_lock_wins_over_the_saved_setting_and_over_release(shop):
    shop.app.config["SHOPMAIL_SIMULATION_LOCK"] = True
    shop.save_settings(simulation=False)
    shop.notify(order("1"))
    assert shop.statuses() == ["simulated", "simulated"]
    first = shop.rows()[0].id
    result = shop.app.test_cli_runner().invoke(args=["shopmail", "outbox", "release", str(first)])
    assert result.exit_code == 1 and "SHOPMAIL_SIMULATION_LOCK" in result.output
    assert shop.deliver().handled == 0
    assert shop.server.commands == []
