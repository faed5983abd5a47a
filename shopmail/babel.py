"""Flask-Babel set-up: Spanish by default, English available (browser language or the switch)."""

from __future__ import annotations

import json
from pathlib import Path

from flask import current_app
from flask import request
from flask import session
from flask_babel import Babel
from flask_babel import gettext

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


def N_(message: str) -> str:
    """Mark a message for extraction where it cannot be translated yet (module constants kept in caches).
    Templates show such a message through ``shopmail_translate``."""
    return message


def translate(message: str) -> str:
    """The current language's version of a message stored or cached in Spanish (plain text, escaped as usual)."""
    return gettext(message) if message else message


def extract_provider_notes(fileobj, keywords, comment_tags, options):
    """Babel extractor for providers.json: every provider's "notes" are shown to admins, so they are messages."""
    for provider in json.load(fileobj).get("providers", []):
        for note in provider.get("notes", ()):
            yield 0, None, note, []


def init_app(app):
    """Install Flask-Babel unless the host already did; add shopmail's catalogs either way."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "es")
    dirs = app.config.get("BABEL_TRANSLATION_DIRECTORIES", "translations")
    if _TRANSLATIONS not in dirs.split(";"):
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = f"{dirs};{_TRANSLATIONS}"
    if "babel" not in app.extensions:
        Babel(app, locale_selector=select_locale)
    app.add_template_global(translate, "shopmail_translate")
