"""Signing an account in with Microsoft 365 or Google (OAuth2): connect, reconnect, disconnect, and the
bearer token Probar SMTP uses. Plain values in and out; the panel keeps ``state`` and the PKCE verifier in
the admin's session between :func:`begin` and :func:`finish`, the CLI uses :func:`connect_app`.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import replace

from flask import current_app

from shopmail.core import audit
from shopmail.core import crypto
from shopmail.core.config import OAuthProvider
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Account
from shopmail.core.state import session
from shopmail.core.state import state as state_of
from shopmail.delivery import oauth
from shopmail.delivery import tokens
from shopmail.delivery.oauth import OAuthFailure
from shopmail.smtp import probe as smtp_probe
from shopmail.smtp.connection import Step
from shopmail.smtp.connection import Target
from shopmail.smtp.probe import ProbeResult

#: How long a grant obtained on the form waits for Guardar.
PENDING_SECONDS = 1800


def setup_problem(method: str, redirect_uri: str) -> str | None:
    """What is missing for ``method``, in Spanish, with the redirect URI to register; None when ready."""
    found = OAuthProvider.from_config(current_app.config, method)
    if not found.missing:
        return None
    return _("El inicio de sesión con %(p)s no está configurado: falta %(keys)s en la configuración del "
             "servidor. Registre esta dirección de retorno en la aplicación del proveedor: %(uri)s",
             p=oauth.label(method), keys=", ".join(found.missing), uri=redirect_uri)


#: Auto-configuration's provider names (smtp/providers.json) that sign in with OAuth2, and their method.
_PROVIDER_METHODS = {"Microsoft 365": "microsoft", "Gmail / Google Workspace": "google"}
#: Refusals that OAuth2 avoids, and the method to offer for each.
_OFFER_FOR = {"basic_auth_disabled": "microsoft", "app_password_required": "google"}


def suggested_method(provider_name: str) -> str | None:
    """The OAuth2 method to propose for a provider auto-configuration identified, when it is configured."""
    method = _PROVIDER_METHODS.get(provider_name or "")
    if method is None or OAuthProvider.from_config(current_app.config, method).missing:
        return None
    return method


def offer_oauth(result: ProbeResult) -> ProbeResult:
    """A refused password login that OAuth2 would avoid: the hint offers the OAuth2 method too."""
    method = _OFFER_FOR.get(result.reason)
    if method is None:
        return result
    label = oauth.label(method)
    offer = _("También puede iniciar sesión sin contraseña: elija «%(m)s (OAuth2)» en «Método de inicio de "
              "sesión» y pulse «Conectar» (en la línea de órdenes: --auth %(a)s).", m=label, a=method)
    if OAuthProvider.from_config(current_app.config, method).missing:
        offer += " " + _("Antes, un administrador del servidor debe configurar SHOPMAIL_OAUTH_%(p)s_CLIENT_ID.",
                         p=OAuthProvider.from_config({}, method).name.upper())
    return replace(result, hint=f"{result.hint} {offer}".strip())


def begin(method: str, redirect_uri: str) -> tuple[str, str, str]:
    """(authorize URL, state, PKCE verifier): where to send the admin's browser. Raises OAuthFailure."""
    return oauth.authorization_url(method, redirect_uri)


def finish(account: Account, redirect_uri: str, callback_url: str, state: str, verifier: str,
           error: str | None = None) -> str:
    """Complete the sign-in from the provider's redirect: keep the grant, return the connected mailbox.

    ``error`` is the provider's ``error`` parameter (e.g. ``access_denied`` when consent was refused).
    Reconnecting clears a hold: the account's held mail goes out again after a passing test.
    """
    if error:
        raise oauth.failure_for(error)
    token = oauth.exchange_code(account.auth, redirect_uri, callback_url, state, verifier)
    return _keep(account, token, "account.connected")


def finish_pending(method: str, redirect_uri: str, callback_url: str, state: str, verifier: str,
                   error: str | None = None) -> str:
    """Like :func:`finish` for an account being created or edited: the grant waits (sealed, in shopmail's
    cache) for the form's Guardar; returns its id for the form's hidden ``grant`` field."""
    if error:
        raise oauth.failure_for(error)
    token = oauth.exchange_code(method, redirect_uri, callback_url, state, verifier)
    grant = secrets.token_urlsafe(24)
    _wait(grant, method, token, oauth.identity(method, token))
    return grant


def _wait(grant: str, method: str, token: dict, mailbox: str | None) -> None:
    """Keep ``token`` (sealed, in shopmail's cache) as the grant ``grant`` waiting for Guardar."""
    kept = {key: token[key] for key in ("access_token", "refresh_token", "expires_in", "scope") if key in token}
    state_of().cache.set(f"oauth-grant:{grant}", {"method": method, "sealed": crypto.seal(json.dumps(kept)),
                                                  "mailbox": mailbox}, timeout=PENDING_SECONDS)


def refresh_pending(grant: str, method: str) -> str:
    """A new access token for a grant waiting for Guardar whose token the server refused: refreshed once
    with its refresh token, and kept in its place (with a rotated refresh token, if the provider sent one)
    so Guardar keeps the live grant. Raises OAuthFailure (``oauth_reconnect_required`` when the provider
    refuses the refresh or there is nothing to refresh with)."""
    token = pending(grant, method)
    if token is None or not token.get("refresh_token"):
        raise OAuthFailure.of("oauth_reconnect_required", _("sin token de renovación"))
    fresh = oauth.refresh(method, token["refresh_token"])
    _wait(grant, method, {**token, **fresh}, pending_mailbox(grant, method))
    return fresh["access_token"]


def pending_mailbox(grant: str | None, method: str) -> str | None:
    """The mailbox the provider signed in for a grant waiting for Guardar (None when it did not say)."""
    if pending(grant, method) is None:
        return None
    return state_of().cache.get(f"oauth-grant:{grant}").get("mailbox")


def identity_problem(login: str, mailbox: str | None) -> str | None:
    """In Spanish, why a grant for ``mailbox`` will not send as ``login`` (the account's user); None when
    they match or the provider did not say who signed in."""
    if not mailbox or not login or mailbox.strip().lower() == login.strip().lower():
        return None
    return _("Ha iniciado sesión como %(m)s, pero la cuenta usa el usuario %(l)s: el servidor rechazará el "
             "envío. Cambie el usuario a %(m)s o pulse «Conectar» de nuevo e inicie sesión como %(l)s.",
             m=mailbox, l=login)


def pending(grant: str | None, method: str) -> dict | None:
    """The token of a grant waiting for Guardar (None when unknown, expired or for another method)."""
    if not grant or len(grant) > 100:
        return None
    kept = state_of().cache.get(f"oauth-grant:{grant}")
    if not kept or kept.get("method") != method:
        return None
    return json.loads(crypto.unseal(kept["sealed"]))


def keep_pending(account: Account, grant: str, mailbox: str) -> None:
    """Guardar: the waiting grant becomes the account's (no commit), connected as the mailbox the provider
    signed in (``mailbox`` when it did not say)."""
    token = pending(grant, account.auth)
    if token is not None:
        tokens.store(account.id, token, pending_mailbox(grant, account.auth) or mailbox)
        state_of().cache.delete(f"oauth-grant:{grant}")


def connect_app(account: Account) -> str:
    """App-only Microsoft 365 (client credentials, ``SMTP.SendAsApp``): no browser. Raises OAuthFailure."""
    token = oauth.client_credentials(account.auth)
    return _keep(account, token, "account.connected")


def connect_device(account: Account, tell, sleep=time.sleep) -> str:
    """Sign in with the device-code flow (Microsoft, from the terminal): ``tell(text)`` shows the admin where
    to go and which code to type; this waits until they did (or the code expires). Raises OAuthFailure."""
    started = oauth.device_start(account.auth)
    tell(_("Para conectar %(a)s abra %(u)s en un navegador e introduzca el código %(c)s. Esperando…",
           a=account.address, u=started["verification_uri"], c=started["user_code"]))
    interval, deadline = started["interval"], time.monotonic() + started["expires_in"]
    while time.monotonic() < deadline:
        sleep(interval)
        token = oauth.device_poll(account.auth, started["device_code"])
        if token is not None and token.get("slow_down"):
            interval += 5
        elif token is not None:
            return _keep(account, token, "account.connected")
    raise OAuthFailure.of("oauth_consent_denied", "expired_token")


def _keep(account: Account, token: dict, action: str) -> str:
    mailbox = oauth.identity(account.auth, token) or account.username or account.address
    tokens.store(account.id, token, mailbox)
    audit.record(action, account.address, f"{account.address}: {oauth.label(account.auth)}",
                 address=account.address, auth=account.auth)
    session().commit()
    return mailbox


def disconnect(account: Account) -> bool:
    """Revoke (where the provider allows) and forget the account's tokens (Desconectar); True when it was
    connected. Its mail then waits."""
    found = tokens.forget(account.id, account.auth)
    if found:
        audit.record("account.disconnected", account.address, account.address, address=account.address)
    session().commit()
    return found


def connected_as(account: Account) -> str | None:
    """The mailbox shown after **Conectado como**, or None."""
    if (account.auth or "password") == "password":
        return None
    return tokens.mailbox(account.id)


def bearer(account: Account | None, method: str, grant: str | None = None) -> str:
    """A live token to test with: a grant waiting for Guardar, the saved account's grant, or an app-only
    token for a new account."""
    waiting = pending(grant, method)
    if waiting is not None:
        return waiting["access_token"]
    if account is not None and account.auth == method:
        return tokens.bearer_token(account.id, method)[0]
    if method == "microsoft-app":
        return oauth.client_credentials(method)["access_token"]
    raise OAuthFailure.of("oauth_reconnect_required", _("la cuenta aún no está conectada"))


def probe(target: Target, account: Account | None = None, grant: str | None = None,
          method: str | None = None) -> ProbeResult:
    """Probar SMTP with ``target``'s bearer token. The token is the saved ``account``'s, or that of the
    ``grant`` (for ``method``) still waiting for Guardar; if the server refuses it although it is not due
    to expire (revoked at the provider, a clock off), it is refreshed once and the test run once more. No
    loop: a refused refresh or a second refusal stands."""
    result = smtp_probe.probe(target)
    if result.reason != "oauth_reconnect_required" or (account is None and grant is None):
        return result
    try:
        if account is not None:
            token = tokens.bearer_token(account.id, account.auth, refused=target.bearer_token)[0]
        else:
            token = refresh_pending(grant, method)
    except OAuthFailure as failure:
        refused = failed_before(failure)
        return replace(refused, steps=result.steps + refused.steps, tls=result.tls)
    return smtp_probe.probe(replace(target, bearer_token=token))


def failed_before(failure: OAuthFailure) -> ProbeResult:
    """A test that stopped before the SMTP login because there is no token to log in with."""
    step = Step("auth", False, 0, failure.detail or failure.message)
    return ProbeResult(False, failure.reason, failure.message, failure.hint, steps=[step])
