"""The device cookie: a browser where an admin signed in before (OWASP's "device cookies").

After a successful login the browser gets a signed cookie naming the admin. With it, the account's
lock-out does not apply to that browser: a stranger's wrong guesses cannot lock the owner out of the
browsers they normally use. The cookie grants nothing by itself (the password is still needed) and
follows the session cookie's Secure setting.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer

COOKIE = "shopmail_device"
MAX_AGE = 180 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="shopmail-device")


def trusted_admin_id(cookies) -> int | None:
    """The admin id of a valid, unexpired device cookie among ``cookies``, else None."""
    value = cookies.get(COOKIE)
    if not value or len(value) > 200:
        return None
    try:
        admin_id = _serializer().loads(value, max_age=MAX_AGE)
    except BadSignature:
        return None
    return admin_id if isinstance(admin_id, int) else None


def remember(response, admin_id: int, path: str) -> None:
    """Give the browser its device cookie."""
    config = current_app.config
    response.set_cookie(COOKIE, _serializer().dumps(admin_id), max_age=MAX_AGE, path=path, httponly=True,
                        secure=bool(config.get("SESSION_COOKIE_SECURE")),
                        samesite=config.get("SESSION_COOKIE_SAMESITE") or "Lax")
