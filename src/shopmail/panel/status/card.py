"""The status page's card on the home page: the set-up (configuration, the sender's DNS) and the account."""

from __future__ import annotations

from flask import url_for

from shopmail.core.i18n import gettext as _
from shopmail.panel.ui import Card
from shopmail.services.status import status

#: Not green without an account that passed its test, whatever the configuration says.
_ACCOUNT = ("no_account", "account_held", "account_untested", "backup_in_use")


def card() -> Card:
    """The home page's card: the same verdict as the status page, its set-up and account part (no SMTP traffic)."""
    shown = [p for p in status().problems if p.area == "setup" or p.code in _ACCOUNT]
    levels = [p.level for p in shown]
    worst = "error" if "error" in levels else ("warning" if "warning" in levels else "ok")
    lines = [p.message for p in shown] or [_("Configuración y DNS del remitente correctos.")]
    return Card(worst, _("Salud del correo"), lines, url_for("shopmail.status.index"), _("Ver el estado"))
