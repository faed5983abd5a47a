"""`flask shopmail settings show|set`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from shopmail.cli.output import emit
from shopmail.cli.output import fail
from shopmail.cli.output import json_option
from shopmail.cli.output import labelled
from shopmail.cli.output import simulation
from shopmail.core import addresses
from shopmail.core import settings
from shopmail.core.i18n import gettext as _


@click.group("settings", cls=AppGroup)
def settings_group():
    """General settings → Communications (Comunicaciones)."""


def _data(snap) -> dict:
    """The settings' JSON shape, plus the sending and backup accounts' addresses."""
    account, backup = settings.sending_account(snap), settings.backup_account(snap)
    return {**snap.to_dict(), "sending_account_address": account.address if account else None,
            "backup_account_address": backup.address if backup else None}


def _account_id(value: str | None) -> int | None:
    """An account id option: a number, or 'none'."""
    return None if value.strip().lower() == "none" else int(value)


def _text(snap) -> str:
    account, backup = settings.sending_account(snap), settings.backup_account(snap)
    return labelled([
        (_("Cuenta de envío"), account.address if account else "—"),
        (_("Cuenta de respaldo"), backup.address if backup else "—"),
        (_("Correo público de contacto"), snap.contact_email or "—"),
        (_("Correos de administrador"), ", ".join(snap.admin_emails) or "—"),
        (_("Modo simulación"), simulation(snap.simulation, snap.simulation_locked)),
    ])


@settings_group.command("show")
@json_option
def show(as_json):
    """Show the Communications settings."""
    snap = settings.get()
    emit(_data(snap), as_json, _text(snap))


@settings_group.command("set")
@click.option("--account", "account_id", help="Id of the sending account ('none' for none).")
@click.option("--backup-account", "backup_id",
              help="Id of the backup account (Cuenta de respaldo) that sends while the sending account cannot "
                   "('none' for none).")
@click.option("--contact-email", help="The shop's public contact address ('' to clear it).")
@click.option("--admin-emails", help="Admin addresses that receive order notices, comma-separated.")
@click.option("--simulation", type=click.Choice(["on", "off"]),
              help="Simulation mode: keep messages on the server instead of sending them.")
@json_option
def set_(account_id, backup_id, contact_email, admin_emails, simulation, as_json):
    """Change the Communications settings (saving clears the cache)."""
    changes = {}
    try:
        if account_id is not None:
            changes["sending_account_id"] = _account_id(account_id)
        if backup_id is not None:
            changes["backup_account_id"] = _account_id(backup_id)
        if contact_email is not None:
            changes["contact_email"] = addresses.normalize(contact_email) if contact_email else ""
        if admin_emails is not None:
            changes["admin_emails"] = addresses.parse_list(admin_emails)
    except (ValueError, addresses.AddressError) as exc:
        raise click.UsageError(str(exc)) from None
    if simulation is not None:
        changes["simulation"] = simulation == "on"
    if not changes:
        raise click.UsageError(_("Nada que cambiar: indique al menos una opción."))
    try:
        snap = settings.save(**changes)
    except settings.SettingsError as exc:
        fail(str(exc), 1, as_json)
    if simulation == "off" and snap.simulation_locked:
        click.echo(_("Aviso: SHOPMAIL_SIMULATION_LOCK mantiene el modo simulación activo."), err=True)
    emit({"ok": True, "settings": _data(snap)}, as_json, _text(snap))


COMMANDS = [settings_group]
