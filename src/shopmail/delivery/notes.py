"""Delivery notes (why a message waits, retries, failed or was kept) stored as data, worded when shown.

The worker, the inline thread and the CLI run in the shop's default language, but the note is read later, by
an admin in the panel, the CLI or a script in their own language. So a note is stored as a code and its
parameters (``OutboxMessage.note_code`` / ``note_params``), plus the server's own reply, which is the server's
words and is kept as it came, cleaned and bounded (``last_error``). ``word`` puts it into words in the
current language. A row written before notes were data has only text in ``last_error``: shown as stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field

from shopmail.core.i18n import gettext as _
from shopmail.core.text import clean
from shopmail.core.text import clean_or_none
from shopmail.smtp import reasons
from shopmail.smtp.reason_titles import title

#: The stable note codes (the JSON's ``last_error_code``).
SMTP = "smtp"                  # a server or connection failure: reason, variant, values
GAVE_UP = "gave_up"            # like SMTP, after three days of transient failures
ACCOUNT_HELD = "account_held"  # the sending account is flagged (held_reason), its mail waits
NO_ACCOUNT = "no_account"      # no sending account chosen
SIMULATION = "simulation"      # kept on the server: Modo simulación
SIMULATION_LOCK = "simulation_lock"  # kept on the server: SHOPMAIL_SIMULATION_LOCK
DAILY_LIMIT = "daily_limit"    # the account's daily limit: goes at params["at"] (ISO, UTC)
PARTLY_REFUSED = "partly_refused"  # sent, but some recipients were refused (the reply lists them)
UNDELIVERABLE = "undeliverable"  # the customer's address or name cannot be used (params["address"])

#: What clears a message's note (released, queued again).
CLEARED = {"last_error": None, "note_code": None, "note_params": None}


@dataclass(frozen=True)
class Note:
    """A note as stored: ``code``, its ``params`` (plain JSON values) and the server's ``reply``."""

    code: str
    params: dict = field(default_factory=dict)
    reply: str | None = None

    def columns(self) -> dict:
        """The outbox columns that hold this note."""
        return {"note_code": self.code, "note_params": self.params or None, "last_error": clean_or_none(self.reply)}

    def text(self) -> str:
        """The note in words, in the current language."""
        return word(self.code, self.params, self.reply)


def from_failure(failure, gave_up: bool = False) -> Note:
    """The note of an SMTP failure: what it takes to say it again in any language, and the server's reply."""
    values = {key: clean(value, 300) if isinstance(value, str) else value
              for key, value in failure.values.items()}
    reply = clean(failure.detail or "", 1000)
    if failure.reason == "timeout" and not failure.smtp_code:
        # Its detail is our own remark (in the writer's language) or the socket's "timed out": the message
        # already says it, in the reader's language.
        values.pop("detail", None)
        reply = ""
    params = {"reason": failure.reason, "variant": failure.variant, "values": values,
              "replied": bool(failure.smtp_code)}
    return Note(GAVE_UP if gave_up else SMTP, params, reply or None)


def account_held(reason: str | None, reply: str | None) -> Note:
    """The note of mail waiting for a flagged account (its ``held_reason`` and ``held_detail``)."""
    return Note(ACCOUNT_HELD, {"reason": reason}, reply)


def daily_limit(at: dt.datetime) -> Note:
    """The note of mail put back until the account's daily window opens at ``at`` (UTC)."""
    return Note(DAILY_LIMIT, {"at": at.isoformat()})


def partly_refused(refused: dict) -> Note | None:
    """The note of a message some (not all) of whose recipients were refused; None when none was."""
    if not refused:
        return None
    parts = [f"{address}: {code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
             for address, (code, reply) in refused.items()]
    return Note(PARTLY_REFUSED, {}, "; ".join(parts))


def as_data(note: Note) -> dict:
    """The note as plain JSON data, for a record kept elsewhere (an alert); ``from_data`` words it."""
    return {"code": note.code, "params": note.params, "reply": note.reply}


def from_data(data) -> str:
    """A note kept by ``as_data`` (or text from an older version, shown as it is) in words."""
    if not isinstance(data, dict):
        return "" if data is None else str(data)
    return word(data.get("code"), data.get("params"), data.get("reply"))


def word(code: str | None, params: dict | None, reply: str | None) -> str:
    """A stored note in the current language; a legacy note (no code) is its stored text."""
    params = params if isinstance(params, dict) else {}
    reply = reply or ""
    if not code:
        return reply
    if code in (SMTP, GAVE_UP):
        text = _smtp(params, reply)
        return _("Sin entregar tras tres días de reintentos: %(e)s", e=text) if code == GAVE_UP else text
    if code == ACCOUNT_HELD:
        text = _("La cuenta de envío necesita atención: %(r)s.", r=title(params.get("reason")) or "?")
        return _with_reply(text, reply)
    if code == NO_ACCOUNT:
        return _("No hay cuenta de envío elegida en Ajustes generales → Comunicaciones.")
    if code == SIMULATION:
        return _("Modo simulación activo: el correo se ha guardado en el servidor y no se ha enviado.")
    if code == SIMULATION_LOCK:
        return _("Retenido por SHOPMAIL_SIMULATION_LOCK: no se envía.")
    if code == DAILY_LIMIT:
        return _("Límite diario de envíos de la cuenta alcanzado: sale a partir del %(t)s UTC.", t=_when(params))
    if code == PARTLY_REFUSED:
        return _("Entregado, pero el servidor rechazó a: %(list)s", list=reply)
    if code == UNDELIVERABLE:
        return _("La dirección o el nombre del cliente no se pueden usar en un correo: «%(a)s».",
                 a=params.get("address", ""))
    return reply or code


def of(row) -> str:
    """The note of an outbox row (``OutboxMessage`` or a row with the same columns), in words."""
    return word(getattr(row, "note_code", None), getattr(row, "note_params", None), row.last_error)


def _smtp(params: dict, reply: str) -> str:
    reason, values = params.get("reason") or "server_error", params.get("values") or {}
    if reason == "secret_unreadable":
        return _("No se puede abrir la contraseña guardada de la cuenta: revise SHOPMAIL_ENCRYPTION_KEYS.")
    if params.get("replied"):
        return reasons.describe(reason, params.get("variant"), **values, reply=reply or None)[0]
    text = reasons.describe(reason, params.get("variant"), **values)[0]
    return f"{text} — {reply}" if reply and reply not in text else text


def _with_reply(text: str, reply: str) -> str:
    return f"{text} {_('Respuesta del servidor: «%(reply)s».', reply=reply)}" if reply else text


def _when(params: dict) -> str:
    try:
        return dt.datetime.fromisoformat(params.get("at") or "").strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return "?"
