"""The Plantillas de correo preview: a sample order rendered exactly as the sender renders a real one."""

from __future__ import annotations

from dataclasses import dataclass

from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import use_locale
from shopmail.services import notifications
from shopmail.services import wording
from shopmail.services.orders import order_view
from shopmail.services.orders import sample_order


@dataclass(frozen=True)
class Preview:
    """One rendered mail: its subject, its text part and its HTML part."""

    subject: str
    text: str
    html: str


def preview(kind: str, locale: str, subject: str, intro: str, closing: str) -> Preview:
    """``kind`` rendered in ``locale`` with the texts on screen (not yet saved) and a sample order, by the
    sender's own renderer (``notifications.render_mail``). Raises ``wording.WordingError`` for a text
    that cannot be used (the message names its field)."""
    if kind not in wording.DEFAULTS:
        raise wording.WordingError("kind", _("Tipo de aviso desconocido: %(k)s", k=kind))
    texts = wording.check(subject, intro, closing)
    snap = settings.get()
    with use_locale(locale):
        order = sample_order("cliente@example.com", locale)
        extra = notifications.sample_extra(kind)
    rendered = notifications.render_mail(kind, order_view(order, locale), snap, texts=texts, **extra)
    return Preview(*rendered)
