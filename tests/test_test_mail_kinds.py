"""Comunicaciones → Correo de prueba sends any kind of mail, to the typed address or to every admin."""

import json

import pytest

from tests import test_delivery_support as support
from tests.helpers import field_error
from tests.helpers import page

shop, mail_server = support.shop, support.mail_server  # fixtures

URL = "/ajustes/generales/comunicaciones/"


def post(admin, **fields):
    data = {f"test-{name}": value for name, value in fields.items()}
    return admin.post(URL + "prueba", data={**data, "test-csrf_token": admin.csrf_token})


def test_the_form_offers_every_kind(admin, shop):
    body = page(admin.get(URL))
    for label in ("Tipo de correo", "Pedido enviado (al cliente)", "Enviarlo a todos los administradores",
                  "jefa@tienda.example, almacen@tienda.example"):
        assert label in body


def test_a_shipped_notice_to_the_typed_address(admin, shop):
    response = post(admin, kind="order_shipped", recipient="prueba@cliente.example")
    assert "Correo enviado a prueba@cliente.example" in page(response)
    (received,) = shop.server.messages
    assert received.rcpt_tos == ["prueba@cliente.example"]
    assert received.message["Subject"].startswith("[Prueba] Su pedido PRUEBA-")
    assert "Número de seguimiento: PK123456789ES" in received.message.get_body(("plain",)).get_content()
    assert [(row.kind, row.status) for row in shop.rows()] == [("test", "sent")]


def test_the_admin_notice_to_every_admin_address(admin, shop):
    response = post(admin, kind="order_completed_admin", recipient="", to_admins="y")
    assert response.status_code == 200
    (received,) = shop.server.messages
    assert sorted(received.rcpt_tos) == ["almacen@tienda.example", "jefa@tienda.example"]
    assert received.message["Subject"].startswith("[Prueba] Nuevo pedido PRUEBA-")


@pytest.mark.sqlite_only
def test_to_every_admin_without_admin_addresses_says_so_on_the_field(admin, shop):
    shop.save_settings(admin_emails=[])
    response = post(admin, kind="test", to_admins="y")
    assert "No hay correos de administrador" in (field_error(page(response), "test-to_admins") or "")
    assert shop.rows() == []


@pytest.mark.sqlite_only
def test_an_unknown_kind_is_refused(admin, shop):
    response = post(admin, kind="alert", recipient="prueba@cliente.example")
    assert field_error(page(response), "test-kind")  # WTForms' own "Opción inválida."
    assert shop.rows() == []


def test_send_test_cli_takes_a_kind_and_the_admins(shop):
    runner = shop.app.test_cli_runner()
    result = runner.invoke(args=["shopmail", "send-test", "--kind", "order_cancelled", "--admins", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True
    (received,) = shop.server.messages
    assert sorted(received.rcpt_tos) == ["almacen@tienda.example", "jefa@tienda.example"]
    assert received.message["Subject"].startswith("[Prueba] Su pedido PRUEBA-")
    assert "Sin existencias" in received.message.get_body(("plain",)).get_content()
    result = runner.invoke(args=["shopmail", "send-test", "--json"])
    assert result.exit_code == 2 and json.loads(result.output)["ok"] is False
