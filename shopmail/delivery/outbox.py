"""The outbox: messages written in the caller's transaction, and what admins may do with them.

Statuses (docs/reference.md): queued → sending → sent | retry | failed; held (the sending account needs
attention, or none is chosen); simulated (kept on the server, sent only if released by hand);
cancelled. Every change of status is one conditional UPDATE, so a worker and an admin never
overwrite each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from shopmail.core import audit
from shopmail.core import settings
from shopmail.core.i18n import gettext as _
from shopmail.core.i18n import lazy_gettext as _l
from shopmail.core.models import Account
from shopmail.core.models import OutboxMessage
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.core.text import clean
from shopmail.delivery import wake

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


@dataclass(frozen=True)
class Queued:
    """One message handed to the outbox. ``created`` is False when it was already there (dedupe)."""

    id: int | None
    kind: str
    status: str
    message_id: str
    recipients: tuple[str, ...]
    created: bool


class ActionRefused(Exception):
    """An admin action does not apply to the message as it is now; the message says why, in Spanish."""


#: SHOPMAIL_SIMULATION_LOCK, read in one place (core.settings); here for the admin actions below.
simulation_locked = settings.simulation_locked


def no_account_text() -> str:
    """Why mail is held when no sending account is chosen."""
    return _("No hay cuenta de envío elegida en Ajustes generales → Comunicaciones.")


def enqueue(drafts, snapshot, kick: bool = True) -> list[Queued]:
    """Add ``drafts`` to the caller's transaction (no commit, no network) and return what happened.

    Rows start ``simulated`` while simulation is on (the worker applies the same rule again right before
    it connects, so a row queued a moment before simulation was switched on stays on the server too),
    ``held`` without a sending account, ``failed`` when the draft can never be sent (its ``problem``).
    Duplicates (same dedupe key) are skipped without aborting the caller's transaction.
    """
    if snapshot.simulation or simulation_locked():
        status, note = SIMULATED, None
    elif snapshot.sending_account_id is None:
        status, note = HELD, no_account_text()
    else:
        status, note = QUEUED, None
    now = utcnow()
    rows = [dict(kind=d.kind, status=FAILED if d.problem else status, dedupe_key=d.dedupe_key,
                 recipients=[clean(r, 320) for r in d.recipients], subject=d.subject, message_id=d.message_id,
                 body=d.body, attempts=0, last_error=clean(d.problem) if d.problem else note,
                 next_attempt_at=now, created_at=now, updated_at=now) for d in drafts]
    created = _insert_new(rows)
    if kick and any(row["status"] == QUEUED and row["message_id"] in created for row in rows):
        wake.after_commit()
    return [Queued(created.get(row["message_id"]), row["kind"], row["status"], row["message_id"],
                   tuple(row["recipients"]), row["message_id"] in created) for row in rows]


def _insert_new(rows: list[dict]) -> dict[str, int]:
    """Insert ``rows`` skipping dedupe-key conflicts; ``{message_id: id}`` of the rows inserted.

    PostgreSQL and SQLite: one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (one round trip); MySQL and
    MariaDB: ``INSERT … ON DUPLICATE KEY UPDATE`` and a ``SELECT`` (two).
    Elsewhere: a savepoint per row, so a duplicate never aborts the caller's transaction.
    """
    if not rows:
        return {}
    sess = session()
    table = OutboxMessage.__table__
    dialect = sess.get_bind(mapper=OutboxMessage.__mapper__).dialect.name
    if dialect in {"postgresql", "sqlite"}:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (insert(table).values(rows).on_conflict_do_nothing()
                .returning(table.c.message_id, table.c.id))
        return {message_id: id_ for message_id, id_ in sess.execute(stmt)}
    if dialect in {"mysql", "mariadb"}:
        # No RETURNING on MySQL: a no-op update on a duplicate key, then the new rows by their Message-IDs
        # (fresh ones: a duplicate's row kept its own). INSERT IGNORE would also hide truncation errors.
        sess.execute(mysql.insert(table).values(rows).on_duplicate_key_update(id=table.c.id))
        wanted = [row["message_id"] for row in rows]
        found = sess.execute(select(table.c.message_id, table.c.id).where(table.c.message_id.in_(wanted)))
        return {message_id: id_ for message_id, id_ in found}
    created = {}
    for row in rows:
        try:
            with sess.begin_nested():
                result = sess.execute(table.insert().values(**row))
            created[row["message_id"]] = result.inserted_primary_key[0]
        except IntegrityError:
            continue
    return created


def _change(message_id: int, allowed: tuple[str, ...], action: str | None = None, **values) -> bool:
    """Move one message out of ``allowed`` statuses atomically; False if it was not in one.
    ``action`` (e.g. "outbox.released") is written to the audit log in the same transaction."""
    t = OutboxMessage.__table__
    result = session().execute(update(t).where(t.c.id == message_id, t.c.status.in_(allowed))
                               .values(updated_at=utcnow(), **values))
    if result.rowcount == 1 and action:
        row = session().get(OutboxMessage, message_id)
        audit.record(action, f"envío {message_id}", f"{row.kind}: {row.subject} → {', '.join(row.recipients)}")
    session().commit()
    return result.rowcount == 1


def _get_or_refuse(message_id: int) -> OutboxMessage:
    row = session().get(OutboxMessage, message_id)
    if row is None:
        raise ActionRefused(_("No existe el envío %(id)s.", id=message_id))
    return row


def release(message_id: int) -> None:
    """Liberar: a simulated message goes out for real (simulated → queued). Refused while simulation is
    on (the lock or the saved switch): the worker would only keep it again."""
    row = _get_or_refuse(message_id)
    if simulation_locked():
        raise ActionRefused(_("SHOPMAIL_SIMULATION_LOCK está activo: no se puede liberar ningún correo."))
    if settings.simulating_now():
        raise ActionRefused(_("El modo simulación está activo: desactívelo en Comunicaciones antes de liberar "
                              "un correo."))
    if not _change(row.id, (SIMULATED,), "outbox.released", status=QUEUED, next_attempt_at=utcnow(), last_error=None):
        raise ActionRefused(_("Solo se puede liberar un correo simulado."))
    _kick()


def retry(message_id: int) -> None:
    """Reintentar: a failed message is queued again (attempts start over)."""
    row = _get_or_refuse(message_id)
    if not _change(row.id, (FAILED,), "outbox.retried", status=QUEUED, attempts=0, next_attempt_at=utcnow()):
        raise ActionRefused(_("Solo se puede reintentar un correo fallido."))
    _kick()


def cancel(message_id: int) -> None:
    """Cancelar: a message waiting to go out (pending, retrying or held) never will."""
    row = _get_or_refuse(message_id)
    if not _change(row.id, (QUEUED, RETRY, HELD), "outbox.cancelled", status=CANCELLED):
        raise ActionRefused(_("Solo se puede cancelar un correo pendiente, retenido o en reintento."))


def hold_account(account_id: int, reason: str, detail: str) -> None:
    """Flag an account that cannot send (login, TLS, sender refused): its mail waits as ``held``.

    No version bump, so an admin editing the account meanwhile gets no false conflict.
    """
    t = Account.__table__
    detail = clean(detail)
    session().execute(update(t).where(t.c.id == account_id).values(held_reason=clean(reason, 40),
                                                                    held_detail=detail))
    hold_waiting(account_id, detail)
    session().commit()


def hold_waiting(account_id: int | None, detail: str) -> int:
    """Every message waiting to go out now waits as ``held`` (``account_id``: the account at fault,
    None when no sending account is chosen). No commit."""
    o = OutboxMessage.__table__
    result = session().execute(update(o).where(o.c.status.in_((QUEUED, RETRY)))
                               .values(status=HELD, account_id=account_id, last_error=clean(detail),
                                       updated_at=utcnow()))
    return result.rowcount


def resume_account(account_id: int) -> int:
    """After a passing SMTP test: clear the account's flag and send its held mail. Commits.

    Returns how many held messages were queued again (only when it is the sending account).
    """
    t = Account.__table__
    session().execute(update(t).where(t.c.id == account_id).values(held_reason=None, held_detail=None))
    released = 0
    if settings.get().sending_account_id == account_id:
        released = release_held()
    session().commit()
    if released:
        _kick()
    return released


def release_held() -> int:
    """Queue every held message again (the sending account is usable now). No commit."""
    o = OutboxMessage.__table__
    now = utcnow()
    result = session().execute(update(o).where(o.c.status == HELD)
                               .values(status=QUEUED, next_attempt_at=now, last_error=None, updated_at=now))
    return result.rowcount


def simulate_held(note: str) -> int:
    """Simulation is on: held mail will not wait to go out, it stays on the server (held → simulated).
    No commit."""
    o = OutboxMessage.__table__
    result = session().execute(update(o).where(o.c.status == HELD)
                               .values(status=SIMULATED, last_error=note, updated_at=utcnow()))
    return result.rowcount


def _kick() -> None:
    wake.kick()


def to_dict(row: OutboxMessage) -> dict:
    """The "Outbox item" JSON shape of docs/reference.md."""
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "to": list(row.recipients or []),
        "subject": row.subject,
        "message_id": row.message_id,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "sent_at": row.sent_at.isoformat() if row.sent_at else None,
    }
