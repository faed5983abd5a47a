"""`flask shopmail …`: a thin shell over the same services the screens use.

Exit 0 on success, 1 when the operation failed, 2 on usage errors (click's own).
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from shopmail.core import text as safe


class _ShopMailGroup(AppGroup):
    """Turns a missing or wrong encryption key into its clear message and exit code 1, anywhere below."""

    def invoke(self, ctx):
        from shopmail.core.crypto import SecretKeyError

        try:
            return super().invoke(ctx)
        except SecretKeyError as exc:
            say(str(exc), err=True)
            ctx.exit(1)


shopmail_cli = _ShopMailGroup("shopmail", help="Correo de la tienda: cuentas, ajustes, envíos.")


def emit(data, as_json: bool, text: str | None = None) -> None:
    """Print one JSON document, or the human text; neither can carry a terminal escape sequence (server
    replies and auto-configuration findings end up in both)."""
    if as_json:
        click.echo(safe.json_for_terminal(json.dumps(data, ensure_ascii=False, default=str, indent=2)))
    elif text is not None:
        click.echo(safe.for_terminal(text))


def say(text: str, err: bool = False) -> None:
    """Print a line that may hold remote text (see ``emit``)."""
    click.echo(safe.for_terminal(text), err=err)


def fail(message: str, code: int = 1):
    """Say what went wrong on stderr and exit with ``code``."""
    say(message, err=True)
    sys.exit(code)


def read_password(value: str | None) -> str | None:
    """``--password -`` reads the password from stdin, so it never lands in the shell history."""
    if value == "-":
        return sys.stdin.readline().rstrip("\r\n")
    return value


@shopmail_cli.command("db-upgrade")
def db_upgrade():
    """Create or upgrade shopmail's tables."""
    from shopmail.core import migrate

    migrate.upgrade()
    click.echo("Base de datos de shopmail al día.")


@shopmail_cli.command("create-admin")
@click.argument("email")
@click.option("--password", help="Contraseña ('-' la lee de stdin); sin ella se genera una.")
def create_admin(email, password):
    """Create an admin of the standalone panel."""
    from shopmail.auth.service import AdminError
    from shopmail.auth.service import create_admin as create

    try:
        admin, generated = create(email, read_password(password))
    except AdminError as exc:
        fail(str(exc))
    click.echo(f"Administrador creado: {admin.email}")
    if password is None:
        click.echo(f"Contraseña: {generated}")


@shopmail_cli.command("ensure-admin")
def ensure_admin():
    """Make sure an admin exists (SHOPMAIL_ADMIN_EMAIL / SHOPMAIL_ADMIN_PASSWORD, or a generated one)."""
    import os

    from sqlalchemy import select

    from shopmail.auth.service import AdminError
    from shopmail.auth.service import create_admin as create
    from shopmail.auth.service import find
    from shopmail.core.models import Admin
    from shopmail.core.state import session

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


@shopmail_cli.command("rotate-key")
def rotate_key():
    """Re-encrypt every stored secret with the first key of SHOPMAIL_ENCRYPTION_KEYS."""
    from shopmail.core.crypto import rotate_all
    from shopmail.core.crypto import SecretKeyError

    try:
        count = rotate_all()
    except SecretKeyError as exc:
        fail(str(exc))
    click.echo(f"Secretos recifrados con la primera clave: {count}")


@shopmail_cli.group("cache")
def cache_group():
    """shopmail's cache."""


@cache_group.command("clear")
def cache_clear():
    """Empty shopmail's cache namespace."""
    from shopmail.core.state import clear_cache

    clear_cache()
    click.echo("Caché de shopmail vaciada.")


@shopmail_cli.command("dev-smtp")
@click.option("--port", default=2525, show_default=True, type=click.IntRange(1, 65535))
@click.option("--host", default="127.0.0.1", show_default=True)
def dev_smtp(port, host):
    """A local capture SMTP server to try the panel without a real mailbox."""
    from shopmail.core.extras import require

    require("aiosmtpd", "dev")
    from shopmail.devsmtp import serve

    serve(host, port)


def register_feature_commands() -> None:
    """Attach each feature's commands (kept beside the feature)."""
    import importlib

    for module in FEATURE_CLI_MODULES:
        for command in importlib.import_module(module, __package__).COMMANDS:
            shopmail_cli.add_command(command)


#: Feature modules whose ``COMMANDS`` join ``flask shopmail``.
FEATURE_CLI_MODULES: list[str] = [".health_cli", ".accounts.cli", ".communications.cli", ".outbox.cli"]
