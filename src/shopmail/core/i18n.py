"""shopmail's own translations: a Flask-Babel ``Domain`` and shopmail's own choice of language.

A guest in a host shop (as Flask-Security is): shopmail's messages live in their own catalog
(``translations/<lang>/LC_MESSAGES/shopmail.mo``, domain ``shopmail``), so they never mix with the
host's ``messages``, and shopmail decides its language itself, so the host's locale selector is never
asked, least of all outside a request (the worker, inline delivery, the CLI):

- on a request: the admin's choice from the language switch, else the browser's Accept-Language,
  else ``SHOPMAIL_DEFAULT_LOCALE``;
- while a ``flask shopmail`` command runs (``operator_locale``): the operator's language from the
  environment, as gettext reads it (``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``), else the default;
- elsewhere outside a request (the delivery it starts, background threads): ``SHOPMAIL_DEFAULT_LOCALE``;
- inside ``use_locale(...)`` (e-mails): exactly that language.

Python code imports ``gettext``/``ngettext``/``lazy_gettext`` from here; shopmail's templates call
``_sm(...)`` and ``shopmail_ngettext(...)`` (a host's own templates keep their ``_``).
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from babel import support
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from flask import session
from flask_babel import Domain
from flask_babel import force_locale
from jinja2.ext import _make_new_gettext
from jinja2.ext import _make_new_ngettext

LANGUAGES = ("es", "en")
DOMAIN = "shopmail"
_TRANSLATIONS = str(Path(__file__).parent.parent / "translations")
#: The environment variables that name the operator's language, in the order GNU gettext reads them.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")
#: The operator's language while a `flask shopmail` command runs (None: the default). A context variable,
#: not ``g``: threads the command starts (inline delivery) do not inherit it and speak the shop's default.
_operator: ContextVar[str | None] = ContextVar("shopmail_operator_locale", default=None)


def default_locale() -> str:
    """The language of shopmail's e-mails and delivery notes, of the CLI when the environment names no
    language shopmail speaks, and of its screens when nobody chose one."""
    configured = current_app.config.get("SHOPMAIL_DEFAULT_LOCALE") if current_app else None
    return configured if configured in LANGUAGES else "es"


def panel_locale() -> str:
    """On a request: the admin's choice (the language switch), else the browser's, else the default."""
    chosen = session.get("shopmail_lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or default_locale()


def environment_locale(environ=None) -> str | None:
    """The language the environment names (``es_ES.UTF-8`` → ``es``), read as gettext does: ``LC_ALL``, then
    ``LC_MESSAGES``, then ``LANG``; a variable that is unset, ``C``/``POSIX`` or a language shopmail does not
    speak passes to the next one. None when none names one."""
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        language = environ.get(name, "").split(".")[0].split("@")[0].split("_")[0].lower()
        if language in LANGUAGES:
            return language
    return None


@contextmanager
def operator_locale(environ=None):
    """Inside the block (a ``flask shopmail`` command) speak the operator's language outside requests and
    ``use_locale``: the environment's (``environment_locale``), else ``SHOPMAIL_DEFAULT_LOCALE``."""
    token = _operator.set(environment_locale(environ))
    try:
        yield
    finally:
        _operator.reset(token)


@contextmanager
def shop_locale():
    """Inside the block speak ``SHOPMAIL_DEFAULT_LOCALE`` again, even in a command: the delivery a command
    runs (the worker) writes its notes and alerts for the shop's admins, not for the operator."""
    token = _operator.set(None)
    try:
        yield
    finally:
        _operator.reset(token)


def current_locale() -> str:
    """The language shopmail speaks right now (never asks the host's locale selector)."""
    forced = g.get("shopmail_locale") if g else None
    if forced:
        return forced
    return panel_locale() if has_request_context() else _operator.get() or default_locale()


@contextmanager
def use_locale(locale: str):
    """Speak ``locale`` inside the block: shopmail's messages, and Flask-Babel's own locale too when the
    host uses Flask-Babel (so a host's shadowed mail template never reaches the host's selector)."""
    locale = locale if locale in LANGUAGES else default_locale()
    previous = g.get("shopmail_locale")
    g.shopmail_locale = locale
    try:
        if "babel" in current_app.extensions:
            with force_locale(locale):
                yield locale
        else:
            yield locale
    finally:
        g.shopmail_locale = previous


class ShopMailDomain(Domain):
    """shopmail's catalog in shopmail's language (``current_locale``), cached per language."""

    def get_translations(self):
        if not g:
            return support.NullTranslations()
        locale = current_locale()
        try:
            return self.cache[locale]
        except KeyError:
            catalog = support.Translations.load(_TRANSLATIONS, [locale], DOMAIN)
            self.cache[locale] = catalog
            return catalog


domain = ShopMailDomain(_TRANSLATIONS, domain=DOMAIN)
gettext = domain.gettext
ngettext = domain.ngettext
lazy_gettext = domain.lazy_gettext


def N_(message: str) -> str:
    """Mark a message for extraction where it cannot be translated yet (module constants kept in caches).
    Templates show such a message through ``shopmail_translate``."""
    return message


def translate(message: str) -> str:
    """The current language's version of a message stored or cached in Spanish (plain text, escaped as usual)."""
    return gettext(message) if message else message


def select_locale() -> str:
    """Flask-Babel's locale selector for the standalone app, where shopmail is the whole site."""
    return current_locale()


def extract_provider_notes(fileobj, keywords, comment_tags, options):
    """Babel extractor for providers.json: every provider's "notes" are shown to admins, so they are messages."""
    for provider in json.load(fileobj).get("providers", []):
        for note in provider.get("notes", ()):
            yield 0, None, note, []


def init_app(app):
    """Give shopmail's templates its translation functions (namespaced: the host's ``_`` stays the host's).

    Nothing is installed on the app and no configuration is written: a host's Flask-Babel, if any, keeps
    its selector, its directories and its catalog.
    """
    # Jinja's "new style" gettext: autoescaping and %(name)s formatting as Flask-Babel's own ``_``.
    app.add_template_global(_make_new_gettext(gettext_for_templates), "_sm")
    app.add_template_global(_make_new_ngettext(ngettext_for_templates), "shopmail_ngettext")
    app.add_template_global(translate, "shopmail_translate")
    app.add_template_global(current_locale, "shopmail_locale")


def gettext_for_templates(message: str) -> str:
    """The plain translation (Jinja's wrapper formats and escapes)."""
    return domain.get_translations().ugettext(message)


def ngettext_for_templates(singular: str, plural: str, num: int) -> str:
    """The plain plural translation (Jinja's wrapper formats and escapes)."""
    return domain.get_translations().ungettext(singular, plural, num)
