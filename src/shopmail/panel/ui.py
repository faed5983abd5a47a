"""Template globals of the admin layout: navigation, banners, language, logout."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from flask import make_response
from flask import request
from flask import url_for
from flask_wtf.csrf import generate_csrf

from shopmail.smtp.reason_titles import title as reason_title

#: A stored or previewed mail's HTML is served with this policy (in a sandboxed frame): no script, no
#: fetches, no forms; its inline styles stay.
MAIL_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
            "sandbox; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")


def mail_html_response(html: str):
    """A mail's HTML part as a response for a sandboxed frame of the panel."""
    response = make_response(html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = MAIL_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


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


@dataclass(frozen=True)
class Card:
    """A screen's card on the home page."""

    level: str
    title: str
    lines: list
    link: str | None = None
    link_text: str | None = None


@dataclass(frozen=True)
class NavEntry:
    """A screen's entry in the navigation: (group, endpoint, label), as the shop's help page names it."""

    group: object
    endpoint: str
    label: object


@dataclass(frozen=True)
class Screen:
    """What one screen adds to the panel: its blueprints, and where it shows outside its own pages."""

    blueprints: tuple
    nav: NavEntry | None = None
    banners: Callable[[], list[Banner]] | None = None
    card: Callable[[], Card] | None = None


def nav(screens) -> list[NavItem]:
    """Entries for the screens this app has (features appear as they are registered)."""
    endpoints = {rule.endpoint for rule in current_app.url_map.iter_rules()}
    here = request.blueprint or ""
    entries = [screen.nav for screen in screens if screen.nav is not None]
    return [
        NavItem(str(e.group) if e.group else None, str(e.label), url_for(e.endpoint),
                here == e.endpoint.rsplit(".", 1)[0])
        for e in entries
        if e.endpoint in endpoints
    ]


def banners(screens) -> list[Banner]:
    """Banners for every admin page (e.g. simulation mode is on)."""
    return [banner for screen in screens if screen.banners is not None for banner in screen.banners()]


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


def when(value) -> str:
    """A moment as the panel shows it everywhere: "29/11/2026 17:05 UTC" (a datetime or an ISO string)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%d/%m/%Y %H:%M") + " UTC"


def init_app(app, screens) -> None:
    """Make the globals available to shopmail's templates (namespaced, so a host's stay untouched)."""
    app.add_template_global(lambda: nav(screens), "shopmail_nav")
    app.add_template_global(lambda: banners(screens), "shopmail_banners")
    app.add_template_global(can_logout, "shopmail_can_logout")
    app.add_template_global(reason_title, "shopmail_reason")
    app.add_template_global(when, "shopmail_when")
    # Flask-WTF's CSRFProtect defines this global; shopmail checks tokens itself, so a host need not use it.
    app.jinja_env.globals.setdefault("csrf_token", generate_csrf)
