"""`flask shopmail create-admin` and `ensure-admin`: the standalone panel's admins."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from shopmail.cli.output import emit
from shopmail.cli.output import fail
from shopmail.cli.output import json_option
from shopmail.cli.output import read_password
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Admin
from shopmail.core.state import session
from shopmail.services.admins import AdminError
from shopmail.services.admins import AdminInputError
from shopmail.services.admins import create_admin as create
from shopmail.services.admins import find


@click.command("create-admin")
@click.argument("email")
@click.option("--password", help="Password ('-' reads it from stdin); without it one is generated.")
@json_option
@with_appcontext
def create_admin(email, password, as_json):
    """Create an admin of the standalone panel."""
    try:
        admin, generated = create(email, read_password(password))
    except AdminError as exc:
        fail(str(exc), 2 if isinstance(exc, AdminInputError) else 1, as_json)
    shown = generated if password is None else None
    emit({"ok": True, "email": admin.email, "password": shown}, as_json,
         _("Administrador creado: %(email)s", email=admin.email) + ("\n" + _("Contraseña") + f": {shown}" if shown else ""))


@click.command("ensure-admin")
@json_option
@with_appcontext
def ensure_admin(as_json):
    """Make sure an admin exists (SHOPMAIL_ADMIN_EMAIL / SHOPMAIL_ADMIN_PASSWORD, or a generated one)."""
    email = os.environ.get("SHOPMAIL_ADMIN_EMAIL")
    if email:
        created = find(email) is None
        if created:
            try:
                create(email, os.environ.get("SHOPMAIL_ADMIN_PASSWORD"))
            except AdminError as exc:
                fail(str(exc), 1, as_json)
        emit({"ok": True, "created": created, "email": email, "password": None}, as_json,
             _("Administrador creado: %(email)s", email=email) if created else None)
        return
    if session().scalars(select(Admin).limit(1)).first() is not None:
        emit({"ok": True, "created": False, "email": None, "password": None}, as_json)
        return
    admin, password = create("admin@example.com")
    banner = "=" * 60
    emit({"ok": True, "created": True, "email": admin.email, "password": password}, as_json, "\n".join([
        banner, "  " + _("Administrador") + f": {admin.email}", "  " + _("Contraseña") + f":    {password}",
        "  " + _("(se muestra solo esta vez; guárdela ahora)"), banner]))


COMMANDS = [create_admin, ensure_admin]
