"""`flask shopmail wording list|show|set|restore`: Plantillas de correo from the terminal."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from shopmail.cli.output import confirm
from shopmail.cli.output import emit
from shopmail.cli.output import fail
from shopmail.cli.output import json_option
from shopmail.core.i18n import default_locale
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import LANGUAGES
from shopmail.services import wording

KIND = click.Choice(list(wording.KINDS))
locale_option = click.option("--locale", type=click.Choice(list(LANGUAGES)), default=None,
                             help="The mails' language (default: SHOPMAIL_DEFAULT_LOCALE).")


def _item(kind: str, locale: str, texts: wording.Texts) -> dict:
    return {"kind": kind, "locale": locale, "custom": texts.custom, "subject": texts.subject,
            "intro": texts.intro, "closing": texts.closing}


def _text(item: dict) -> str:
    state = _("personalizado") if item["custom"] else _("original")
    lines = [f"{item['kind']} ({item['locale']}, {state})", "  " + _("Asunto") + f": {item['subject']}",
             "  " + _("Introducción") + f": {item['intro']}"]
    if item["closing"]:
        lines.append("  " + _("Despedida") + f": {item['closing']}")
    return "\n".join(lines)


@click.group("wording", cls=AppGroup)
def wording_group():
    """Plantillas de correo: the subject and texts of each kind of mail."""


@wording_group.command("list")
@locale_option
@json_option
def wording_list(locale, as_json):
    """Every kind of mail with its wording (the shop's own or the original)."""
    locale = locale or default_locale()
    items = [_item(kind, locale, wording.texts(kind, locale)) for kind in wording.KINDS]
    emit(items, as_json, "\n".join(_text(item) for item in items))


@wording_group.command("show")
@click.argument("kind", type=KIND)
@locale_option
@json_option
def wording_show(kind, locale, as_json):
    """The wording of KIND."""
    locale = locale or default_locale()
    item = _item(kind, locale, wording.texts(kind, locale))
    emit(item, as_json, _text(item))


@wording_group.command("set")
@click.argument("kind", type=KIND)
@locale_option
@click.option("--subject", help="Asunto; placeholders such as {order_number}. Unchanged when left out.")
@click.option("--intro", help="The opening text. Unchanged when left out.")
@click.option("--closing", help="Despedida (empty for none). Unchanged when left out.")
@json_option
def wording_set(kind, locale, subject, intro, closing, as_json):
    """Save the shop's own wording of KIND (the same checks as the screen)."""
    locale = locale or default_locale()
    current = wording.texts(kind, locale)
    try:
        saved = wording.save(kind, locale, current.subject if subject is None else subject,
                             current.intro if intro is None else intro,
                             current.closing if closing is None else closing)
    except wording.WordingError as exc:
        fail(f"{exc.field}: {exc}", 1, as_json)
    item = _item(kind, locale, saved)
    emit({"ok": True, **item}, as_json, _text(item))


@wording_group.command("restore")
@click.argument("kind", type=KIND)
@locale_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
def wording_restore(kind, locale, yes, as_json):
    """Restaurar original: forget the shop's wording of KIND."""
    locale = locale or default_locale()
    confirm(_("¿Volver al texto original? Se perderá el texto de la tienda."), yes, as_json)
    item = _item(kind, locale, wording.restore(kind, locale))
    emit({"ok": True, **item}, as_json, _text(item))


COMMANDS = [wording_group]
