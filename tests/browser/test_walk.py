"""The admin's walk through the panel in a real browser, by keyboard alone, in Spanish.

Log in → Cuentas de correo → + → address, user, password → Intentar configuración automática (test DNS: SRV
and MX pointing at a local aiosmtpd server) → Probar SMTP fails for a wrong password, passes with the right one
→ Guardar → the account in the library → Ver → Editar → Eliminar another account; Comunicaciones → account,
contact, admins, simulation on → Guardar cambios → Enviar correo de prueba → Registro de envíos says Simulado
and the SMTP server got nothing; simulation off → the test mail arrives. axe-core checks every screen.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.support import check_accessibility
from tests.browser.support import Keyboard
from tests.browser.support import login
from tests.helpers import make_account

ADDRESS = "ventas@tienda.example"
GOOD_PASSWORD = "clave-buena-2024"
SMTP_HOST = "smtp.tienda.example"


@pytest.fixture
def shop_domain(live_server, smtp_server):
    """tienda.example: MX and SRV records leading to a real STARTTLS server on loopback."""
    slow_auth = {"seconds": 0.0}

    def auth_reply(login):
        time.sleep(slow_auth["seconds"])  # lets the test see the earlier steps arrive first
        return None

    server = smtp_server(security="starttls", cert_hostname=SMTP_HOST, users={ADDRESS: GOOD_PASSWORD},
                         replies={"auth": auth_reply})
    server.slow_auth = slow_auth
    dns = live_server.dns
    dns.add("tienda.example", "MX", (10, SMTP_HOST))
    dns.add("_submission._tcp.tienda.example", "SRV", (0, 1, server.port, SMTP_HOST))
    dns.add(SMTP_HOST, "A", "127.0.0.1")
    live_server.app.config["SHOPMAIL_AUTOCONFIG_GUESS_PORTS"] = []
    return server


def heading(page, name):
    return page.get_by_role("heading", name=name, level=1)


def nav(page, name):
    return page.get_by_role("navigation", name="Navegación principal").get_by_role("link", name=name)


def test_the_walk(live_server, shop_domain, page):
    keys = Keyboard(page)
    with live_server.app.app_context():
        make_account(live_server.app, "antigua@tienda.example", host=SMTP_HOST, port=shop_domain.port)

    login(page, live_server, keys)
    check_accessibility(page, "inicio")
    screenshot(page, "inicio")

    # Cuentas de correo → +
    keys.activate(nav(page, "Cuentas de correo"))
    expect(heading(page, "Cuentas de correo")).to_be_visible()
    check_accessibility(page, "cuentas")
    keys.activate(page.get_by_role("link", name="Nueva cuenta de correo"))
    expect(heading(page, "Nueva cuenta de correo")).to_be_visible()
    save = page.get_by_role("button", name="Guardar")
    expect(save).to_be_disabled()  # nothing tested yet
    check_accessibility(page, "cuenta-nueva")

    keys.type_into(page.get_by_label("Dirección de correo"), ADDRESS)
    keys.type_into(page.get_by_label("Usuario"), ADDRESS)
    keys.type_into(page.get_by_label("Contraseña"), "no-es-esta")

    # Intentar configuración automática: SRV wins; the wrong password cannot be verified.
    keys.activate(page.get_by_role("button", name="Intentar configuración automática"))
    found = page.locator("#autoconfig-live")
    expect(found).to_contain_text("Configuración encontrada")
    expect(found).to_contain_text("srv")
    expect(page.get_by_label("Servidor SMTP")).to_have_value(SMTP_HOST)
    expect(page.get_by_label("Puerto")).to_have_value(str(shop_domain.port))
    expect(page.get_by_label("Seguridad")).to_have_value("starttls")
    screenshot(page, "configuracion-automatica")
    check_accessibility(page, "configuracion-automatica")

    # Probar SMTP with the wrong password: the steps arrive one by one, then a clear reason.
    shop_domain.slow_auth["seconds"] = 1.5
    probe_button = page.get_by_role("button", name="Probar SMTP")
    keys.tab_to(probe_button)
    page.keyboard.press("Enter")
    live = page.locator("#probe-live")
    expect(live.locator("li", has_text="Conexión")).to_be_visible()
    expect(live).not_to_contain_text("La prueba SMTP ha fallado")  # the login is still running
    expect(page.get_by_role("button", name="Probando…")).to_be_disabled()
    expect(save).to_be_disabled()
    live.scroll_into_view_if_needed()
    screenshot(page, "prueba-en-curso", full_page=False)
    expect(live).to_contain_text("La prueba SMTP ha fallado", timeout=10_000)
    expect(live).to_contain_text("El servidor rechazó el usuario o la contraseña.")
    expect(live).to_contain_text("auth_failed")
    expect(save).to_be_disabled()
    shop_domain.slow_auth["seconds"] = 0.0
    live.scroll_into_view_if_needed()
    screenshot(page, "prueba-fallida", full_page=False)
    check_accessibility(page, "prueba-fallida")

    # The right password: the test passes and Guardar is offered.
    keys.type_into(page.get_by_label("Contraseña"), GOOD_PASSWORD)
    keys.activate(page.get_by_role("button", name="Probar SMTP"))
    expect(live).to_contain_text("Prueba SMTP correcta")
    expect(save).to_be_enabled()
    live.scroll_into_view_if_needed()
    screenshot(page, "prueba-correcta", full_page=False)
    keys.activate(save)

    # The account page, then the library, then Ver → Editar.
    expect(heading(page, ADDRESS)).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text(f"Cuenta {ADDRESS} guardada.")
    keys.activate(nav(page, "Cuentas de correo"))
    row = page.get_by_role("row", name=re.compile(ADDRESS))
    expect(row).to_contain_text(f"{SMTP_HOST}:{shop_domain.port}")
    expect(row).to_contain_text("Prueba correcta")
    screenshot(page, "cuentas")
    keys.activate(page.get_by_role("link", name=f"Ver {ADDRESS}"))
    expect(heading(page, ADDRESS)).to_be_visible()
    screenshot(page, "cuenta")
    check_accessibility(page, "cuenta")
    keys.activate(page.get_by_role("button", name="Probar SMTP"))  # the saved account, live as well
    expect(page.locator("#probe-live")).to_contain_text("Prueba SMTP correcta")
    expect(page.locator('#probe-live [data-step="data"]')).to_have_text("Datos (DATA, sin enviar nada)")
    keys.activate(page.get_by_role("link", name="Editar"))
    expect(save).to_be_enabled()  # unchanged connection, last test passed
    keys.type_into(page.get_by_label("Nombre visible"), "Tienda Ejemplo")
    check_accessibility(page, "cuenta-editar")
    keys.activate(save)
    expect(page.get_by_role("status").first).to_contain_text(f"Cuenta {ADDRESS} guardada.")
    expect(page.locator(".details")).to_contain_text("Tienda Ejemplo")

    # Eliminar another account: a confirmation page, then the browser asks once more.
    keys.activate(nav(page, "Cuentas de correo"))
    keys.activate(page.get_by_role("link", name="Eliminar antigua@tienda.example"))
    expect(heading(page, "Eliminar antigua@tienda.example")).to_be_visible()
    check_accessibility(page, "cuenta-eliminar")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    keys.activate(page.get_by_role("button", name="Eliminar"))
    expect(page.get_by_role("status").first).to_contain_text("Cuenta antigua@tienda.example eliminada.")
    assert questions == ["¿Eliminar la cuenta antigua@tienda.example?"]
    expect(page.get_by_role("row", name=re.compile("antigua@"))).to_have_count(0)

    # Comunicaciones: account, contact, admins, simulation on.
    keys.activate(nav(page, "Comunicaciones"))
    expect(heading(page, "Comunicaciones")).to_be_visible()
    keys.choose(page.get_by_label("Cuenta de envío"), ADDRESS)
    keys.type_into(page.get_by_label("Correo público de contacto"), "hola@tienda.example")
    keys.type_into(page.get_by_label("Correos de administrador"), "jefa@tienda.example, almacen@tienda.example")
    simulation = page.get_by_label("Modo simulación")
    keys.tab_to(simulation)
    if not simulation.is_checked():
        page.keyboard.press("Space")
    expect(simulation).to_be_checked()
    keys.activate(page.get_by_role("button", name="Guardar cambios"))
    expect(page.get_by_role("status").first).to_contain_text("Ajustes guardados")
    screenshot(page, "comunicaciones")
    check_accessibility(page, "comunicaciones")

    # Enviar correo de prueba in simulation: kept on the server, nothing reaches the SMTP server.
    keys.type_into(page.get_by_label("Destinatario de la prueba"), "cliente@cliente.example")
    keys.activate(page.get_by_role("button", name="Enviar correo de prueba"))
    expect(page.locator(".result")).to_be_visible()
    keys.activate(nav(page, "Registro de envíos"))
    expect(heading(page, "Registro de envíos")).to_be_visible()
    first_row = page.get_by_role("row", name=re.compile("cliente@cliente.example"))
    expect(first_row).to_have_count(1)
    expect(first_row).to_contain_text("Simulado")
    screenshot(page, "registro-de-envios")
    check_accessibility(page, "registro-de-envios")
    assert shop_domain.messages == []

    keys.activate(first_row.get_by_role("link"))
    expect(page).to_have_url(re.compile(r"/envios/\d+"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_accessibility(page, "envio")
    screenshot(page, "envio")

    # Simulation off: the same test mail is delivered.
    keys.activate(nav(page, "Comunicaciones"))
    keys.tab_to(simulation)
    page.keyboard.press("Space")
    expect(simulation).not_to_be_checked()
    keys.activate(page.get_by_role("button", name="Guardar cambios"))
    expect(page.get_by_role("status").first).to_contain_text("Ajustes guardados")
    keys.type_into(page.get_by_label("Destinatario de la prueba"), "cliente@cliente.example")
    keys.activate(page.get_by_role("button", name="Enviar correo de prueba"))
    arrived = shop_domain.wait_for_messages(1, timeout=10)
    assert [m.rcpt_tos for m in arrived] == [["cliente@cliente.example"]]
    assert ADDRESS in arrived[0].message["From"]

    keys.activate(nav(page, "Registro de envíos"))
    sent = page.get_by_role("row", name=re.compile("cliente@cliente.example")).filter(has_text="Enviado")
    for _ in range(20):
        if sent.count():
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(sent).to_have_count(1)
    keys.assert_focus_always_visible()
