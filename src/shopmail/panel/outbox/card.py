"""The home page's summary of sending: held mail and why, failures, what waits, simulation."""

from __future__ import annotations

import datetime as dt

from flask import url_for
from sqlalchemy import func
from sqlalchemy import select

from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import ngettext
from shopmail.core.models import OutboxMessage
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.delivery import history
from shopmail.delivery import statuses
from shopmail.panel.ui import Card
from shopmail.services import status
from shopmail.smtp.reason_titles import title

_RANK = {"ok": 0, "warning": 1, "error": 2}
#: Problems this card words itself (held mail, failures, simulation) are not repeated from the verdict.
_SAID_BY_THE_VERDICT = {"no_account", "account_untested", "queue_stale", "mail_retrying"}


def _recent_failures(days: int = 14) -> int:
    since = utcnow() - dt.timedelta(days=days)
    return session().scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == statuses.FAILED, OutboxMessage.updated_at >= since)) or 0


def card() -> Card:
    """Envíos: what an admin must know about outgoing mail right now."""
    counts = history.status_counts()
    snap = settings.get()
    level, lines = "ok", []

    def raise_to(new):
        nonlocal level
        level = new if _RANK[new] > _RANK[level] else level

    held = counts.get(statuses.HELD, 0)
    account = settings.sending_account(snap)
    if account is None and held:  # (with nothing held, the Comunicaciones card already says it)
        raise_to("error")
        lines.append(_("No hay cuenta de envío elegida: los correos esperan retenidos hasta que elija una "
                       "en Comunicaciones."))
    elif account is not None and account.held_reason:
        raise_to("error")
        lines.append(_("La cuenta de envío %(a)s necesita atención: %(d)s", a=account.address,
                       d=title(account.held_reason)))
        lines.append(_("Corríjala en Cuentas de correo y pulse «Probar SMTP»: cuando la prueba pase, se "
                       "enviará lo retenido."))
    if held:
        lines.append(ngettext("%(num)d correo retenido.", "%(num)d correos retenidos.", held))
    failed = _recent_failures()
    if failed:
        raise_to("warning")
        lines.append(ngettext("%(num)d envío fallido en los últimos 14 días.",
                              "%(num)d envíos fallidos en los últimos 14 días.", failed))
    waiting = counts.get(statuses.QUEUED, 0) + counts.get(statuses.RETRY, 0) + counts.get(statuses.SENDING, 0)
    if waiting:
        lines.append(ngettext("%(num)d correo pendiente de envío.", "%(num)d correos pendientes de envío.",
                              waiting))
    if snap.simulation:
        raise_to("warning")
        lines.append(ngettext("Modo simulación: %(num)d correo guardado sin enviar.",
                              "Modo simulación: %(num)d correos guardados sin enviar.",
                              counts.get(statuses.SIMULATED, 0)))
    # The shared verdict: green only while mail really flows (an account that passed its test, nothing
    # held, failing, retrying or stuck in the queue).
    verdict = status.status()
    for problem in verdict.problems:
        if problem.area != "flow":  # the set-up has its own card (Salud del correo)
            continue
        raise_to(problem.level)
        if problem.code in _SAID_BY_THE_VERDICT:
            lines.append(problem.message)
    if not lines:
        lines.append(ngettext("Todo en orden: %(num)d correo enviado.", "Todo en orden: %(num)d correos enviados.",
                              counts.get(statuses.SENT, 0)))
    return Card(level, _("Envíos"), lines, url_for("shopmail.outbox.index"), _("Ver el Registro de envíos"))
