"""`flask shopmail db-upgrade`: shopmail's own tables, without taking over `flask db`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from shopmail.core import migrate


@click.command("db-upgrade")
@with_appcontext
def db_upgrade():
    """Create or upgrade shopmail's tables."""
    migrate.upgrade()
    click.echo("Base de datos de shopmail al día.")


COMMANDS = [db_upgrade]
