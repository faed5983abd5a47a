"""The outbox's statuses and kinds, their Spanish words, and a message's JSON shape (docs/reference.md).

queued → sending → sent | retry | failed; held (the sending account needs attention, or none is chosen);
simulated (kept on the server, sent only if released by hand); cancelled.
"""

from __future__ import annotations

from shopmail.core.i18n import lazy_gettext as _l
from shopmail.core.models import OutboxMessage
from shopmail.delivery import notes
from shopmail.delivery.attachments import described

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
RETRY = "retry"
HELD = "held"
FAILED = "failed"
SIMULATED = "simulated"
CANCELLED = "cancelled"

#: The status words of the Registro de envíos.
STATUS_LABELS = {
    QUEUED: _l("Pendiente"),
    SENDING: _l("Enviando"),
    SENT: _l("Enviado"),
    RETRY: _l("Reintentando"),
    HELD: _l("Retenido"),
    FAILED: _l("Fallido"),
    SIMULATED: _l("Simulado"),
    CANCELLED: _l("Cancelado"),
}

#: What each kind of message is, in the Registro de envíos.
KIND_LABELS = {
    "order_completed": _l("Confirmación de pedido"),
    "order_completed_admin": _l("Aviso de pedido a administradores"),
    "order_shipped": _l("Pedido enviado"),
    "order_cancelled": _l("Pedido cancelado"),
    "test": _l("Correo de prueba"),
    "alert": _l("Aviso de la tienda"),
}

#: Waiting to go out (what the delivery thread and workers care about).
WAITING = (QUEUED, RETRY, HELD, SENDING)


def to_dict(row: OutboxMessage) -> dict:
    """The "Outbox item" JSON shape of docs/reference.md (``account_id``: the account that sent it)."""
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "to": list(row.recipients or []),
        "subject": row.subject,
        "message_id": row.message_id,
        "attempts": row.attempts,
        "last_error": notes.of(row) or None,  # worded in the reader's language; a row from before as stored
        "last_error_code": row.note_code,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        "account_id": row.account_id,
        "body_purged": row.body_purged_at is not None,
        "attachments": described(row.body),
    }
