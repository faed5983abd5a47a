"""Rate limits per admin for the expensive actions: Probar SMTP, auto-configuration, test mails.

The ``limits`` library directly (not Flask-Limiter): shopmail's counters are consulted only where shopmail
asks for them (``with expensive():`` in its own views), never on a host's request, and only shopmail's own
settings are read (``SHOPMAIL_RATE_LIMIT``, ``SHOPMAIL_RATELIMIT_STORAGE_URI``), never a host's
``RATELIMIT_*``. Storage: ``SHOPMAIL_RATELIMIT_STORAGE_URI`` if set, else shopmail's Redis when its cache
is Redis (limits hold across processes and machines), else memory. Login has its own lock-out
(shopmail.auth.service).
"""

from __future__ import annotations

from contextlib import contextmanager

from flask import current_app
from flask import g
from flask import request
from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

from shopmail.core.state import state

__all__ = ["RateLimitExceeded", "expensive", "init_app", "limited"]


class RateLimitExceeded(TooManyRequests):
    """An admin went over one of shopmail's limits: a 429 (shopmail's blueprint shows it in Spanish)."""


class Limiter:
    """shopmail's counters for one app: a moving window over ``limits`` storage, under shopmail's prefix."""

    def __init__(self, storage_uri: str, prefix: str):
        self.prefix = prefix
        self.strategy = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def hit(self, rule: str, scope: str, key: str) -> bool:
        """Count one action against every limit in ``rule``; False (nothing counted) when one is spent."""
        items = parse_many(rule)
        identifiers = (self.prefix, scope, key)
        if not all(self.strategy.test(item, *identifiers) for item in items):
            return False
        for item in items:
            self.strategy.hit(item, *identifiers)
        return True


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


def init_app(app) -> Limiter:
    """shopmail's own limiter for ``app``: nothing is installed on the app, no host route is counted."""
    return Limiter(_storage_uri(app.config), f"{app.config.get('SHOPMAIL_CACHE_KEY_PREFIX') or 'shopmail:'}limits")


@contextmanager
def limited(setting: str, scope: str):
    """Count one action of ``scope`` for the current admin against the limits in config key ``setting``
    (e.g. ``"20 per minute; 200 per day"``), or raise ``RateLimitExceeded`` (429)."""
    if not state().limiter.hit(current_app.config[setting], scope, _key()):
        raise RateLimitExceeded()
    yield


def expensive():
    """One budget for every expensive button (Probar SMTP on the form and on the account page,
    auto-configuration, test mails), so an admin cannot go on from another page once it is spent."""
    return limited("SHOPMAIL_RATE_LIMIT", "expensive")
