"""`flask shopmail rotate-key`: re-encrypt stored secrets with the first key."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from shopmail.cli.output import fail
from shopmail.core.crypto import rotate_all
from shopmail.core.crypto import SecretKeyError


@click.command("rotate-key")
@with_appcontext
def rotate_key():
    """Re-encrypt every stored secret with the first key of SHOPMAIL_ENCRYPTION_KEYS."""
    try:
        count = rotate_all()
    except SecretKeyError as exc:
        fail(str(exc))
    click.echo(f"Secretos recifrados con la primera clave: {count}")


COMMANDS = [rotate_key]
