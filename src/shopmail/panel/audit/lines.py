"""The audit log in words: each stored event (action + data) becomes a sentence and labelled before/after
fields, in the viewer's language, when the page is shown. The stored event stays data."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from markupsafe import escape
from markupsafe import Markup

from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import lazy_gettext as _l
from shopmail.core.models import Account
from shopmail.core.state import session
from shopmail.delivery import oauth
from shopmail.delivery import statuses
from shopmail.panel.audit import legacy

#: The fields an event may name, as the screens label them.
LABELS = {
    "address": _l("Dirección de correo"), "display_name": _l("Nombre visible"), "username": _l("Usuario"),
    "host": _l("Servidor SMTP"), "port": _l("Puerto"), "security": _l("Seguridad"),
    "verify_cert": _l("Verificar certificado"), "sending_account_id": _l("Cuenta de envío"),
    "contact_email": _l("Correo público de contacto"), "admin_emails": _l("Correos de administrador"),
    "simulation": _l("Modo simulación"), "backup_account_id": _l("Cuenta de respaldo"),
    "send_limit_per_minute": _l("Mensajes por minuto"), "send_limit_per_day": _l("Destinatarios por día"),
}
_SECURITY = {"starttls": "STARTTLS", "ssl": "SSL/TLS", "none": _l("Ninguna")}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Line:
    """One event as the audit page shows it."""

    sentence: str
    changes: list[Change] = field(default_factory=list)
    #: For support, behind "Detalles técnicos": the action's code and the stored summary.
    code: str = ""
    raw: str = ""


def who(actor: str) -> str:
    """The actor in words: an admin's address as is, the CLI's user and the worker named."""
    if actor == "worker":
        return _("El proceso de envío")
    if actor.startswith("cli:"):
        return _("%(u)s (línea de órdenes)", u=actor[4:])
    if actor == "cli":
        return _("La línea de órdenes")
    return actor


def value(name: str, raw) -> str:
    """A stored value as people read it."""
    if raw is None or raw == "" or raw == []:
        return _("(vacío)")
    if isinstance(raw, bool):
        return _("Sí") if raw else _("No")
    if isinstance(raw, list):
        return ", ".join(str(item) for item in raw)
    if name == "security":
        return str(_SECURITY.get(raw, raw))
    if name in ("sending_account_id", "backup_account_id"):
        account = session().get(Account, raw) if isinstance(raw, int) else None
        return account.address if account is not None else _("una cuenta ya eliminada (n.º %(id)s)", id=raw)
    return str(raw)


def _mail(make, actor: str, subject) -> Markup:
    """A sentence about a mail: its subject is the mail's own words (the customer's language), so it is
    marked translate="no"; everything else is escaped."""
    return Markup(make(who=escape(actor), s=Markup('<span translate="no">{}</span>').format(subject or "")))


def _changes(details: dict) -> list[Change]:
    found = [Change(str(LABELS.get(name, name)), value(name, pair[0]), value(name, pair[1]))
             for name, pair in (details.get("changes") or {}).items()
             if isinstance(pair, (list, tuple)) and len(pair) == 2]
    if details.get("password_changed"):
        found.append(Change(str(_l("Contraseña")), "", _("cambiada (nunca se guarda en el registro)")))
    return found


def line(event) -> Line:
    """``event`` (an AuditEvent) in words."""
    details = legacy.details(event)
    actor, address = who(event.actor), details.get("address") or event.target
    changes = _changes(details)
    sentences = {
        "account.created": lambda: _("%(who)s creó la cuenta %(a)s.", who=actor, a=address),
        "account.changed": lambda: _("%(who)s cambió la cuenta %(a)s.", who=actor, a=address),
        "account.deleted": lambda: _("%(who)s eliminó la cuenta %(a)s.", who=actor, a=address),
        "simulation.on": lambda: _("%(who)s activó el modo simulación: el correo se queda en el servidor.",
                                   who=actor),
        "simulation.off": lambda: _("%(who)s desactivó el modo simulación: el correo vuelve a salir.",
                                    who=actor),
        "settings.changed": lambda: _settings_sentence(actor, details),
        "outbox.released": lambda: _mail(lambda **v: _("%(who)s liberó el correo «%(s)s».", **v), actor,
                                         details.get("subject")),
        "outbox.retried": lambda: _mail(lambda **v: _("%(who)s volvió a intentar el correo «%(s)s».", **v),
                                        actor, details.get("subject")),
        "account.connected": lambda: _("%(who)s conectó la cuenta %(a)s con %(p)s.", who=actor, a=address,
                                       p=oauth.label(details["auth"]) if details.get("auth") else
                                       details.get("provider") or "OAuth2"),
        "account.disconnected": lambda: _("%(who)s desconectó la cuenta %(a)s.", who=actor, a=address),
        "wording.saved": lambda: _("%(who)s cambió el texto de «%(k)s» (%(l)s).", who=actor, k=_kind(details),
                                   l=details.get("locale")),
        "wording.restored": lambda: _("%(who)s restauró el texto original de «%(k)s» (%(l)s).", who=actor,
                                      k=_kind(details), l=details.get("locale")),
        "outbox.cancelled": lambda: _mail(lambda **v: _("%(who)s canceló el correo «%(s)s».", **v), actor,
                                          details.get("subject")),
    }
    if event.action == "account.created" and "host" in details:
        changes = [Change(str(LABELS["host"]), "", f"{details['host']}:{details.get('port')}"),
                   Change(str(LABELS["security"]), "", value("security", details.get("security")))]
    if event.action.startswith("outbox.") and details.get("recipients"):
        changes = [Change(str(_l("Destinatarios")), "", value("recipients", details["recipients"]))]
    if event.action == "wording.saved" and details.get("subject"):
        changes = [Change(str(_l("Asunto")), "", details["subject"])]
    make = sentences.get(event.action)
    if make is None or (event.action.startswith("outbox.") and not details.get("subject")) \
            or (event.action.startswith("account.") and not details.get("address")) \
            or (event.action.startswith("wording.") and not details.get("kind")):
        sentence = _("%(who)s hizo un cambio.", who=actor)
    else:
        sentence = make()
    return Line(sentence, changes, event.action, event.summary or "")


def _kind(details: dict) -> str:
    """A notification kind as the Plantillas de correo screen names it."""
    kind = details.get("kind")
    return str(statuses.KIND_LABELS.get(kind, kind))


def _settings_sentence(actor: str, details: dict) -> str:
    changed = details.get("changes") or {}
    if set(changed) == {"sending_account_id"}:
        return _("%(who)s cambió la cuenta de envío a %(a)s.", who=actor,
                 a=value("sending_account_id", changed["sending_account_id"][1]))
    return _("%(who)s cambió Comunicaciones.", who=actor)
