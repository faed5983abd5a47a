"""Plantillas de correo: the shop's wording reaches real mails; hostile text is refused or inert; the
preview is the sender's rendering; customer mails in the order's language, admin notices in the shop's."""

import datetime as dt
import json
import re

import pytest

from tests import test_delivery_support as support
from tests.helpers import field_error
from tests.helpers import page
from tests.test_delivery_support import order

shop, mail_server = support.shop, support.mail_server  # fixtures

URL = "/ajustes/generales/plantillas/"


def texts(**changes):
    return {"subject": "Su compra {order_number} en {shop_name}", "intro": "¡Gracias, {customer_name}!",
            "closing": "Un saludo del equipo de {shop_name}.", "locale": "es", "action": "save", **changes}


def customer_mail(shop):
    return next(m for m in shop.server.messages if m.rcpt_tos == ["ana@cliente.example"]).message


def test_the_list_has_one_row_per_kind_and_the_page_its_fields(admin):
    body = page(admin.get(URL))
    assert "<h1>Plantillas de correo</h1>" in body
    for label in ("Confirmación de pedido (al cliente)", "Aviso de pedido nuevo (a los administradores)",
                  "Pedido enviado (al cliente)", "Pedido cancelado (al cliente)", "Correo de prueba"):
        assert label in body
    body = page(admin.get(URL + "order_completed"))
    for field_id in ("subject", "intro", "closing"):
        assert f'for="{field_id}"' in body
    for label in ("Asunto", "Introducción", "Despedida", "Guardar cambios", "Restaurar original"):
        assert label in body
    assert 'aria-label="Vista previa"' in body
    # The page already shows the saved wording rendered with a sample order.
    assert re.search(r'id="preview-subject"[^>]*>Confirmación de su pedido PRUEBA-\d+<', body)


def test_saved_wording_reaches_the_next_order_mail_and_restore_brings_the_default_back(admin, shop):
    response = admin.post(URL + "order_completed", data=texts())
    assert response.status_code == 302
    shop.notify(order("1001"))
    shop.deliver()
    mail = customer_mail(shop)
    assert mail["Subject"] == "Su compra 1001 en Tienda Ñandú"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "¡Gracias, Ana Pérez!" in text and "Un saludo del equipo de Tienda Ñandú." in text
    assert "¡Gracias, Ana Pérez!" in html and "Un saludo del equipo de Tienda Ñandú." in html
    assert "Personalizado" in page(admin.get(URL))

    response = admin.post(URL + "order_completed", data=texts(action="restore"))
    assert response.status_code == 302
    assert "Se ha restaurado el texto original." in page(admin.get(response.headers["Location"]))
    shop.notify(order("1002"))
    shop.deliver()
    mail = next(m.message for m in shop.server.messages if "1002" in m.message["Subject"]
                and m.rcpt_tos == ["ana@cliente.example"])
    assert mail["Subject"] == "Confirmación de su pedido 1002"
    assert "Hemos recibido su pedido" in mail.get_body(("plain",)).get_content()


@pytest.mark.parametrize("field, value, message", [
    ("intro", "Hola {{ ''.__class__ }}", "Marcador desconocido: {{ ''.__class__ }}"),
    ("intro", "{% for x in range(10**9) %}{% endfor %}", "Marcador desconocido"),
    ("closing", "Pedido {numero}", "Marcador desconocido: {numero}"),
    ("subject", "Pedido {order_number}\r\nBcc: todos@example.com", "El asunto no puede tener saltos de línea."),
    ("subject", "", "Escriba un asunto."),
])
def test_hostile_or_wrong_text_is_refused_with_a_message_on_its_field(admin, field, value, message):
    response = admin.post(URL + "order_completed", data=texts(**{field: value}))
    assert response.status_code == 200
    assert message in (field_error(page(response), field) or "")
    assert "Original" in page(admin.get(URL))  # nothing was stored


def test_markup_in_the_text_stays_text_in_the_mail(admin, shop):
    admin.post(URL + "order_completed", data=texts(intro="<script>alert(1)</script> <b>hola</b>"))
    shop.notify(order())
    shop.deliver()
    mail = customer_mail(shop)
    html = mail.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;hola&lt;/b&gt;" in html
    assert "<script>alert(1)</script> <b>hola</b>" in mail.get_body(("plain",)).get_content()


def test_live_preview_answers_json_and_serves_its_html_sandboxed(admin):
    response = admin.post(URL + "order_completed/vista-previa",
                          data=texts(subject="Vista {order_number}", intro="Intro <i>x</i>"),
                          headers={"Accept": "application/json"})
    data = response.get_json()
    assert response.status_code == 200 and data["ok"]
    assert re.fullmatch(r"Vista PRUEBA-\d+", data["subject"])
    assert "Intro <i>x</i>" in data["text"] and "Cliente de prueba" in data["text"]
    frame = admin.get(data["html_url"])
    assert "sandbox" in frame.headers["Content-Security-Policy"]
    assert "Intro &lt;i&gt;x&lt;/i&gt;" in frame.get_data(as_text=True)

    response = admin.post(URL + "order_completed/vista-previa", data=texts(subject="A {nope}"))
    assert response.status_code == 422
    assert "Marcador desconocido: {nope}" in response.get_json()["errors"]["subject"][0]


def test_preview_without_script_is_a_submit_button(admin):
    response = admin.post(URL + "order_shipped", data=texts(action="preview", subject="Enviado {order_number}"))
    body = page(response)
    assert re.search(r'id="preview-subject"[^>]*>Enviado PRUEBA-\d+<', body)
    assert "Número de seguimiento" in body  # the sample shipment's tracking is shown
    assert "Original" in page(admin.get(URL))  # a preview saves nothing


@pytest.mark.sqlite_only
def test_the_preview_needs_an_admin_and_a_csrf_token(client, admin_user):
    anonymous = client.post(URL + "order_completed/vista-previa", data=texts())
    assert anonymous.status_code in (302, 400)
    assert client.get(URL).status_code == 302


def test_an_english_order_gets_english_mail_and_the_admins_get_the_shops_language(shop):
    placed = dt.date(2026, 11, 29)
    shop.notify(order("2001", locale="en-GB", placed_at=placed),
                order("2002", customer_email="luis@cliente.example", locale="es", placed_at=placed))
    shop.deliver()
    english = customer_mail(shop)
    assert english["Subject"] == "Confirmation of your order 2001"
    text = english.get_body(("plain",)).get_content()
    assert "Thank you for your purchase" in text and "€1,234.50" in text and "November 29, 2026" in text
    spanish = next(m.message for m in shop.server.messages if m.rcpt_tos == ["luis@cliente.example"])
    assert spanish["Subject"] == "Confirmación de su pedido 2002"
    assert "1.234,50\xa0€" in spanish.get_body(("plain",)).get_content()
    assert "29 de noviembre de 2026" in spanish.get_body(("plain",)).get_content()
    admin_notices = sorted(m.message["Subject"] for m in shop.server.messages if "jefa@tienda.example" in m.rcpt_tos)
    assert admin_notices == ["Nuevo pedido 2001: 1.234,50\xa0€", "Nuevo pedido 2002: 1.234,50\xa0€"]


def test_the_shops_english_wording_is_used_for_english_orders_only(admin, shop):
    admin.post(URL + "order_completed", data=texts(subject="Your order {order_number} is in", locale="en"))
    shop.notify(order("3001", locale="en"), order("3002", customer_email="luis@cliente.example"))
    shop.deliver()
    assert customer_mail(shop)["Subject"] == "Your order 3001 is in"
    spanish = next(m.message for m in shop.server.messages if m.rcpt_tos == ["luis@cliente.example"])
    assert spanish["Subject"] == "Confirmación de su pedido 3002"


def test_an_unknown_language_falls_back_to_the_shops(shop):
    shop.notify(order("4001", locale="xx"))
    shop.deliver()
    assert customer_mail(shop)["Subject"] == "Confirmación de su pedido 4001"


@pytest.mark.sqlite_only
@pytest.mark.app_config(SHOPMAIL_PREVIEW_RATE_LIMIT="2 per minute")
def test_previews_are_rate_limited_and_the_page_still_opens(admin):
    for _ in range(2):
        assert admin.post(URL + "order_completed/vista-previa", data=texts(),
                          headers={"Accept": "application/json"}).status_code == 200
    over = admin.post(URL + "order_completed/vista-previa", data=texts(), headers={"Accept": "application/json"})
    assert over.status_code == 429 and over.get_json()["reason"] == "rate_limited"
    body = page(admin.get(URL + "order_completed"))
    assert "Demasiadas vistas previas seguidas" in body and 'for="subject"' in body
    assert admin.post(URL + "order_completed", data=texts()).status_code == 302  # saving is not limited


@pytest.mark.parametrize("kind", ["order_completed", "order_completed_admin", "order_shipped", "order_cancelled",
                                  "test"])
def test_every_kind_opens_with_its_default_and_a_preview(admin, kind):
    body = page(admin.get(URL + kind + "?idioma=en"))
    assert re.search(r'id="preview-subject"[^>]*>[^<]*PRUEBA-\d+', body), kind
    assert 'class="error"' not in body


@pytest.mark.sqlite_only
def test_an_unknown_kind_is_a_404(admin):
    assert admin.get(URL + "alert").status_code == 404
    assert admin.post(URL + "alert/vista-previa", data=texts()).status_code == 404


def test_the_cli_sets_shows_and_restores_with_the_screens_checks(shop):
    runner = shop.app.test_cli_runner()
    result = runner.invoke(args=["shopmail", "wording", "set", "order_shipped", "--locale", "en",
                                 "--subject", "On its way: {order_number}", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["custom"] is True
    shown = json.loads(runner.invoke(args=["shopmail", "wording", "show", "order_shipped", "--locale", "en",
                                           "--json"]).output)
    assert shown["subject"] == "On its way: {order_number}" and shown["intro"] == "Your order has left our warehouse."
    refused = runner.invoke(args=["shopmail", "wording", "set", "order_shipped", "--intro", "{{ 7*7 }}", "--json"])
    assert refused.exit_code == 1 and "Marcador desconocido" in json.loads(refused.output)["error"]
    restored = runner.invoke(args=["shopmail", "wording", "restore", "order_shipped", "--locale", "en", "--yes",
                                   "--json"])
    assert json.loads(restored.output)["subject"] == "Your order {order_number} is on its way"
    listed = json.loads(runner.invoke(args=["shopmail", "wording", "list", "--json"]).output)
    assert [item["kind"] for item in listed][:2] == ["order_completed", "order_completed_admin"]
    assert not any(item["custom"] for item in listed)
