"""Plantillas de correo: the wording of each kind of mail (subject, introduction, closing) that admins edit.

Admin-edited text is never template code: placeholders such as ``{order_number}`` are filled by plain
substitution, anything else in braces is refused with a Spanish message on its field, and the result goes
into the mail layout (``templates/shopmail/mail/``, still overridable by a host) as text, escaped in HTML.
No stored row means the default wording, translated with shopmail's catalog into the mail's language.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from flask import g
from markupsafe import escape
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from shopmail.core import audit
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import LANGUAGES
from shopmail.core.i18n import lazy_gettext as _l
from shopmail.core.i18n import N_
from shopmail.core.i18n import use_locale
from shopmail.core.models import MailWording
from shopmail.core.state import session
from shopmail.core.state import state
from shopmail.core.text import clean

#: The kinds of mail whose wording the shop edits, in the order the screen lists them.
KINDS = {
    "order_completed": _l("Confirmación de pedido (al cliente)"),
    "order_completed_admin": _l("Aviso de pedido nuevo (a los administradores)"),
    "order_shipped": _l("Pedido enviado (al cliente)"),
    "order_cancelled": _l("Pedido cancelado (al cliente)"),
    "test": _l("Correo de prueba"),
}

#: The default wording of each kind: (subject, introduction, closing), messages of shopmail's catalog.
DEFAULTS = {
    "order_completed": (N_("Confirmación de su pedido {order_number}"),
                        N_("Gracias por su compra. Hemos recibido su pedido y ya lo estamos preparando."), ""),
    "order_completed_admin": (N_("Nuevo pedido {order_number}: {total}"),
                              N_("Se ha completado un pedido en la tienda."), ""),
    "order_shipped": (N_("Su pedido {order_number} está en camino"),
                      N_("Su pedido ha salido de nuestro almacén."), ""),
    "order_cancelled": (N_("Su pedido {order_number} ha sido cancelado"),
                        N_("Su pedido ha sido cancelado."), ""),
    "test": (N_("Correo de prueba: confirmación del pedido {order_number}"),
             N_("Este es un correo de prueba enviado desde Ajustes generales → Comunicaciones. "
                "El pedido es de ejemplo."), ""),
}

#: What admins may write in braces, and what each becomes.
PLACEHOLDERS = {
    "order_number": _l("número del pedido"),
    "customer_name": _l("nombre del cliente"),
    "customer_email": _l("correo del cliente"),
    "total": _l("total del pedido, con su moneda"),
    "order_date": _l("fecha del pedido"),
    "shop_name": _l("nombre de la tienda"),
}

#: Anything in braces: a placeholder, or a mistake (or an attempt at template code) to refuse.
_BRACED = re.compile(r"\{([^{}]*)\}")
#: The same with every brace around it, so "{{ x }}" is reported whole.
_BRACES = re.compile(r"\{+[^{}]*\}+")
_GENERATION = "wording:generation"
_LIMITS = {"subject": 250, "intro": 5000, "closing": 5000}


class WordingError(ValueError):
    """A text cannot be used; ``field`` names the form field the Spanish message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Texts:
    """The wording of one kind as written (placeholders unfilled); ``custom`` when the shop changed it."""

    subject: str
    intro: str
    closing: str
    custom: bool = False


@dataclass(frozen=True)
class Wording:
    """The wording of one mail with its placeholders filled: what the mail templates show."""

    subject: str
    intro: str
    closing: str

    @property
    def intro_html(self) -> Markup:
        return paragraphs(self.intro)

    @property
    def closing_html(self) -> Markup:
        return paragraphs(self.closing)


def paragraphs(text: str) -> Markup:
    """Plain text as HTML paragraphs: escaped, a blank line between paragraphs, line breaks kept."""
    parts = [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]
    return Markup("").join(Markup('<p style="margin:0 0 16px;">{}</p>\n').format(
        Markup("<br>").join(escape(line) for line in part.splitlines())) for part in parts)


def check(subject: str, intro: str, closing: str) -> Texts:
    """The texts an admin typed, checked: ``WordingError`` on the first field that cannot be used."""
    values = {"subject": (subject or "").strip(), "intro": (intro or "").replace("\r\n", "\n").strip(),
              "closing": (closing or "").replace("\r\n", "\n").strip()}
    if any(ch in values["subject"] for ch in "\r\n\0"):
        raise WordingError("subject", _("El asunto no puede tener saltos de línea."))
    if not values["subject"]:
        raise WordingError("subject", _("Escriba un asunto."))
    for field, value in values.items():
        if len(value) > _LIMITS[field]:
            raise WordingError(field, _("Como mucho %(n)d caracteres.", n=_LIMITS[field]))
        if "\0" in value:
            raise WordingError(field, _("El texto contiene caracteres no válidos."))
        for match in _BRACES.finditer(value):
            if match.group(0).strip("{}") not in PLACEHOLDERS or match.group(0).count("{") != 1 \
                    or match.group(0).count("}") != 1:
                raise WordingError(field, _("Marcador desconocido: %(m)s. Puede usar: %(known)s.", m=match.group(0),
                                            known=", ".join("{" + name + "}" for name in PLACEHOLDERS)))
    return Texts(**values)


def fill(text: str, values: dict[str, str]) -> str:
    """``text`` with its placeholders replaced by ``values`` (plain substitution; values are cleaned)."""
    return _BRACED.sub(lambda m: clean(values.get(m.group(1), m.group(0)), 500), text or "")


def apply(texts: Texts, values: dict[str, str]) -> Wording:
    """The wording of one mail: ``texts`` with ``values`` filled in; the subject stays on one line."""
    # Values are cleaned to one line; non-breaking spaces (in amounts) stay.
    subject = " ".join(part.strip() for part in fill(texts.subject, values).splitlines()).strip()
    return Wording(subject=subject, intro=fill(texts.intro, values), closing=fill(texts.closing, values))


def _row(kind: str, locale: str) -> MailWording | None:
    return session().scalars(select(MailWording).filter_by(kind=kind, locale=locale)).first()


def _stored() -> dict:
    """Every stored wording, ``{"kind/locale": (subject, intro, closing)}``: from ``g``, else shopmail's
    cache, else the database (one query). Keyed by a generation token that every save replaces, so a
    reader that loaded the rows before a save can never put them back afterwards."""
    if "shopmail_wording" in g:
        return g.shopmail_wording
    cache = state().cache
    token = cache.get(_GENERATION)
    if token is None:
        cache.add(_GENERATION, uuid.uuid4().hex, timeout=0)
        token = cache.get(_GENERATION)
    found = cache.get(f"wording:{token}") if token else None
    if found is None:
        found = {f"{row.kind}/{row.locale}": (row.subject, row.intro, row.closing)
                 for row in session().scalars(select(MailWording))}
        if token:
            cache.set(f"wording:{token}", found, timeout=0)
    g.shopmail_wording = found
    return found


def _invalidate() -> None:
    state().cache.set(_GENERATION, uuid.uuid4().hex, timeout=0)
    g.pop("shopmail_wording", None)


def default(kind: str, locale: str) -> Texts:
    """The default wording of ``kind`` in ``locale`` (shopmail's catalog)."""
    subject, intro, closing = DEFAULTS[kind]
    with use_locale(locale):
        return Texts(_(subject), _(intro), _(closing) if closing else "")


def texts(kind: str, locale: str) -> Texts | None:
    """The wording of ``kind`` in ``locale``: the shop's own, else the default; None for a kind without one
    (a host's own notice, whose templates have their own words)."""
    if kind not in DEFAULTS:
        return None
    stored = _stored().get(f"{kind}/{locale}")
    if stored is not None:
        return Texts(*stored, custom=True)
    return default(kind, locale)


def save(kind: str, locale: str, subject: str, intro: str, closing: str) -> Texts:
    """Store the shop's wording of ``kind`` in ``locale`` (checked first; commits)."""
    _known(kind, locale)
    checked = check(subject, intro, closing)
    for attempt in (1, 2):
        row = _row(kind, locale) or MailWording(kind=kind, locale=locale)
        row.subject, row.intro, row.closing = checked.subject, checked.intro, checked.closing
        row.updated_by = audit.actor()
        session().add(row)
        audit.record("wording.saved", kind, f"{locale}: {checked.subject}", kind=kind, locale=locale,
                     subject=checked.subject)
        try:
            session().commit()
            break
        except IntegrityError:  # another admin saved the first wording of this kind at the same moment
            session().rollback()
            if attempt == 2:
                raise
    _invalidate()
    return Texts(checked.subject, checked.intro, checked.closing, custom=True)


def restore(kind: str, locale: str) -> Texts:
    """Restaurar original: forget the shop's wording of ``kind`` in ``locale`` (commits)."""
    _known(kind, locale)
    row = _row(kind, locale)
    if row is not None:
        session().delete(row)
        audit.record("wording.restored", kind, locale, kind=kind, locale=locale)
        session().commit()
        _invalidate()
    return default(kind, locale)


def _known(kind: str, locale: str) -> None:
    if kind not in DEFAULTS:
        raise WordingError("kind", _("Tipo de aviso desconocido: %(k)s", k=kind))
    if locale not in LANGUAGES:
        raise WordingError("locale", _("Idioma desconocido: %(l)s", l=locale))
