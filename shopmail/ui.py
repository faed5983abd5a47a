"""Template globals of the admin layout: navigation, banners, language, logout."""

from __future__ import annotations

import importlib
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask import request
from flask import url_for

from shopmail.core.i18n import lazy_gettext as _l

#: The navigation, as the shop's help page names it: (group, endpoint, label).
NAV = [
    (_l("Ajustes"), "shopmail.accounts.index", _l("Cuentas de correo")),
    (_l("Ajustes generales"), "shopmail.communications.edit", _l("Comunicaciones")),
    (None, "shopmail.outbox.index", _l("Registro de envíos")),
    (None, "shopmail.status.index", _l("Estado")),
    (None, "shopmail.audit.index", _l("Auditoría")),
]

#: Modules with a ``banners()`` function returning the banners every admin page shows.
BANNERS: list[str] = [".communications.status"]


@dataclass(frozen=True)
class NavItem:
    group: str | None
    label: str
    url: str
    current: bool


@dataclass(frozen=True)
class Banner:
    level: str
    text: str


def nav() -> list[NavItem]:
    """Entries for the screens this app has (features appear as they are registered)."""
    endpoints = {rule.endpoint for rule in current_app.url_map.iter_rules()}
    here = request.blueprint or ""
    return [
        NavItem(str(group) if group else None, str(label), url_for(endpoint),
                here == endpoint.rsplit(".", 1)[0])
        for group, endpoint, label in NAV
        if endpoint in endpoints
    ]


def banners() -> list[Banner]:
    """Banners for every admin page (e.g. simulation mode is on)."""
    found = []
    for name in BANNERS:
        found.extend(importlib.import_module(name, __package__).banners())
    return found


def is_local_path(target: str | None) -> bool:
    """Whether ``target`` is a path on this site *as a browser will read it* (Django's
    ``url_has_allowed_host_and_scheme`` with no allowed host is the model).

    Browsers drop tabs and line breaks anywhere in a URL and read "\\" as "/" (WHATWG URL), and Werkzeug
    drops some of them too: "/\t/evil.com" becomes "//evil.com", another site. So a path must start with
    one "/", and hold no backslash, no white space and no control or invisible character at all.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if any(ch == "\\" or ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str:
    """``target`` if it is a local path (no open redirect), else the panel's home page."""
    return target if is_local_path(target) else url_for("shopmail.home")


def can_logout() -> bool:
    return "shopmail.auth.logout" in current_app.view_functions


def init_app(app) -> None:
    """Make the globals available to shopmail's templates (namespaced, so a host's stay untouched)."""
    app.add_template_global(nav, "shopmail_nav")
    app.add_template_global(banners, "shopmail_banners")
    app.add_template_global(can_logout, "shopmail_can_logout")
    # Flask-WTF's CSRFProtect defines this global; shopmail checks tokens itself, so a host need not use it.
    from flask_wtf.csrf import generate_csrf

    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)
