"""Talking to an OAuth2 provider (Microsoft 365, Google) with Authlib's requests client: the authorization
URL with PKCE and ``state``, the code exchange, refreshes, client credentials and the device-code flow.

No OAuth2 protocol is written here by hand: Authlib builds and checks the requests. What this module adds is
trust and errors. HTTPS trusts ``SHOPMAIL_OAUTH_CA_FILE`` when it is set, passed as ``verify`` with every
request: a Session's own ``verify`` would lose to ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` in the
environment (requests' ``merge_environment_settings``). Every failure becomes an :class:`OAuthFailure` with a
reason code of docs/reference.md; nothing a provider says is kept without ``clean``.
"""

from __future__ import annotations

import secrets

from flask import current_app

from shopmail.core.config import IDENTITY_SCOPES
from shopmail.core.config import OAuthProvider
from shopmail.core.config import SmtpOptions
from shopmail.core.text import clean
from shopmail.smtp import reasons
from shopmail.smtp.reasons import SMTPFailure

#: Provider error codes that mean the grant is gone: the admin must sign in again.
_RECONNECT = {"invalid_grant", "interaction_required", "consent_required", "login_required", "invalid_token"}
_DENIED = {"access_denied", "consent_denied", "authorization_declined", "expired_token"}
_LABELS = {"microsoft": "Microsoft 365", "google": "Google"}


class OAuthFailure(SMTPFailure):
    """An OAuth2 step failed; ``reason`` is an ``oauth_*`` code, ``timeout`` or ``server_error``.

    An SMTPFailure (step ``auth``), so the probe, the worker and the CLI treat it like a refused login.
    """

    @classmethod
    def of(cls, reason: str, detail: str = "", kind: str | None = None) -> OAuthFailure:
        """The failure for ``reason`` with its Spanish message and hint."""
        detail = clean(detail, 300)
        message, hint = reasons.describe(reason, detail=detail)
        return cls(reason, message, hint=hint, step="auth", detail=detail, kind=kind, values={"detail": detail})


def provider(method: str) -> OAuthProvider:
    """The configured provider of ``method``; OAuthFailure ``oauth_not_configured`` when settings are missing."""
    found = OAuthProvider.from_config(current_app.config, method)
    if found.missing:
        raise OAuthFailure.of("oauth_not_configured", _LABELS[found.name] + " (" + ", ".join(found.missing) + ")")
    return found


def label(method: str) -> str:
    """The provider's name as the admin knows it."""
    return _LABELS[OAuthProvider.from_config({}, method).name]


def _session(found: OAuthProvider, **options):
    # optional: Authlib (extra "oauth"); only accounts that sign in with OAuth2 need it.
    from authlib.integrations.requests_client import OAuth2Session

    # Microsoft's delegated flow may run as a public client (no secret): then the id goes in the body.
    auth_method = "client_secret_post" if found.client_secret else "none"
    return OAuth2Session(found.client_id, found.client_secret or None, scope=" ".join(found.scopes),
                         token_endpoint_auth_method=auth_method, **options)


def _http() -> dict:
    """Per-request options: the CA bundle (see the module docstring) and shopmail's timeout."""
    found = current_app.config.get("SHOPMAIL_OAUTH_CA_FILE") or True
    return {"verify": found, "timeout": SmtpOptions.from_config(current_app.config).timeout}


def authorization_url(method: str, redirect_uri: str) -> tuple[str, str, str]:
    """(URL to send the admin's browser to, ``state``, PKCE code verifier) for the authorization-code flow."""
    found = provider(method)
    verifier = secrets.token_urlsafe(64)
    extra = {"access_type": "offline", "prompt": "consent"} if found.name == "google" else {}
    url, state = _session(found, redirect_uri=redirect_uri, code_challenge_method="S256").create_authorization_url(
        found.authorize_url, code_verifier=verifier, **extra)
    return url, state, verifier


def exchange_code(method: str, redirect_uri: str, callback_url: str, state: str, verifier: str) -> dict:
    """The token for the provider's redirect back to ``callback_url`` (``state`` and PKCE checked)."""
    found = provider(method)
    session = _session(found, redirect_uri=redirect_uri, state=state, code_challenge_method="S256")
    return _checked(found, lambda: session.fetch_token(
        found.token_url, authorization_response=callback_url, code_verifier=verifier, **_http()))


def refresh(method: str, refresh_token: str) -> dict:
    """A new access token (and maybe a new refresh token) for ``refresh_token``."""
    found = provider(method)
    return _checked(found, lambda: _session(found).refresh_token(
        found.token_url, refresh_token=refresh_token, **_http()))


def client_credentials(method: str) -> dict:
    """An app-only token (Microsoft 365 ``SMTP.SendAsApp``): no browser, no refresh token."""
    found = provider(method)
    return _checked(found, lambda: _session(found).fetch_token(
        found.token_url, grant_type="client_credentials", **_http()))


def device_start(method: str) -> dict:
    """Start the device-code flow (Microsoft): ``user_code``, ``verification_uri`` (cleaned, bounded),
    ``device_code``, ``interval`` and ``expires_in``. Authlib has no client call for this one request."""
    found = provider(method)
    if not found.device_url:
        raise OAuthFailure.of("oauth_not_configured", label(method) + " (device code)")
    session = _session(found)
    data = _checked(found, lambda: session.post(found.device_url, data={
        "client_id": found.client_id, "scope": " ".join(found.scopes)}, withhold_token=True, **_http()),
        kind="device")
    return {"device_code": str(data["device_code"]), "user_code": clean(data.get("user_code"), 40),
            "verification_uri": clean(data.get("verification_uri"), 300),
            "interval": max(1, int(data.get("interval") or 5)), "expires_in": int(data.get("expires_in") or 900)}


def device_poll(method: str, device_code: str) -> dict | None:
    """One poll of the token endpoint: the token once the admin signed in, None while still waiting, and
    ``{"slow_down": True}`` when asked to poll less often."""
    found = provider(method)
    return _checked(found, lambda: _session(found).fetch_token(
        found.token_url, grant_type="urn:ietf:params:oauth:grant-type:device_code", device_code=device_code,
        **_http()), kind="poll")


def revoke(method: str, refresh_token: str) -> bool:
    """Revoke a grant at the provider where it allows (Google, RFC 7009); True when it confirmed.

    Best effort: Desconectar forgets the tokens whatever the provider says."""
    found = OAuthProvider.from_config(current_app.config, method)
    if not found.revoke_url or found.missing:
        return False
    # optional: requests (extra "oauth").
    import requests

    # optional: Authlib (extra "oauth").
    from authlib.common.errors import AuthlibBaseError

    try:
        reply = _session(found).revoke_token(found.revoke_url, refresh_token, token_type_hint="refresh_token",
                                             **_http())
    except (AuthlibBaseError, requests.RequestException):
        return False
    return reply.status_code == 200


def _checked(found: OAuthProvider, call, kind: str = "token"):
    """Run a token request; map its failures to reason codes and check the SMTP scope was granted.

    ``kind`` "device": the device authorization reply (JSON, no token); "poll": a device-code poll, where
    ``authorization_pending`` means None and ``slow_down`` means ``{"slow_down": True}``."""
    # optional: requests (extra "oauth").
    import requests

    # optional: Authlib (extra "oauth").
    from authlib.common.errors import AuthlibBaseError

    try:
        token = dict(_json(call()) if kind == "device" else call())
    except AuthlibBaseError as exc:
        if kind == "poll" and getattr(exc, "error", "") in ("authorization_pending", "slow_down"):
            return {"slow_down": True} if exc.error == "slow_down" else None
        raise failure_for(getattr(exc, "error", "") or "", getattr(exc, "description", "") or "") from None
    except requests.Timeout as exc:
        raise OAuthFailure.of("timeout", str(exc), kind=reasons.TRANSIENT) from None
    except requests.RequestException as exc:
        raise OAuthFailure.of("server_error", type(exc).__name__, kind=reasons.TRANSIENT) from None
    except ValueError as exc:  # a reply that is not a token (HTML, bad JSON)
        raise OAuthFailure.of("server_error", str(exc), kind=reasons.TRANSIENT) from None
    if kind == "device":
        if token.get("error"):
            raise failure_for(str(token["error"]), str(token.get("error_description") or ""))
        if not token.get("device_code"):
            raise OAuthFailure.of("server_error", "sin device_code", kind=reasons.TRANSIENT)
        return token
    if not token.get("access_token"):
        raise OAuthFailure.of("server_error", "sin access_token", kind=reasons.TRANSIENT)
    granted = set(str(token.get("scope") or " ".join(found.scopes)).split())
    if not granted & (set(found.scopes) - IDENTITY_SCOPES):
        raise OAuthFailure.of("oauth_scope_missing", " ".join(sorted(granted)))
    return token


#: The id_token claims that name the mailbox, per provider (the first present wins).
_IDENTITY_CLAIMS = {"microsoft": ("preferred_username", "email"), "google": ("email",)}


def identity(method: str, token: dict) -> str | None:
    """The mailbox the provider signed in, from the token reply's OpenID Connect ``id_token``: signature
    checked against the provider's published keys (JWKS), audience our client id, not expired; the claim
    bounded and cleaned. None when there is no id_token (app-only, a provider that sent none). Raises
    OAuthFailure (``server_error``) when an id_token does not check out."""
    raw = token.get("id_token")
    found = provider(method)
    if not raw or not found.jwks_url:
        return None
    # optional: requests (extra "oauth").
    import requests

    # optional: joserfc, Authlib's JOSE library (extra "oauth").
    from joserfc import jwt

    # optional: joserfc (extra "oauth").
    from joserfc.errors import JoseError

    # optional: joserfc (extra "oauth").
    from joserfc.jwk import KeySet

    try:
        reply = requests.get(found.jwks_url, **_http())
        reply.raise_for_status()
        decoded = jwt.decode(str(raw), KeySet.import_key_set(_json(reply)), algorithms=["RS256"])
        jwt.JWTClaimsRegistry(leeway=300, aud={"essential": True, "value": found.client_id},
                              exp={"essential": True}).validate(decoded.claims)
    except (requests.RequestException, JoseError, ValueError, TypeError, KeyError) as exc:
        raise OAuthFailure.of("server_error", "id_token: " + type(exc).__name__, kind=reasons.TRANSIENT) from None
    claims = decoded.claims
    if found.name == "google" and claims.get("email_verified") is False:
        return None
    for name in _IDENTITY_CLAIMS[found.name]:
        value = clean(str(claims.get(name) or ""), 254)
        if "@" in value:  # shown as the provider said it (cleaned): a mismatch must not be hidden
            return value
    return None


def _json(response) -> dict:
    """A provider's JSON reply (ValueError when it is not JSON)."""
    data = response.json()
    if not isinstance(data, dict):
        raise ValueError("respuesta inesperada")
    return data


def failure_for(error: str, description: str = "") -> OAuthFailure:
    """The failure for a provider's OAuth2 ``error`` code (from a token reply or the authorize redirect)."""
    error = clean(error, 60)
    if error in _RECONNECT:
        return OAuthFailure.of("oauth_reconnect_required", error)
    if error in _DENIED:
        return OAuthFailure.of("oauth_consent_denied", error)
    if error in ("invalid_scope",):
        return OAuthFailure.of("oauth_scope_missing", error)
    if error in ("invalid_client", "unauthorized_client"):
        return OAuthFailure.of("oauth_not_configured", f"{clean(description, 100) or 'OAuth2'} ({error})")
    return OAuthFailure.of("server_error", f"{error} {clean(description, 200)}".strip(), kind=reasons.TRANSIENT)
