"""Admin users: creation and password checks with a lock-out. Free of request objects."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select
from werkzeug.security import check_password_hash
from werkzeug.security import generate_password_hash

from ..extension import session
from ..models import Admin
from ..models import utcnow

# A hash to compare against when the address is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("shopmail-not-a-password")


class AdminError(Exception):
    """The admin could not be created; the message says why, in Spanish."""


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
    from email_validator import EmailNotValidError
    from email_validator import validate_email

    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AdminError("La dirección de correo no es válida.") from None
    if find(email) is not None:
        raise AdminError("Ya existe un administrador con esa dirección.")
    if password is None:
        password = secrets.token_urlsafe(12)
    if len(password) < 8:
        raise AdminError("La contraseña debe tener al menos 8 caracteres.")
    admin = Admin(email=email, password_hash=generate_password_hash(password))
    session().add(admin)
    session().commit()
    return admin, password


def authenticate(email: str, password: str) -> LoginResult:
    """Check a login; count failures and lock the address out for a while after too many."""
    admin = find(email)
    if admin is None:
        check_password_hash(_DUMMY_HASH, password)
        return LoginResult(None)
    now = utcnow()
    if admin.locked_until and admin.locked_until > now:
        return LoginResult(None, locked=True)
    if check_password_hash(admin.password_hash, password):
        admin.failed_logins = 0
        admin.locked_until = None
        admin.last_login_at = now
        session().commit()
        return LoginResult(admin)
    admin.failed_logins = (admin.failed_logins or 0) + 1
    locked = admin.failed_logins >= current_app.config["SHOPMAIL_LOGIN_MAX_FAILURES"]
    if locked:
        seconds = current_app.config["SHOPMAIL_LOGIN_LOCKOUT_SECONDS"]
        admin.locked_until = now + dt.timedelta(seconds=seconds)
        admin.failed_logins = 0
    session().commit()
    return LoginResult(None, locked=locked)
