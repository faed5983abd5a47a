"""`flask shopmail settings show|set`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from shopmail.cli.output import emit
from shopmail.cli.output import fail
from shopmail.core import addresses
from shopmail.core import settings


@click.group("settings", cls=AppGroup)
def settings_group():
    """Ajustes generales → Comunicaciones."""


def _text(snap) -> str:
    return "\n".join([
        f"Cuenta de envío: {snap.sending_account_id or '—'}",
        f"Correo público de contacto: {snap.contact_email or '—'}",
        f"Correos de administrador: {', '.join(snap.admin_emails) or '—'}",
        f"Modo simulación: {'sí' if snap.simulation else 'no'}{' (bloqueado)' if snap.simulation_locked else ''}",
    ])


@settings_group.command("show")
@click.option("--json", "as_json", is_flag=True)
def show(as_json):
    """Show the Communications settings."""
    snap = settings.get()
    emit(snap.to_dict(), as_json, _text(snap))


@settings_group.command("set")
@click.option("--account", "account_id", help="Id de la cuenta de envío ('none' para ninguna).")
@click.option("--contact-email")
@click.option("--admin-emails")
@click.option("--simulation", type=click.Choice(["on", "off"]))
def set_(account_id, contact_email, admin_emails, simulation):
    """Change the Communications settings (saving clears the cache)."""
    changes = {}
    try:
        if account_id is not None:
            changes["sending_account_id"] = None if account_id.lower() == "none" else int(account_id)
        if contact_email is not None:
            changes["contact_email"] = addresses.normalize(contact_email) if contact_email else ""
        if admin_emails is not None:
            changes["admin_emails"] = addresses.parse_list(admin_emails)
    except (ValueError, addresses.AddressError) as exc:
        raise click.UsageError(str(exc)) from None
    if simulation is not None:
        changes["simulation"] = simulation == "on"
    if not changes:
        raise click.UsageError("Nada que cambiar: indique al menos una opción.")
    try:
        snap = settings.save(**changes)
    except settings.SettingsError as exc:
        fail(str(exc))
    if simulation == "off" and snap.simulation_locked:
        click.echo("Aviso: SHOPMAIL_SIMULATION_LOCK mantiene el modo simulación activo.", err=True)
    click.echo(_text(snap))


COMMANDS = [settings_group]
