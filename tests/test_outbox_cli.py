"""`flask shopmail send-test`, `outbox list|release|retry|cancel` and `worker --once`."""

import json

import pytest

from shopmail.services.status import beat
from tests import test_delivery_support as support
from tests.test_delivery_support import order

shop, mail_server = support.shop, support.mail_server  # fixtures

OUTBOX_ITEM = {"id", "kind", "status", "to", "subject", "message_id", "attempts", "last_error", "last_error_code",
               "created_at", "sent_at", "account_id", "body_purged", "attachments"}


def _cli(shop, *args):
    return shop.app.test_cli_runner().invoke(args=["shopmail", *args])


def test_send_test_goes_through_the_real_pipeline(shop):
    result = _cli(shop, "send-test", "prueba@cliente.example", "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert outcome["ok"] is True and outcome["status"] == "sent"
    (received,) = shop.server.messages
    assert received.rcpt_tos == ["prueba@cliente.example"]
    assert received.message["Subject"].startswith("Correo de prueba: confirmación del pedido PRUEBA-")
    assert received.message_id == outcome["message_id"]
    assert "1.234,50\xa0€" in received.message.get_body(("plain",)).get_content()
    html = received.message.get_body(("html",)).get_content()
    assert "Este es un correo de prueba" in html and "Gracias por su compra" in html
    (row,) = shop.rows()
    assert (row.kind, row.status) == ("test", "sent")


def test_send_test_in_simulation_is_kept_and_says_so(shop):
    shop.save_settings(simulation=True)
    result = _cli(shop, "send-test", "prueba@cliente.example")
    assert result.exit_code == 0, result.output
    assert "simulación" in result.output
    assert shop.statuses() == ["simulated"]
    assert shop.server.commands == []


def test_send_test_reports_a_refused_login_and_flags_the_account(shop):
    shop.server.users = {}
    result = _cli(shop, "send-test", "prueba@cliente.example", "--json")
    assert result.exit_code == 1
    outcome = json.loads(result.output)
    assert outcome["ok"] is False and outcome["status"] == "held"
    assert "usuario o la contraseña" in outcome["message"]


def test_a_passing_test_mail_clears_the_accounts_flag_and_sends_what_was_held(shop):
    shop.server.users = {}
    shop.notify(order())
    shop.deliver()
    assert shop.statuses() == ["held", "held"]
    shop.server.users = {"tienda@tienda.example": "clave-secreta-del-buzon"}
    result = _cli(shop, "send-test", "prueba@cliente.example")
    assert result.exit_code == 0, result.output
    assert shop.statuses() == ["queued", "queued", "sent"]
    assert shop.deliver().sent == 2


@pytest.mark.parametrize("address", ["no-es-correo", "a@b.example\r\nBcc: x@y.example"])
def test_send_test_refuses_a_bad_address_as_a_usage_error(shop, address):
    result = _cli(shop, "send-test", address)
    assert result.exit_code == 2
    assert shop.rows() == []


def test_outbox_list_json_has_the_contract_shape_and_filters_by_status(shop):
    shop.notify(order())
    shop.deliver()
    shop.save_settings(simulation=True)
    shop.notify(order("2"))
    result = _cli(shop, "outbox", "list", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert len(items) == 4 and all(set(item) == OUTBOX_ITEM for item in items)
    assert items[0]["status"] == "simulated"  # newest first
    sent = json.loads(_cli(shop, "outbox", "list", "--status", "sent", "--json").output)
    assert [item["status"] for item in sent] == ["sent", "sent"]
    assert sent[0]["sent_at"] is not None
    text = _cli(shop, "outbox", "list").output
    assert "Simulado" in text and "Enviado" in text
    assert _cli(shop, "outbox", "list", "--status", "perdido").exit_code == 2


def test_outbox_release_retry_cancel(shop):
    shop.save_settings(simulation=True, admin_emails=[])
    shop.notify(order("1"), order("2"))
    first, second = (row.id for row in shop.rows())
    assert _cli(shop, "outbox", "retry", str(first)).exit_code == 1  # not failed
    assert _cli(shop, "outbox", "release", str(first)).exit_code == 1  # simulation is still on
    shop.save_settings(simulation=False)
    result = _cli(shop, "outbox", "release", str(first))
    assert result.exit_code == 0 and "liberado" in result.output
    assert _cli(shop, "outbox", "cancel", str(first), "--yes").exit_code == 0
    assert _cli(shop, "outbox", "release", str(first)).exit_code == 1
    missing = _cli(shop, "outbox", "cancel", "999", "--yes")
    assert missing.exit_code == 1 and "No existe" in missing.output
    assert shop.statuses() == ["cancelled", "simulated"]
    assert _cli(shop, "outbox", "release", str(second)).exit_code == 0
    result = _cli(shop, "worker", "--once")
    assert result.exit_code == 0 and "enviados 1" in result.output
    assert len(shop.server.messages) == 1
    assert _cli(shop, "worker", "--once").output.strip() == "Nada pendiente de envío."


def test_a_worker_reports_its_heartbeat_to_status(shop):
    """A `worker --once` run (cron) says when mail last went out, but once it has ended it is not a worker
    alive: three runs left "workers alive: 3" for two minutes with nothing running."""
    for _ in range(3):
        assert _cli(shop, "worker", "--once").exit_code == 0
    status = json.loads(_cli(shop, "status", "--json").output)
    assert status["workers_alive"] == 0 and status["last_worker_heartbeat"] is not None
    with shop.app.app_context():
        beat("tienda:4242:abcdef12", processed=0)  # a running worker's beat
    assert json.loads(_cli(shop, "status", "--json").output)["workers_alive"] == 1
