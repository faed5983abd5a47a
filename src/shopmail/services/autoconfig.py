"""Intentar configuración automática for the shop: ``smtp.autoconfig`` with the app's settings and cache."""

from __future__ import annotations

from flask import current_app
from flask import has_app_context

from shopmail.core.state import is_set_up
from shopmail.core.state import state
from shopmail.smtp.autoconfig import discover as search
from shopmail.smtp.autoconfig.discover import Discovery


def discover(address: str, username: str | None = None, password: str | None = None, *,
             config=None) -> Discovery:
    """Find (and with ``password`` verify) the SMTP settings for ``address``.

    ``config`` defaults to the current app's; inside an app with shopmail, each domain's findings are kept
    in shopmail's cache for a while (never user names, passwords or verification).
    """
    config = current_app.config if config is None else config
    cache = state().cache if has_app_context() and is_set_up(current_app) else None
    return search.discover(address, username, password, config=config, cache=cache)
