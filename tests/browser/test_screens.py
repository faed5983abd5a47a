"""Every screen of a shop that is already set up: axe-core, 375 px wide, without JavaScript, and the
confirmation before releasing a simulated mail."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.support import check_accessibility
from tests.browser.support import login
from tests.browser.support import sending_account
from tests.browser.support import sideways
from tests.helpers import make_account

ORDER = {"number": "A-1001", "customer_email": "lucia@cliente.example", "customer_name": "Lucía Pérez",
         "items": [{"name": "Taza de cerámica", "quantity": 2, "unit_price": "12.50"}], "total": "25.00",
         "currency": "EUR", "shipping_address": ["Calle Mayor 1", "28013 Madrid"]}


@pytest.fixture
def shop(live_server, smtp_server):
    """A sending account on a real local server, settings saved, and an order placed in simulation mode."""
    from shopmail.core import settings

    server, account_id = sending_account(live_server, smtp_server)
    app = live_server.app
    make_account(app, "viejo@tienda.example", tested=False, host="smtp.tienda.example", port=server.port)
    with app.app_context():
        settings.save(sending_account_id=account_id, contact_email="hola@tienda.example",
                      admin_emails=["jefa@tienda.example"], simulation=True)
        app.extensions["shopmail"].extension.notify_order_completed(ORDER)
        app.extensions["shopmail"].db.session.commit()
    server.account_id = account_id
    return server


def screens(account_id: int) -> dict[str, str]:
    return {
        "inicio": "/ajustes/",
        "cuentas": "/ajustes/cuentas/",
        "cuenta-nueva": "/ajustes/cuentas/nueva",
        "cuenta": f"/ajustes/cuentas/{account_id}",
        "cuenta-editar": f"/ajustes/cuentas/{account_id}/editar",
        "cuenta-eliminar": f"/ajustes/cuentas/{account_id}/eliminar",
        "comunicaciones": "/ajustes/generales/comunicaciones/",
        "plantillas-de-correo": "/ajustes/generales/plantillas/",
        "plantilla-confirmacion": "/ajustes/generales/plantillas/order_completed",
        "registro-de-envios": "/ajustes/envios/",
        "estado": "/ajustes/estado/",
        "auditoria": "/ajustes/auditoria/",
        "no-existe": "/ajustes/cuentas/999999",
    }


def test_every_screen_is_accessible_on_a_desktop(live_server, shop, page):
    page.goto(live_server.url("/ajustes/login"))
    check_accessibility(page, "login")
    screenshot(page, "login")
    login(page, live_server)
    for name, path in screens(shop.account_id).items():
        page.goto(live_server.url(path))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        check_accessibility(page, name)
    page.goto(live_server.url("/ajustes/envios/"))
    page.get_by_role("row", name=re.compile("lucia@cliente.example")).get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/envios/\d+"))
    check_accessibility(page, "envio")


def test_every_screen_fits_375_px(live_server, shop, page_factory):
    page = page_factory(width=375, height=812)
    page.goto(live_server.url("/ajustes/login"))
    assert sideways(page) == []
    screenshot(page, "375-login")
    login(page, live_server)
    for name, path in screens(shop.account_id).items():
        page.goto(live_server.url(path))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert sideways(page) == [], f"{name} scrolls sideways at 375 px"
        screenshot(page, f"375-{name}")
    check_accessibility(page, "375-auditoria")


def test_releasing_a_simulated_mail_asks_first(live_server, shop, page):
    from shopmail.core import settings

    login(page, live_server)
    page.goto(live_server.url("/ajustes/envios/"))
    customer = page.get_by_role("row", name=re.compile("lucia@cliente.example"))
    expect(customer).to_contain_text("Simulado")
    customer.get_by_role("link").click()
    # While simulation is on there is nothing to release: the page says how, instead of a button that fails.
    expect(page.locator("#release-help")).to_contain_text("desactívelo en Comunicaciones")
    expect(page.get_by_role("button", name="Liberar")).to_have_count(0)
    with live_server.app.app_context():
        settings.save(simulation=False)
    page.reload()
    questions = []

    def answer(accept):
        def respond(dialog):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()
        return respond

    page.once("dialog", answer(False))
    page.get_by_role("button", name="Liberar").click()
    expect(page.get_by_role("button", name="Liberar")).to_be_enabled()
    assert questions == ["Este correo se guardó en modo simulación. ¿Enviarlo de verdad a lucia@cliente.example?"]
    assert shop.messages == []
    page.once("dialog", answer(True))
    page.get_by_role("button", name="Liberar").click()
    expect(page.get_by_role("status").first).to_contain_text("Correo liberado")
    arrived = shop.wait_for_messages(1, timeout=10)
    assert arrived[0].rcpt_tos == ["lucia@cliente.example"]


def test_account_form_works_without_javascript(live_server, smtp_server, page_factory):
    """No script: Probar SMTP and Guardar are plain form posts; the password need not be typed twice."""
    server = smtp_server(security="starttls", users={"caja@tienda.example": "bien"})
    page = page_factory(javascript=False)
    login(page, live_server)
    page.goto(live_server.url("/ajustes/cuentas/nueva"))
    page.get_by_label("Dirección de correo").fill("caja@tienda.example")
    page.get_by_label("Contraseña").fill("mal")
    page.get_by_label("Servidor SMTP").fill("127.0.0.1")
    page.get_by_label("Puerto").fill(str(server.port))
    page.get_by_role("button", name="Probar SMTP").click()
    expect(page.locator("#probe-live")).to_contain_text("El servidor rechazó el usuario o la contraseña.")
    page.get_by_label("Contraseña").fill("bien")
    page.get_by_role("button", name="Probar SMTP").click()
    expect(page.locator("#probe-live")).to_contain_text("Prueba SMTP correcta")
    expect(page.get_by_label("Contraseña")).to_have_value("")  # never rendered back
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("heading", name="caja@tienda.example", level=1)).to_be_visible()
    expect(page.locator(".details")).to_contain_text("Guardada (cifrada)")


def test_live_test_of_an_incomplete_form_shows_the_field_errors(live_server, page):
    """With JavaScript, a form the server cannot test is submitted normally: errors sit next to their fields."""
    login(page, live_server)
    page.goto(live_server.url("/ajustes/cuentas/nueva"))
    page.get_by_role("button", name="Probar SMTP").click()
    expect(page.locator("#address-error")).to_have_text("Escriba la dirección de correo.")
    expect(page.get_by_label("Dirección de correo")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Dirección de correo").fill("caja@tienda.example")
    page.get_by_role("button", name="Probar SMTP").click()
    expect(page.locator("#host-error")).to_contain_text("Escriba el servidor SMTP")


@pytest.mark.app_config(SHOPMAIL_RATE_LIMIT="1 per minute")
def test_live_tests_count_against_the_rate_limit(live_server, smtp_server, page):
    """The live buttons are limited like the page's: over the limit the admin gets the 429 page's reason."""
    server = smtp_server(security="starttls", users={"caja@tienda.example": "bien"})
    page.problems.allowed.add(429)
    login(page, live_server)
    page.goto(live_server.url("/ajustes/cuentas/nueva"))
    page.get_by_label("Dirección de correo").fill("caja@tienda.example")
    page.get_by_label("Contraseña").fill("bien")
    page.get_by_label("Servidor SMTP").fill("127.0.0.1")
    page.get_by_label("Puerto").fill(str(server.port))
    page.get_by_role("button", name="Probar SMTP").click()
    expect(page.locator("#probe-live")).to_contain_text("Prueba SMTP correcta")
    page.get_by_role("button", name="Probar SMTP").click()
    expect(page.get_by_text("Demasiadas pruebas seguidas")).to_be_visible()
    assert len(server.auth_attempts) == 1


def test_a_test_mail_then_saving_other_settings_keeps_simulation_on(live_server, shop, page):
    """Issue 12, case 2: the page shown after Enviar correo de prueba used to untick the box."""
    from shopmail.core import settings

    login(page, live_server)
    page.goto(live_server.url("/ajustes/generales/comunicaciones/"))
    page.get_by_label("Destinatario de la prueba").fill("prueba@cliente.example")
    page.get_by_role("button", name="Enviar correo de prueba").click()
    expect(page.locator("main")).to_contain_text("Modo simulación activo")
    expect(page.get_by_label("Modo simulación")).to_be_checked()
    page.get_by_label("Correos de administrador").fill("jefa@tienda.example, almacen@tienda.example")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_role("status").first).to_contain_text("Ajustes guardados")
    expect(page.get_by_label("Modo simulación")).to_be_checked()
    with live_server.app.app_context():
        saved = settings.get()
    assert saved.simulation_saved and saved.admin_emails == ("jefa@tienda.example", "almacen@tienda.example")
    assert shop.messages == []
