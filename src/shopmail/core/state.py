"""shopmail's per-application state: the only reader of ``app.extensions["shopmail"]``.

The extension writes the state once in ``init_app``; everything else reads it through these functions, so the
wiring (extension.py) and the parts it wires never import each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_caching import Cache


@dataclass
class State:
    """What shopmail keeps per application, in ``app.extensions["shopmail"]``."""

    extension: object  # the ShopMail instance, for a host that holds only the app
    db: object
    cache: Cache
    admin_guard: object
    current_admin: object
    limiter: object = None


def state() -> State:
    """shopmail's state for the current application."""
    try:
        return current_app.extensions["shopmail"]
    except KeyError:
        raise RuntimeError("shopmail is not set up on this app: call ShopMail(app) first.") from None


def is_set_up(app) -> bool:
    """Whether shopmail is set up on ``app`` (a host's signal may reach an app without it)."""
    return "shopmail" in app.extensions


def session():
    """The SQLAlchemy session shopmail works in (the host's, when embedded)."""
    return state().db.session


def clear_cache() -> None:
    """Empty shopmail's own cache namespace (never the host's)."""
    state().cache.clear()
