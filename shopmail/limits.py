"""Rate limits per admin for the expensive actions: Probar SMTP, auto-configuration, test mails.

Flask-Limiter, one limiter per app, kept in shopmail's state: ``redis://`` storage when shopmail's
cache is Redis (limits hold across processes and machines), ``memory://`` otherwise. Login has its
own lock-out (shopmail.auth.service).
"""

from __future__ import annotations

from flask import current_app
from flask import g
from flask import request
from flask_limiter import Limiter
from flask_limiter import RateLimitExceeded

__all__ = ["RateLimitExceeded", "expensive", "init_app"]


def _key() -> str:
    """Limits are per admin (per address for anonymous callers, who never get this far)."""
    return g.get("shopmail_actor") or request.remote_addr or "anon"


def _storage_uri(config) -> str:
    if config.get("SHOPMAIL_RATELIMIT_STORAGE_URI"):
        return config["SHOPMAIL_RATELIMIT_STORAGE_URI"]
    if str(config.get("SHOPMAIL_CACHE_TYPE", "")).lower().endswith("rediscache") and config.get(
            "SHOPMAIL_CACHE_REDIS_URL"):
        return config["SHOPMAIL_CACHE_REDIS_URL"]
    return "memory://"


def init_app(app):
    """Create shopmail's own limiter for ``app`` (no default limits: a host's routes are untouched)."""
    return Limiter(_key, app=app, storage_uri=_storage_uri(app.config), default_limits=[],
                   key_prefix=f"{app.config.get('SHOPMAIL_CACHE_KEY_PREFIX') or 'shopmail:'}limits",
                   strategy="moving-window")


def expensive():
    """A context manager: counts one expensive action for the current admin, or raises 429."""
    from .extension import state

    # shared: one budget for every expensive button (a plain limit() keeps one per endpoint, so an admin
    # could go on testing from the account page once the form's budget was spent).
    return state().limiter.shared_limit(current_app.config["SHOPMAIL_RATE_LIMIT"], key_func=_key,
                                        scope="shopmail-expensive")
