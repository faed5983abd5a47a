"""Sealing secrets (SMTP passwords, OAuth2 tokens) with Fernet; keys come from configuration, never the database."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet
from flask import current_app
from sqlalchemy import select

from shopmail.core.config import parse_list
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Account
from shopmail.core.models import OAuthToken
from shopmail.core.state import session

SETTING = "SHOPMAIL_ENCRYPTION_KEYS"


class SecretKeyError(Exception):
    """The encryption keys are missing or cannot open a stored secret; the message names the setting.
    ``missing``: no key is configured at all (rather than a key that is not a Fernet key)."""

    def __init__(self, message: str, missing: bool = False):
        super().__init__(message)
        self.missing = missing


def _fernet() -> MultiFernet:
    raw = current_app.config.get(SETTING)
    keys = [k.strip() for k in parse_list(raw or []) if k.strip()]
    if not keys:
        raise SecretKeyError(_("Falta %(s)s: configure al menos una clave Fernet para cifrar las contraseñas.",
                               s=SETTING), missing=True)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise SecretKeyError(_("%(s)s contiene una clave que no es una clave Fernet válida.", s=SETTING)) from None


def seal(secret: str) -> bytes:
    """Encrypt ``secret`` with the first key."""
    return _fernet().encrypt(secret.encode("utf-8"))


def unseal(token: bytes) -> str:
    """Decrypt a sealed secret with any configured key."""
    try:
        return _fernet().decrypt(bytes(token)).decode("utf-8")
    except InvalidToken:
        raise SecretKeyError(
            _("Ninguna clave de %(s)s abre la contraseña guardada: ¿se cambió la clave sin rotar?", s=SETTING)
        ) from None


def rotate(token: bytes) -> bytes:
    """Re-encrypt a sealed secret with the first key."""
    try:
        return _fernet().rotate(bytes(token))
    except InvalidToken:
        raise SecretKeyError(_("Ninguna clave de %(s)s abre un secreto guardado.", s=SETTING)) from None


def instance_key(instance_path: str) -> str:
    """The standalone key file ``instance/shopmail.key`` (mode 0600), created on first use."""
    path = Path(instance_path) / "shopmail.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    return path.read_text().strip()


def rotate_all() -> int:
    """Re-encrypt every stored secret with the first key; return how many were rewritten."""
    count = 0
    for account in session().scalars(select(Account).where(Account.password_sealed.is_not(None))):
        account.password_sealed = rotate(account.password_sealed)
        count += 1
    for grant in session().scalars(select(OAuthToken)):
        for name in ("refresh_sealed", "access_sealed"):
            if getattr(grant, name) is not None:
                setattr(grant, name, rotate(getattr(grant, name)))
                count += 1
    session().commit()
    return count
