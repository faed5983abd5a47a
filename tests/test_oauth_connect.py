"""Signing an account in with Microsoft 365 / Google against a real OAuth2 server on loopback (HTTPS,
trustme) and testing it with AUTH XOAUTH2 on a real aiosmtpd server that accepts only that server's tokens."""

from __future__ import annotations

from urllib.parse import parse_qs
from urllib.parse import urlsplit

import certifi
import pytest
import requests
from cryptography.fernet import Fernet
from joserfc.jwk import RSAKey

from shopmail.core import crypto
from shopmail.core.models import Account
from shopmail.core.models import OAuthToken
from shopmail.core.state import session
from shopmail.services import accounts
from shopmail.services import oauth_accounts
from shopmail.smtp.probe import probe
from shopmail.smtp.sockets import xoauth2_blob
from tests.helpers import make_account

MAILBOX = "tienda@contoso.example"
REDIRECT = "http://127.0.0.1/ajustes/cuentas/oauth/callback"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_backend(request):
    return request.param


def consent(authorize_url: str, ca_file: str, answer: str = "yes") -> str:
    """What the admin's browser does at the consent page: the URL the provider sends it back to."""
    page = requests.get(authorize_url, verify=ca_file, timeout=5)
    assert page.status_code == 200 and "Aceptar" in page.text, page.text
    reply = requests.post(authorize_url, data={"consent": answer}, verify=ca_file, allow_redirects=False,
                          timeout=5)
    assert reply.status_code == 302, reply.text
    return reply.headers["Location"]


def connect(app, account_id: int, ca_file: str, answer: str = "yes") -> str:
    """Conectar: authorize with PKCE and state, consent, back to the callback; returns the mailbox."""
    with app.test_request_context():
        account = session().get(Account, account_id)
        url, state, verifier = oauth_accounts.begin(account.auth, REDIRECT)
        assert "code_challenge=" in url and f"state={state}" in url
        callback = consent(url, ca_file, answer)
        error = parse_qs(urlsplit(callback).query).get("error", [None])[0]
        return oauth_accounts.finish(account, REDIRECT, callback, state, verifier, error=error)


def make_oauth_account(app, server, auth="microsoft"):
    return make_account(app, MAILBOX, password=None, username=MAILBOX, host=server.host, port=server.port,
                        security="starttls", auth=auth, tested=False)


def test_connect_then_probar_smtp_signs_in_with_xoauth2(oauth_app, oauth_server, oauth_smtp, smtp_ca_file):
    account_id = make_oauth_account(oauth_app, oauth_smtp)
    assert connect(oauth_app, account_id, smtp_ca_file) == MAILBOX

    with oauth_app.app_context():
        result = accounts.test_saved(account_id)
        assert result.ok, result.to_dict()
        auth = next(step for step in result.steps if step.step == "auth")
        assert "XOAUTH2" in auth.detail
        assert oauth_accounts.connected_as(session().get(Account, account_id)) == MAILBOX
        grant = session().get(OAuthToken, account_id)
        # Sealed like passwords: the stored bytes are not the tokens.
        assert all(token.encode() not in (grant.access_sealed + grant.refresh_sealed)
                   for token in oauth_server.issued)
    assert [(a.mechanism, a.login, a.success) for a in oauth_smtp.auth_attempts] == [("XOAUTH2", MAILBOX, True)]
    transcript = repr(result.to_dict())
    assert not [token for token in oauth_server.issued if token in transcript]


def test_refused_consent_is_oauth_consent_denied(oauth_app, oauth_smtp, smtp_ca_file):
    account_id = make_oauth_account(oauth_app, oauth_smtp)
    with pytest.raises(Exception) as caught:
        connect(oauth_app, account_id, smtp_ca_file, answer="no")
    assert caught.value.reason == "oauth_consent_denied"
    with oauth_app.app_context():
        result = accounts.test_saved(account_id)
    assert (result.ok, result.reason) == (False, "oauth_reconnect_required")
    assert oauth_smtp.auth_attempts == []  # no token, no login attempt


def test_a_provider_that_is_not_configured_says_what_is_missing(app, smtp_server):
    server = smtp_server(security="starttls", auth_mechanisms=("XOAUTH2",))
    make_oauth_account(app, server, auth="google")
    with app.test_request_context():
        problem = oauth_accounts.setup_problem("google", REDIRECT)
        assert "SHOPMAIL_OAUTH_GOOGLE_CLIENT_ID" in problem and REDIRECT in problem
        with pytest.raises(Exception) as caught:
            oauth_accounts.begin("google", REDIRECT)
        assert caught.value.reason == "oauth_not_configured"
        values = accounts.Values(MAILBOX, host=server.host, port=server.port, auth="microsoft-app")
        result, ticket = accounts.test_values(values)
    assert (result.ok, result.reason, ticket) == (False, "oauth_not_configured", None)
    assert "SHOPMAIL_OAUTH_MICROSOFT_CLIENT_ID" in result.message


def test_scope_not_granted_is_oauth_scope_missing(oauth_app, oauth_server, oauth_smtp, smtp_ca_file):
    oauth_server.granted_scope = "openid profile"
    account_id = make_oauth_account(oauth_app, oauth_smtp)
    with pytest.raises(Exception) as caught:
        connect(oauth_app, account_id, smtp_ca_file)
    assert caught.value.reason == "oauth_scope_missing"


def test_the_oauth_ca_file_wins_over_requests_ca_bundle(oauth_app, oauth_smtp, smtp_ca_file, monkeypatch):
    # These machines set REQUESTS_CA_BUNDLE; a bundle without the test CA must not override ours.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())
    account_id = make_oauth_account(oauth_app, oauth_smtp, auth="microsoft-app")
    with oauth_app.app_context():
        oauth_accounts.connect_app(session().get(Account, account_id))
        assert accounts.test_saved(account_id).ok


def test_without_the_ca_file_the_test_server_is_not_trusted(oauth_app, oauth_smtp, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    oauth_app.config["SHOPMAIL_OAUTH_CA_FILE"] = None
    account_id = make_oauth_account(oauth_app, oauth_smtp, auth="microsoft-app")
    with oauth_app.app_context():
        with pytest.raises(Exception) as caught:
            oauth_accounts.connect_app(session().get(Account, account_id))
    assert caught.value.reason == "server_error"


def test_app_only_account_is_tested_and_saved_without_a_browser(oauth_app, oauth_smtp):
    values = accounts.Values(MAILBOX, host=oauth_smtp.host, port=oauth_smtp.port, auth="microsoft-app")
    with oauth_app.app_context():
        result, ticket = accounts.test_values(values)
        assert result.ok, result.to_dict()
        account = accounts.save(values, ticket=ticket, result=result)
        assert (account.auth, account.password_sealed, account.last_test_ok) == ("microsoft-app", None, True)


def test_rotate_key_reseals_the_tokens(oauth_app, oauth_smtp, smtp_ca_file):
    account_id = make_oauth_account(oauth_app, oauth_smtp)
    connect(oauth_app, account_id, smtp_ca_file)
    new_key = Fernet.generate_key().decode()
    oauth_app.config["SHOPMAIL_ENCRYPTION_KEYS"] = f"{new_key},{oauth_app.config['SHOPMAIL_ENCRYPTION_KEYS']}"
    with oauth_app.app_context():
        assert crypto.rotate_all() == 2  # the refresh and the access token
    oauth_app.config["SHOPMAIL_ENCRYPTION_KEYS"] = new_key  # the old key is gone
    with oauth_app.app_context():
        assert accounts.test_saved(account_id).ok


def test_disconnecting_google_revokes_the_grant_and_forgets_the_tokens(oauth_app, oauth_server, oauth_smtp,
                                                                        smtp_ca_file):
    account_id = make_oauth_account(oauth_app, oauth_smtp, auth="google")
    connect(oauth_app, account_id, smtp_ca_file)
    (grant,) = oauth_server.tokens
    with oauth_app.app_context():
        assert oauth_accounts.disconnect(session().get(Account, account_id))
        assert session().get(OAuthToken, account_id) is None
        assert accounts.test_saved(account_id).reason == "oauth_reconnect_required"
    assert oauth_server.revocations == 1 and grant.revoked


def test_switching_to_a_password_forgets_the_grant(oauth_app, oauth_smtp, smtp_ca_file):
    account_id = make_oauth_account(oauth_app, oauth_smtp)
    connect(oauth_app, account_id, smtp_ca_file)
    with oauth_app.app_context():
        values = accounts.Values(MAILBOX, username=MAILBOX, host=oauth_smtp.host, port=oauth_smtp.port,
                                 password="una-clave", auth="password")
        account = accounts.save(values, account_id=account_id, skip_test=True)
        assert account.auth == "password" and account.password_sealed is not None
        assert session().get(OAuthToken, account_id) is None


@pytest.mark.parametrize(("status", "reason"), [("401", "oauth_reconnect_required"), ("400", "oauth_scope_missing")])
def test_a_refused_xoauth2_login_says_why_and_never_shows_the_token(smtp_server, status, reason):
    server = smtp_server(security="starttls", auth_mechanisms=("XOAUTH2",), bearer_check=lambda login, token: status)
    token = "at-secreto-de-prueba-1234567890"
    result = probe(server.target(from_address=MAILBOX, bearer_token=token))
    assert (result.ok, result.reason, result.failed_step, result.smtp_code) == (False, reason, "auth", 535)
    assert [(a.mechanism, a.success) for a in server.auth_attempts] == [("XOAUTH2", False)]  # one attempt
    assert token not in repr(result.to_dict()) and xoauth2_blob(MAILBOX, token) not in repr(result.to_dict())


def test_a_server_without_xoauth2_is_auth_unavailable(smtp_server):
    server = smtp_server(security="starttls", users={MAILBOX: "x"})
    result = probe(server.target(from_address=MAILBOX, bearer_token="at-token"))
    assert (result.reason, result.failed_step) == ("auth_unavailable", "auth")
    assert "XOAUTH2" in result.message and server.auth_attempts == []


def test_a_token_refused_before_its_expiry_is_refreshed_once_and_tried_once_more(oauth_app, oauth_server,
                                                                                oauth_smtp, smtp_ca_file):
    account_id = make_oauth_account(oauth_app, oauth_smtp)
    connect(oauth_app, account_id, smtp_ca_file)
    oauth_server.expire_access_tokens()  # gone at the provider; shopmail still holds it for an hour
    with oauth_app.app_context():
        result = accounts.test_saved(account_id)
        assert result.ok, result.to_dict()
        assert session().get(Account, account_id).last_test_ok
        # Both the saved account's form (test_values) and the account page take the same path.
        oauth_server.expire_access_tokens()
        values = accounts.Values(MAILBOX, username=MAILBOX, host=oauth_smtp.host, port=oauth_smtp.port,
                                 auth="microsoft")
        assert accounts.test_values(values, account_id=account_id)[0].ok
    assert oauth_server.refreshes == 2
    assert [a.success for a in oauth_smtp.auth_attempts] == [False, True, False, True]
    assert not [token for token in oauth_server.issued if token in repr(result.to_dict())]


def test_a_refused_token_whose_refresh_is_refused_needs_reconnecting_with_no_retry_loop(
        oauth_app, oauth_server, oauth_smtp, smtp_ca_file):
    account_id = make_oauth_account(oauth_app, oauth_smtp)
    connect(oauth_app, account_id, smtp_ca_file)
    oauth_server.revoke_grants()  # consent withdrawn: the token is refused and so is the refresh
    with oauth_app.app_context():
        result = accounts.test_saved(account_id)
    assert (result.ok, result.reason) == (False, "oauth_reconnect_required")
    assert [a.success for a in oauth_smtp.auth_attempts] == [False]  # one login, no second one
    assert [step.step for step in result.steps if not step.ok] == ["auth", "auth"]  # refused, then the refresh
    assert oauth_server.refreshes == 0


@pytest.mark.parametrize("auth", ["microsoft", "google"])
def test_conectado_como_is_the_mailbox_the_provider_signed_in(oauth_app, oauth_server, oauth_smtp, smtp_ca_file,
                                                              auth):
    account_id = make_oauth_account(oauth_app, oauth_smtp, auth=auth)
    oauth_server.user = "Tienda@Contoso.example"  # the provider's spelling of the same mailbox
    assert connect(oauth_app, account_id, smtp_ca_file) == "Tienda@Contoso.example"
    with oauth_app.app_context():
        account = session().get(Account, account_id)
        assert oauth_accounts.connected_as(account) == "Tienda@Contoso.example"
        assert oauth_accounts.identity_problem(account.username, "Tienda@Contoso.example") is None
        assert accounts.test_saved(account_id).ok


def test_signing_in_as_another_mailbox_is_said_plainly(oauth_app, oauth_server, oauth_smtp, smtp_ca_file):
    account_id = make_oauth_account(oauth_app, oauth_smtp)
    oauth_server.user = "otra@contoso.example\x1b[31m"  # and the provider's claim is cleaned
    mailbox = connect(oauth_app, account_id, smtp_ca_file)
    assert mailbox == "otra@contoso.example [31m"
    with oauth_app.app_context():
        problem = oauth_accounts.identity_problem(MAILBOX, mailbox)
    assert "Ha iniciado sesión como otra@contoso.example" in problem and MAILBOX in problem


def test_an_id_token_signed_with_another_key_is_refused(oauth_app, oauth_server, oauth_smtp, smtp_ca_file):
    account_id = make_oauth_account(oauth_app, oauth_smtp)
    published = oauth_server.published_key = oauth_server.signing_key
    # Same key id, another key: only the signature tells.
    oauth_server.signing_key = RSAKey.generate_key(2048, parameters={"kid": published.kid})
    with pytest.raises(Exception) as caught:
        connect(oauth_app, account_id, smtp_ca_file)
    assert caught.value.reason == "server_error" and "id_token" in caught.value.detail
