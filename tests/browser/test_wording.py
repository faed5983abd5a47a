"""Plantillas de correo in the browser: edit, live preview, save, the next real order mail (read at the
SMTP sink), restore; hostile text inert or refused; an attached invoice downloaded from the message page;
an English order in English."""

from __future__ import annotations

import hashlib
import os
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shopmail.core import settings
from shopmail.core.state import session
from shopmail.delivery import worker
from tests.browser.conftest import screenshot
from tests.browser.support import check_accessibility
from tests.browser.support import login
from tests.browser.support import sending_account

URL = "/ajustes/generales/plantillas/"


def order(number, **changes):
    return {"number": number, "customer_email": "lucia@cliente.example", "customer_name": "Lucía Pérez",
            "items": [{"name": "Taza de cerámica", "quantity": 2, "unit_price": "12.50"}], "total": "25.00",
            "currency": "EUR", **changes}


@pytest.fixture
def shop(live_server, smtp_server):
    """A sending account on a real local server; simulation off, so mail really goes out."""
    server, account_id = sending_account(live_server, smtp_server)
    app = live_server.app
    with app.app_context():
        settings.save(sending_account_id=account_id, contact_email="hola@tienda.example", admin_emails=[])
    return server


def place(live_server, item, attachments=()):
    """The host shop completes an order, then a worker pass delivers it (outside a request the web
    process's inline delivery only wakes if it is already running)."""
    app = live_server.app
    with app.app_context():
        queued = app.extensions["shopmail"].extension.notify_order_completed(item, attachments=attachments)
        app.extensions["shopmail"].db.session.commit()
    with app.app_context():
        worker.deliver_due()
    return queued


def test_edit_preview_save_send_and_restore(page, live_server, shop):
    login(page, live_server)
    page.goto(live_server.url("/ajustes/"))
    page.get_by_role("link", name="Plantillas de correo").click()
    expect(page.get_by_role("heading", name="Plantillas de correo")).to_be_visible()
    check_accessibility(page, "plantillas")
    page.get_by_role("link", name="Confirmación de pedido (al cliente)").click()
    preview = page.get_by_role("region", name="Vista previa")
    expect(preview.locator("#preview-subject")).to_have_text(re.compile(r"^Confirmación de su pedido PRUEBA-"))

    page.get_by_label("Asunto").fill("Pedido {order_number} recibido, {customer_name}")
    page.get_by_label("Introducción").fill("Ya estamos preparando su caja.")
    expect(preview.locator("#preview-subject")).to_have_text(
        re.compile(r"^Pedido PRUEBA-\d+ recibido, Cliente de prueba$"))
    expect(preview.locator("#preview-text")).to_contain_text("Ya estamos preparando su caja.")
    expect(page.frame_locator("#preview-html").locator("body")).to_contain_text("Ya estamos preparando su caja.")
    check_accessibility(page, "plantillas-editar")
    page.locator("#preview-html").scroll_into_view_if_needed()
    screenshot(page, "plantillas-editar", full_page=False)

    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_text("Plantilla guardada")).to_be_visible()
    place(live_server, order("B-1"))
    (received,) = shop.wait_for_messages(1)
    assert received.message["Subject"] == "Pedido B-1 recibido, Lucía Pérez"
    assert "Ya estamos preparando su caja." in received.message.get_body(("plain",)).get_content()
    assert "Ya estamos preparando su caja." in received.message.get_body(("html",)).get_content()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Restaurar original").click()
    expect(page.get_by_text("Se ha restaurado el texto original.")).to_be_visible()
    expect(page.get_by_label("Asunto")).to_have_value("Confirmación de su pedido {order_number}")
    place(live_server, order("B-2"))
    shop.wait_for_messages(2)
    assert shop.messages[1].message["Subject"] == "Confirmación de su pedido B-2"


def test_hostile_text_is_refused_or_shown_as_text(page, live_server, shop):
    page.problems.allowed.add(422)  # the preview's answer to a text it refuses
    login(page, live_server)
    page.goto(live_server.url(URL + "order_completed"))
    preview = page.get_by_role("region", name="Vista previa")
    page.get_by_label("Introducción").fill("Hola {{ ''.__class__ }}")
    expect(preview.get_by_role("status")).to_contain_text("Marcador desconocido")
    expect(page.locator("#intro[aria-invalid=true]")).to_have_count(1)
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.locator("#intro-error")).to_contain_text("Marcador desconocido")

    page.get_by_label("Introducción").fill("<script>document.title='pwned'</script><b>negrita</b>")
    expect(preview.get_by_role("status")).to_have_text("")
    frame = page.frame_locator("#preview-html")
    expect(frame.locator("body")).to_contain_text("<script>document.title='pwned'</script><b>negrita</b>")
    expect(frame.locator("b", has_text="negrita")).to_have_count(0)

    # A line break cannot be typed into the subject; a hand-made request with one is refused on the field.
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    response = page.request.post(live_server.url(URL + "order_completed"), form={
        "csrf_token": token, "subject": "Hola\r\nBcc: todos@example.com", "intro": "x", "closing": "",
        "locale": "es", "action": "save"})
    assert response.status == 200 and "El asunto no puede tener saltos de línea." in response.text()
    assert page.title() != "pwned"


def test_without_javascript_the_preview_button_renders_it(page_factory, live_server, shop):
    page = page_factory(javascript=False)
    login(page, live_server)
    page.goto(live_server.url(URL + "order_shipped"))
    page.get_by_label("Asunto").fill("En camino: {order_number}")
    page.get_by_role("button", name="Vista previa").click()
    expect(page.locator("#preview-subject")).to_have_text(re.compile(r"^En camino: PRUEBA-\d+$"))


def test_an_attached_invoice_arrives_intact_and_downloads_from_the_message_page(page, live_server, shop):
    invoice = os.urandom(1024 * 1024)
    refused = []
    shop.replies["message"] = lambda _envelope: None if refused else refused.append(1) or "451 4.3.0 Más tarde"
    queued, = place(live_server, order("C-1"), [{"filename": "factura-C-1.pdf", "content_type": "application/pdf",
                                                 "data": lambda: invoice}])
    assert refused and shop.messages == []  # the first attempt was refused: the message waits for a retry
    with live_server.app.app_context():
        session().execute(sa.text("UPDATE shopmail_outbox SET next_attempt_at = created_at"))  # time passes
        session().commit()
        worker.deliver_due()
    (received,) = shop.wait_for_messages(1)
    (part,) = list(received.message.iter_attachments())
    assert hashlib.sha256(part.get_content()).digest() == hashlib.sha256(invoice).digest()

    login(page, live_server)
    page.goto(live_server.url(f"/ajustes/envios/{queued.id}"))
    expect(page.get_by_text("Enviado").first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="factura-C-1.pdf").click()
    assert download.value.suggested_filename == "factura-C-1.pdf"
    with open(download.value.path(), "rb") as fh:
        assert hashlib.sha256(fh.read()).digest() == hashlib.sha256(invoice).digest()


def test_an_english_order_gets_an_english_mail_a_spanish_one_a_spanish_mail(live_server, shop):
    place(live_server, order("D-1", locale="en"))
    place(live_server, order("D-2", locale="es"))
    messages = shop.wait_for_messages(2)
    subjects = sorted(m.message["Subject"] for m in messages)
    assert subjects == ["Confirmación de su pedido D-2", "Confirmation of your order D-1"]
    english = next(m.message for m in messages if "D-1" in m.message["Subject"])
    assert "Thank you for your purchase" in english.get_body(("plain",)).get_content()
