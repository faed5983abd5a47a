"""The account form with Método de inicio de sesión: + → Microsoft 365 (OAuth2) → Conectar → consent page →
back → Probar SMTP → Guardar, the refusal path, a provider that is not oauth_app, Reconectar/Desconectar."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from shopmail.core.models import Account
from shopmail.core.models import OAuthToken
from shopmail.core.state import session
from shopmail.services import accounts
from tests.helpers import field_error
from tests.helpers import page
from tests.test_oauth_connect import connect
from tests.test_oauth_connect import consent
from tests.test_oauth_connect import MAILBOX
from tests.test_oauth_connect import make_oauth_account


@pytest.fixture
def db_backend():
    return "sqlite"


def _form(server, **extra):
    return {"address": MAILBOX, "display_name": "Tienda", "username": "", "auth": "microsoft",
            "host": server.host, "port": str(server.port), "security": "starttls", "verify_cert": "y", **extra}


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    return match.group(1) if match else ""


def _onward(reply) -> str:
    """The provider's address on the page Conectar answers with (it refreshes to it, and links it)."""
    assert reply.status_code == 200, page(reply)
    html = page(reply)
    link = re.search(r'<a class="button" href="([^"]+)">Continuar en', html).group(1)
    assert f'content="0;url={link}"' in html
    return link


def _conectar(admin, server, ca_file, answer="yes"):
    """Press Conectar con Microsoft, consent at the provider, follow the way back; the form's HTML."""
    reply = admin.post("/ajustes/cuentas/nueva", data=_form(server, action="connect:microsoft"))
    back = consent(_onward(reply), ca_file, answer)
    assert back.startswith("http://localhost/ajustes/cuentas/oauth/callback?")
    parts = urlsplit(back)
    to_form = admin.get(f"{parts.path}?{parts.query}")
    assert to_form.status_code == 302
    return page(admin.get(to_form.headers["Location"]))


def test_new_microsoft_account_connect_probar_guardar(oauth_app, admin, oauth_smtp, oauth_server, smtp_ca_file):
    html = _conectar(admin, oauth_smtp, smtp_ca_file)
    assert f"Conectado como {MAILBOX}" in re.sub(r"<[^>]+>", "", html)
    assert 'value="microsoft" selected' in html or 'selected value="microsoft"' in html
    grant = _hidden(html, "grant")
    assert grant

    tested = admin.post("/ajustes/cuentas/nueva", data=_form(oauth_smtp, grant=grant, action="test"))
    html = page(tested)
    assert "La prueba SMTP es correcta" in html, html
    saved = admin.post("/ajustes/cuentas/nueva", data=_form(oauth_smtp, grant=grant, action="save",
                                                             ticket=_hidden(html, "ticket")))
    assert saved.status_code == 302, page(saved)
    shown = page(admin.get(saved.headers["Location"]))
    assert "Conectado como" in shown and MAILBOX in shown and "Reconectar" in shown
    with oauth_app.app_context():
        account = session().scalars(session().query(Account).statement).one()
        assert (account.auth, account.password_sealed, account.last_test_ok) == ("microsoft", None, True)
        assert session().get(OAuthToken, account.id).mailbox == MAILBOX
    # No page shows a token.
    for text in (html, shown):
        assert not [token for token in oauth_server.issued if token in text]


def test_probar_smtp_on_a_grant_waiting_for_guardar_refreshes_once_and_tries_once_more(
        oauth_app, admin, oauth_smtp, oauth_server, smtp_ca_file):
    grant = _hidden(_conectar(admin, oauth_smtp, smtp_ca_file), "grant")
    oauth_server.expire_access_tokens()  # gone at the provider; the form's grant still says an hour

    html = page(admin.post("/ajustes/cuentas/nueva", data=_form(oauth_smtp, grant=grant, action="test")))
    assert "La prueba SMTP es correcta" in html, html
    assert oauth_server.refreshes == 1
    assert [a.success for a in oauth_smtp.auth_attempts] == [False, True]  # refused, refreshed, passed
    assert not [token for token in oauth_server.issued if token in html]

    # Guardar keeps the refreshed grant: the saved account sends without another refresh.
    saved = admin.post("/ajustes/cuentas/nueva", data=_form(oauth_smtp, grant=grant, action="save",
                                                             ticket=_hidden(html, "ticket")))
    assert saved.status_code == 302, page(saved)
    with oauth_app.app_context():
        account = session().scalars(session().query(Account).statement).one()
        assert accounts.test_saved(account.id).ok
    assert oauth_server.refreshes == 1
    assert [a.success for a in oauth_smtp.auth_attempts] == [False, True, True]


def test_a_waiting_grant_whose_refresh_is_refused_says_reconnect_with_no_retry_loop(
        oauth_app, admin, oauth_smtp, oauth_server, smtp_ca_file):
    grant = _hidden(_conectar(admin, oauth_smtp, smtp_ca_file), "grant")
    oauth_server.revoke_grants()  # consent withdrawn: the token is refused and so is the refresh

    html = page(admin.post("/ajustes/cuentas/nueva", data=_form(oauth_smtp, grant=grant, action="test")))
    assert "La prueba SMTP es correcta" not in html
    assert "La conexión con la cuenta ha caducado o se ha revocado: hay que volver a conectarla." in html
    assert [a.success for a in oauth_smtp.auth_attempts] == [False]  # one login, no second one
    assert oauth_server.refreshes == 0
    assert not _hidden(html, "ticket")


def test_refused_consent_comes_back_to_the_form_with_the_reason(oauth_app, admin, oauth_smtp, smtp_ca_file):
    html = _conectar(admin, oauth_smtp, smtp_ca_file, answer="no")
    assert "No se concedió el permiso" in html
    assert "Conectado como" not in html
    assert MAILBOX in html  # the admin's values came back
    assert not _hidden(html, "grant")


def test_a_provider_that_is_not_configured_explains_what_is_missing(app, admin, oauth_smtp):
    reply = admin.post("/ajustes/cuentas/nueva", data=_form(oauth_smtp, action="connect:google"))
    assert reply.status_code == 200
    error = field_error(page(reply), "auth")
    assert "no está configurado" in error and "SHOPMAIL_OAUTH_GOOGLE_CLIENT_ID" in error
    assert "http://localhost/ajustes/cuentas/oauth/callback" in error


def test_reconnect_and_disconnect_on_the_account_page(oauth_app, admin, oauth_smtp, oauth_server, smtp_ca_file):
    html = _conectar(admin, oauth_smtp, smtp_ca_file)
    grant = _hidden(html, "grant")
    saved = admin.post("/ajustes/cuentas/nueva", data=_form(oauth_smtp, grant=grant, action="save",
                                                             ticket=_hidden(page(admin.post(
                                                                 "/ajustes/cuentas/nueva",
                                                                 data=_form(oauth_smtp, grant=grant,
                                                                            action="test"))), "ticket")))
    account_url = saved.headers["Location"]
    account_id = int(account_url.rstrip("/").rsplit("/", 1)[1])
    edit = page(admin.get(f"/ajustes/cuentas/{account_id}/editar"))
    assert f"Conectado como {MAILBOX}" in re.sub(r"<[^>]+>", "", edit)
    retest = admin.post(f"/ajustes/cuentas/{account_id}/editar", data=_form(oauth_smtp, action="test"))
    assert "La prueba SMTP es correcta" in page(retest)  # the saved grant, no new sign-in

    gone = admin.post(f"/ajustes/cuentas/{account_id}/desconectar", data={})
    assert "desconectada" in page(admin.get(gone.headers["Location"]))
    with oauth_app.app_context():
        assert session().get(OAuthToken, account_id) is None

    again = admin.post(f"/ajustes/cuentas/{account_id}/conectar", data={})
    back = consent(_onward(again), smtp_ca_file)
    parts = urlsplit(back)
    shown = page(admin.get(admin.get(f"{parts.path}?{parts.query}").headers["Location"]))
    assert f"Conectado como {MAILBOX}" in shown
    tested = admin.post(f"/ajustes/cuentas/{account_id}/probar", data={})
    assert "La prueba SMTP es correcta" in page(tested)


def test_autoconfig_proposes_oauth_for_a_microsoft_365_domain(oauth_app, admin):
    reply = admin.post("/ajustes/cuentas/nueva", data={"address": "tienda@contoso.onmicrosoft.com",
                                                        "auth": "password", "action": "autoconfig"})
    html = page(reply)
    assert "smtp.office365.com" in html
    assert re.search(r'<option selected value="microsoft">|<option value="microsoft" selected', html), html


def test_basic_auth_disabled_offers_oauth(oauth_app, admin, smtp_server, smtp_ca_file):
    server = smtp_server(security="starttls", users={MAILBOX: "x"},
                         replies={"auth": "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication "
                                          "is disabled for the Tenant."})
    reply = admin.post("/ajustes/cuentas/nueva", data=_form(server, auth="password", password="clave",
                                                             action="test"))
    html = page(reply)
    assert "basic_auth_disabled" in html or "desactivado" in html
    assert "Microsoft 365 (OAuth2)" in html and "Conectar" in html


def test_signing_in_as_another_mailbox_is_said_on_the_form(oauth_app, admin, oauth_smtp, oauth_server,
                                                          smtp_ca_file):
    oauth_server.user = "otra@contoso.example"  # the admin picked another Microsoft account at the provider
    html = _conectar(admin, oauth_smtp, smtp_ca_file)
    assert "Conectado como otra@contoso.example" in re.sub(r"<[^>]+>", "", html)
    error = field_error(html, "username")
    assert error and "Ha iniciado sesión como otra@contoso.example" in error and MAILBOX in error
    # Using that mailbox as the user name: no complaint, and Probar SMTP passes.
    grant = _hidden(html, "grant")
    tested = page(admin.post("/ajustes/cuentas/nueva", data=_form(
        oauth_smtp, username="otra@contoso.example", grant=grant, action="test")))
    assert "La prueba SMTP es correcta" in tested and field_error(tested, "username") is None


def test_reconnecting_as_another_mailbox_is_said_on_the_account_page(oauth_app, admin, oauth_smtp, oauth_server,
                                                                     smtp_ca_file):
    account_id = make_oauth_account(oauth_app, oauth_smtp)
    connect(oauth_app, account_id, smtp_ca_file)
    oauth_server.user = "otra@contoso.example"
    again = admin.post(f"/ajustes/cuentas/{account_id}/conectar", data={})
    parts = urlsplit(consent(_onward(again), smtp_ca_file))
    shown = re.sub(r"<[^>]+>", "", page(admin.get(admin.get(f"{parts.path}?{parts.query}").headers["Location"])))
    assert "Conectado como otra@contoso.example" in shown
    assert "Ha iniciado sesión como otra@contoso.example" in shown and MAILBOX in shown
    edit = page(admin.get(f"/ajustes/cuentas/{account_id}/editar"))
    assert "Ha iniciado sesión como otra@contoso.example" in (field_error(edit, "username") or "")
