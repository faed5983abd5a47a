"""The OAuth2 walk in a real browser: + → Microsoft 365 (OAuth2) → Conectar con Microsoft → the provider's
consent page (the test authorization server, HTTPS on loopback) → back → Conectado como → Probar SMTP →
Guardar; and the refusal path (Rechazar → back on the form with the reason, nothing connected)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.support import check_accessibility
from tests.browser.support import login

MAILBOX = "tienda@contoso.example"


@pytest.fixture
def provider(live_server, oauth_server, smtp_server, smtp_ca_file):
    """Microsoft 365 played on loopback: the authorization server and an XOAUTH2-only SMTP server."""
    server = smtp_server(security="starttls", auth_mechanisms=("XOAUTH2",), bearer_check=oauth_server.check_bearer)
    live_server.app.config.update(oauth_server.config(smtp_ca_file))
    return server


@pytest.fixture
def oauth_page(page_factory):
    # Only the test provider's page needs this: shopmail's own HTTPS to it verifies against the test CA.
    return page_factory(ignore_https_errors=True)


def _fill_new_account(page, live_server, provider):
    page.goto(live_server.url("/ajustes/cuentas/"))
    page.get_by_role("link", name="Nueva cuenta de correo").click()
    page.get_by_label("Dirección de correo").fill(MAILBOX)
    page.get_by_label("Método de inicio de sesión").select_option(label="Microsoft 365 (OAuth2)")
    expect(page.get_by_label("Contraseña")).to_be_hidden()  # the password gives way to Conectar
    expect(page.get_by_role("button", name="Conectar con Google")).to_be_hidden()
    page.get_by_label("Servidor SMTP").fill(provider.host)
    page.get_by_label("Puerto").fill(str(provider.port))


def test_connect_with_microsoft_then_test_and_save(live_server, provider, oauth_server, oauth_page):
    page = oauth_page
    login(page, live_server)
    _fill_new_account(page, live_server, provider)
    page.get_by_role("button", name="Conectar con Microsoft").click()

    expect(page.get_by_role("heading", name=re.compile("enviar correo como"))).to_be_visible()
    assert page.url.startswith(oauth_server.url)
    page.get_by_role("button", name="Aceptar").click()

    expect(page.get_by_text("Conectado como")).to_be_visible()
    expect(page.get_by_label("Dirección de correo")).to_have_value(MAILBOX)
    check_accessibility(page, "cuenta-oauth-conectada")
    page.get_by_role("button", name="Probar SMTP").click()
    status = page.locator("#probe-live")
    expect(status).to_contain_text("correcta")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("heading", name=MAILBOX)).to_be_visible()
    expect(page.get_by_text("Conectado como")).to_be_visible()
    expect(page.get_by_role("button", name="Reconectar")).to_be_visible()
    screenshot(page, "cuenta-oauth")
    html = page.content()
    assert not [token for token in oauth_server.issued if token in html]
    assert [a.success for a in provider.auth_attempts] == [True]


def test_refusing_consent_returns_to_the_form_with_the_reason(live_server, provider, oauth_server, oauth_page):
    page = oauth_page
    login(page, live_server)
    _fill_new_account(page, live_server, provider)
    page.get_by_role("button", name="Conectar con Microsoft").click()
    page.get_by_role("button", name="Rechazar").click()

    expect(page.get_by_text("No se concedió el permiso")).to_be_visible()
    expect(page.get_by_text("Conectado como")).to_have_count(0)
    expect(page.get_by_label("Dirección de correo")).to_have_value(MAILBOX)
    assert oauth_server.issued == []
