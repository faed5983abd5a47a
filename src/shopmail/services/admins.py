"""Admin users: creation, password checks throttled per account and client, server-side sessions.

Free of request objects."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from email_validator import EmailNotValidError
from email_validator import validate_email
from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from shopmail.core.i18n import gettext as _
from shopmail.core.models import Admin
from shopmail.core.models import MAX_ID
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.services import login_throttle as throttle

# A hash to compare against when the address is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("shopmail-not-a-password")


class AdminError(Exception):
    """The admin could not be created; the message says why, in the current language."""


class AdminInputError(AdminError):
    """What was typed cannot make an admin (a malformed address, a short password): a usage error."""


@dataclass(frozen=True)
class LoginResult:
    admin: Admin | None
    locked: bool = False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find(email: str) -> Admin | None:
    """The admin with this address, whatever its case."""
    stmt = select(Admin).where(func.lower(Admin.email) == normalise_email(email))
    return session().scalars(stmt).first()


def create_admin(email: str, password: str | None = None) -> tuple[Admin, str]:
    """Create an admin; return it and its password (generated when not given)."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AdminInputError(_("La dirección de correo no es válida.")) from None
    if find(email) is not None:
        raise AdminError(_("Ya existe un administrador con esa dirección."))
    if password is None:
        password = secrets.token_urlsafe(12)
    if len(password) < 8:
        raise AdminInputError(_("La contraseña debe tener al menos 8 caracteres."))
    admin = Admin(email=email, password_hash=generate_password_hash(password))
    session().add(admin)
    session().commit()
    return admin, password


#: A client (IP address) may try this many times the per-account limit: several admins may share an office's
#: address, but one client cannot go on guessing across many accounts.
CLIENT_FACTOR = 4


def authenticate(email: str, password: str, *, client: str = "", trusted_admin_id: int | None = None) -> LoginResult:
    """Check a login, throttled per account and per client; the answer never tells whether the account exists.

    Every attempt is counted before its password is checked (atomically, see ``throttle``): over
    ``SHOPMAIL_LOGIN_MAX_FAILURES`` attempts in ``SHOPMAIL_LOGIN_LOCKOUT_SECONDS`` for one address (known or
    not), or four times that from one client, the password is not even checked. A browser where this admin
    signed in before (``trusted_admin_id``, from its device cookie) is not held by the account's count, so a
    stranger's wrong guesses cannot keep the owner out; it still counts as a client.
    """
    config = current_app.config
    limit, window = config["SHOPMAIL_LOGIN_MAX_FAILURES"], config["SHOPMAIL_LOGIN_LOCKOUT_SECONDS"]
    address = normalise_email(email)
    admin = find(address)
    keys = [throttle.key_for("client", client or "?")]
    if throttle.hit(keys[0], window) > limit * CLIENT_FACTOR:
        return LoginResult(None, locked=True)
    if not (admin is not None and trusted_admin_id == admin.id):
        keys.append(throttle.key_for("account", address))
        if throttle.hit(keys[1], window) > limit:
            return LoginResult(None, locked=True)
    if admin is None or not check_password_hash(admin.password_hash, password):
        if admin is None:  # the same work as a real check, so timing tells nothing either
            check_password_hash(_DUMMY_HASH, password)
        return LoginResult(None)
    throttle.clear(*keys)
    admin.session_token = admin.session_token or secrets.token_urlsafe(32)
    admin.last_login_at = utcnow()
    session().commit()
    return LoginResult(admin)


def end_sessions(admin: Admin) -> None:
    """Log out: a new session token, so every session cookie of this admin (copies too) stops working."""
    admin.session_token = secrets.token_urlsafe(32)
    session().commit()


def load_session(user_id: str) -> Admin | None:
    """The admin a session belongs to, if its token is still the current one."""
    admin_id, _, token = (user_id or "").partition(":")
    if not admin_id.isdigit() or not token:
        return None
    admin = session().get(Admin, int(admin_id)) if int(admin_id) <= MAX_ID else None
    if admin is None or not admin.session_token or not hmac.compare_digest(admin.session_token, token):
        return None
    return admin
