"""`flask shopmail create-admin` and `ensure-admin`: the standalone panel's admins."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from shopmail.cli.output import fail
from shopmail.cli.output import read_password
from shopmail.core.models import Admin
from shopmail.core.state import session
from shopmail.services.admins import AdminError
from shopmail.services.admins import create_admin as create
from shopmail.services.admins import find


@click.command("create-admin")
@click.argument("email")
@click.option("--password", help="Contraseña ('-' la lee de stdin); sin ella se genera una.")
@with_appcontext
def create_admin(email, password):
    """Create an admin of the standalone panel."""
    try:
        admin, generated = create(email, read_password(password))
    except AdminError as exc:
        fail(str(exc))
    click.echo(f"Administrador creado: {admin.email}")
    if password is None:
        click.echo(f"Contraseña: {generated}")


@click.command("ensure-admin")
@with_appcontext
def ensure_admin():
    """Make sure an admin exists (SHOPMAIL_ADMIN_EMAIL / SHOPMAIL_ADMIN_PASSWORD, or a generated one)."""
    email = os.environ.get("SHOPMAIL_ADMIN_EMAIL")
    if email:
        if find(email) is None:
            try:
                create(email, os.environ.get("SHOPMAIL_ADMIN_PASSWORD"))
            except AdminError as exc:
                fail(str(exc))
            click.echo(f"Administrador creado: {email}")
        return
    if session().scalars(select(Admin).limit(1)).first() is not None:
        return
    admin, password = create("admin@example.com")
    click.echo("=" * 60)
    click.echo(f"  Administrador: {admin.email}")
    click.echo(f"  Contraseña:    {password}")
    click.echo("  (se muestra solo esta vez; guárdela ahora)")
    click.echo("=" * 60)


COMMANDS = [create_admin, ensure_admin]
