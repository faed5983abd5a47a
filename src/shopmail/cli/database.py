"""`flask shopmail db-upgrade`: shopmail's own tables, without taking over `flask db`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from shopmail.cli.output import emit
from shopmail.cli.output import json_option
from shopmail.core import migrate
from shopmail.core.i18n import gettext as _


@click.command("db-upgrade")
@json_option
@with_appcontext
def db_upgrade(as_json):
    """Create or upgrade shopmail's tables."""
    migrate.upgrade()
    emit({"ok": True}, as_json, _("Base de datos de shopmail al día."))


COMMANDS = [db_upgrade]
