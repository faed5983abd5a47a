"""Flask-Babel set-up: Spanish by default, English available (browser language or the switch)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask import request
from flask import session
from flask_babel import Babel

LANGUAGES = ("es", "en")
_TRANSLATIONS = str(Path(__file__).parent / "translations")


def select_locale() -> str:
    """The language the admin chose, else the browser's (Accept-Language), else the default (Spanish)."""
    if not request:
        return current_app.config.get("BABEL_DEFAULT_LOCALE", "es")
    chosen = session.get("shopmail_lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or current_app.config.get("BABEL_DEFAULT_LOCALE", "es")


def init_app(app):
    """Install Flask-Babel unless the host already did; add shopmail's catalogs either way."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "es")
    dirs = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations")
    if _TRANSLATIONS not in dirs.split(";"):
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"{dirs};{_TRANSLATIONS}"
    if "babel" not in app.extensions:
        Babel(app, locale_selector=select_locale)
