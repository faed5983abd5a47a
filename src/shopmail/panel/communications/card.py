"""What every admin page and the home page say about Comunicaciones."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.models import Account
from shopmail.core.state import session
from shopmail.delivery import failover
from shopmail.panel.ui import Banner
from shopmail.panel.ui import Card
from shopmail.smtp.reason_titles import title


def banners() -> list[Banner]:
    """The simulation banner, on every admin page while it is on."""
    snap = settings.get()
    if not snap.simulation:
        return []
    if snap.simulation_locked:
        return [Banner("warning", _("Modo simulación activo y bloqueado por la configuración del servidor: "
                                    "ningún correo llega a sus destinatarios."))]
    return [Banner("warning", _("Modo simulación activo: el correo se queda en el servidor y no llega a "
                                "los destinatarios."))]


def card() -> Card:
    """The home page's card for Comunicaciones."""
    snap = settings.get()
    lines = []
    level = "ok"
    account = settings.sending_account(snap)
    if account is None:
        level = "error"
        lines.append(_("No hay cuenta de envío: los correos a clientes esperan (retenidos) hasta que elija una."))
    else:
        lines.append(_("Cuenta de envío: %(a)s", a=account.address))
        backup = settings.backup_account(snap)
        if backup is not None:
            lines.append(_("Cuenta de respaldo: %(a)s", a=backup.address))
        if failover.standing_in(account, backup):
            level = "error" if account.held_reason else "warning"
            lines.append(_("El correo sale ahora por la cuenta de respaldo %(b)s: la cuenta de envío no puede "
                           "enviar (%(r)s).", b=backup.address, r=title(account.held_reason) or _("servidor sin respuesta")))
        elif account.held_reason:
            level = "error"
            lines.append(_("La cuenta necesita atención (%(r)s): su correo está retenido.", r=title(account.held_reason)))
    lines.append(_("Correo público de contacto: %(a)s", a=snap.contact_email or "—"))
    if snap.admin_emails:
        lines.append(_("Avisos de pedido a: %(a)s", a=", ".join(snap.admin_emails)))
    else:
        lines.append(_("Sin correos de administrador: nadie recibe el aviso de pedido."))
        level = "warning" if level == "ok" else level
    if snap.simulation:
        lines.append(_("Modo simulación activo."))
        level = "warning" if level == "ok" else level
    if account is None:
        return Card(level, _("Comunicaciones"), lines, *_next_step())
    return Card(level, _("Comunicaciones"), lines, url_for("shopmail.communications.edit"),
                  _("Ir a Comunicaciones"))


def _next_step() -> tuple[str, str]:
    """Where a shop without a sending account goes next: the first step that is actually missing."""
    tested = session().scalars(select(Account.last_test_ok)).all()
    if not tested:
        return url_for("shopmail.accounts.new"), _("Crear la primera cuenta de correo")
    if not any(tested):
        return url_for("shopmail.accounts.index"), _("Probar una de sus cuentas (Probar SMTP)")
    return url_for("shopmail.communications.edit"), _("Elegir la cuenta de envío en Comunicaciones")
