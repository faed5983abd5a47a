"""`flask shopmail purge`: retention, the same purge the workers run once a day."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from shopmail.cli.output import confirm
from shopmail.cli.output import emit
from shopmail.cli.output import json_option
from shopmail.cli.output import when
from shopmail.core.i18n import gettext as _
from shopmail.services import retention


def _kept(days: int, before: str | None) -> str:
    return (_("anteriores al %(date)s (%(days)s días)", date=when(before), days=days) if before
            else _("(ninguno: conservación 0, para siempre)"))


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@with_appcontext
def purge(dry_run, yes, as_json):
    """Remove the content of old sent/cancelled mail (SHOPMAIL_RETENTION_DAYS; headers, status and
    Message-ID stay) and old audit lines (SHOPMAIL_AUDIT_RETENTION_DAYS)."""
    if not dry_run:
        confirm(_("¿Borrar el contenido de los correos antiguos y las líneas de auditoría antiguas?"), yes, as_json)
    data = retention.purge(dry_run=dry_run).to_dict()
    if dry_run:
        bodies = _("Se borraría el contenido de %(count)s correos enviados o cancelados %(kept)s.")
        lines = _("Se borrarían %(count)s líneas de auditoría %(kept)s.")
    else:
        bodies = _("Borrado el contenido de %(count)s correos enviados o cancelados %(kept)s.")
        lines = _("Borradas %(count)s líneas de auditoría %(kept)s.")
    emit(data, as_json, "\n".join([
        bodies % {"count": data["bodies_purged"], "kept": _kept(data["retention_days"], data["bodies_before"])},
        lines % {"count": data["audit_purged"], "kept": _kept(data["audit_retention_days"], data["audit_before"])},
    ]))


COMMANDS = [purge]
