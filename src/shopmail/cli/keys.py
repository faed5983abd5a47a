"""`flask shopmail rotate-key`: re-encrypt stored secrets with the first key."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from shopmail.cli.output import emit
from shopmail.cli.output import fail
from shopmail.cli.output import json_option
from shopmail.core.crypto import rotate_all
from shopmail.core.crypto import SecretKeyError
from shopmail.core.i18n import gettext as _


@click.command("rotate-key")
@json_option
@with_appcontext
def rotate_key(as_json):
    """Re-encrypt every stored secret with the first key of SHOPMAIL_ENCRYPTION_KEYS."""
    try:
        count = rotate_all()
    except SecretKeyError as exc:
        fail(str(exc), 1, as_json)
    emit({"ok": True, "reencrypted": count}, as_json, _("Secretos recifrados con la primera clave: %(count)s", count=count))


COMMANDS = [rotate_key]
