"""What a test or a save may use to log in: a typed password, one kept in a test ticket or stored (only for
the server it was typed for), or an OAuth2 token; and the fingerprint a test ticket vouches for."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from shopmail.core import crypto
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Account
from shopmail.core.state import state
from shopmail.services import oauth_accounts
from shopmail.services.account_errors import AccountError
from shopmail.services.account_errors import PasswordRequired


def destination(values) -> tuple:
    """Where a password goes: server, port, security and certificate check (not the address or user)."""
    return (values.host.strip().lower().rstrip("."), int(values.port or 0), values.security,
            bool(values.verify_cert))


def stored_destination(account: Account) -> tuple:
    """Where the account's stored password or token goes (as :func:`destination` says it)."""
    return ((account.host or "").strip().lower().rstrip("."), int(account.port or 0), account.security or "",
            bool(account.verify_cert))


def password_for(values, account: Account | None, ticket: dict | None) -> str | None:
    """The password to use: typed, else kept in a test ticket, else the stored one.

    A kept password (ticket or stored) only ever goes to the destination it was typed for: an admin, or
    anyone who takes over a session, could otherwise point the account at a server of their own and
    receive the real password with AUTH. Changing the destination needs the password typed again.
    """
    if values.oauth:
        return None  # signs in with a token, never a password
    if values.password:
        return values.password
    kept = []
    if ticket and ticket.get("sealed"):
        kept.append((tuple(ticket.get("destination") or ()), ticket["sealed"]))
    if account is not None and account.password_sealed:
        kept.append((stored_destination(account), account.password_sealed))
    for where, sealed in kept:
        if where == destination(values):
            return crypto.unseal(sealed)
    if kept:
        raise PasswordRequired(_("Ha cambiado el servidor, el puerto, la seguridad o la verificación del "
                                 "certificado: escriba la contraseña de nuevo. La contraseña guardada solo "
                                 "se envía al servidor con el que se guardó."), field="password")
    return None


def fingerprint(values, password: str | None) -> str:
    """An HMAC of the connection values and password: what a test ticket vouches for."""
    parts = [values.address.lower(), values.login, values.host.lower(), str(values.port),
             values.security, str(bool(values.verify_cert)), values.auth, values.grant or "",
             password or ""]
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, "\0".join(parts).encode(), hashlib.sha256).hexdigest()


def ticket(token: str | None) -> dict | None:
    if not token or len(token) > 100:
        return None
    return state().cache.get(f"test-ticket:{token}")


def bearer_for(values, account: Account | None) -> str | None:
    """The OAuth2 token to test ``values`` with (None for a password account).

    Like a kept password, a saved account's token only goes to the server it was connected for.
    """
    if not values.oauth:
        return None
    waiting = oauth_accounts.pending(values.grant, values.auth) is not None
    if not waiting and account is not None and account.auth == values.auth and \
            stored_destination(account) != destination(values):
        raise AccountError(_("Ha cambiado el servidor, el puerto, la seguridad o la verificación del "
                             "certificado: guarde la cuenta sin probar y vuelva a conectarla."), field="host")
    return oauth_accounts.bearer(account, values.auth, values.grant)
