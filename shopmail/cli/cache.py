"""`flask shopmail cache clear`: empty shopmail's own cache namespace."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from shopmail.core.state import clear_cache


@click.group("cache", cls=AppGroup)
def cache_group():
    """shopmail's cache."""


@cache_group.command("clear")
def cache_clear():
    """Empty shopmail's cache namespace."""
    clear_cache()
    click.echo("Caché de shopmail vaciada.")


COMMANDS = [cache_group]
