"""`flask shopmail cache clear`: empty shopmail's own cache namespace."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from shopmail.cli.output import emit
from shopmail.cli.output import json_option
from shopmail.core.i18n import gettext as _
from shopmail.core.state import clear_cache


@click.group("cache", cls=AppGroup)
def cache_group():
    """shopmail's cache."""


@cache_group.command("clear")
@json_option
def cache_clear(as_json):
    """Empty shopmail's cache namespace."""
    clear_cache()
    emit({"ok": True}, as_json, _("Caché de shopmail vaciada."))


COMMANDS = [cache_group]
