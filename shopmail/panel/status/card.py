"""The status page's card on the home page: the doctor's checks and the account's state, at a glance."""

from __future__ import annotations

from flask import url_for

from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.panel.ui import Card
from shopmail.services import doctor
from shopmail.services.status import status


def card() -> Card:
    """The home page's card: the doctor's checks, without testing the account (no SMTP traffic)."""
    checks = doctor.configuration_checks()
    snap = settings.get()
    account = settings.sending_account(snap)
    if account is not None and checks[-1].level != "error":
        checks.extend(doctor.cached_domain_checks(account.address.rsplit("@", 1)[-1]))
    # Not green without an account that passed its test, whatever the configuration says.
    account_problems = [p for p in status().problems if p.code in ("no_account", "account_held", "account_untested")]
    levels = [c.level for c in checks] + [p.level for p in account_problems]
    worst = "error" if "error" in levels else ("warning" if "warning" in levels else "ok")
    lines = [p.message for p in account_problems] + [c.message for c in checks if c.level != "ok"] \
        or [_("Configuración y DNS del remitente correctos.")]
    return Card(worst, _("Salud del correo"), lines, url_for("shopmail.status.index"), _("Ver el estado"))
