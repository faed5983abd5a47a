"""The outbox: messages written in the caller's transaction (statuses: ``delivery.statuses``).

Every later change of status is one conditional UPDATE (``delivery.actions``, ``delivery.claim``), so a
worker and an admin never overwrite each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from shopmail.core import settings
from shopmail.core.models import OutboxMessage
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.core.text import clean
from shopmail.delivery import notes
from shopmail.delivery import wake
from shopmail.delivery.statuses import FAILED
from shopmail.delivery.statuses import HELD
from shopmail.delivery.statuses import QUEUED
from shopmail.delivery.statuses import SIMULATED


@dataclass(frozen=True)
class Queued:
    """One message handed to the outbox. ``created`` is False when it was already there (dedupe)."""

    id: int | None
    kind: str
    status: str
    message_id: str
    recipients: tuple[str, ...]
    created: bool


def enqueue(drafts, snapshot, kick: bool = True) -> list[Queued]:
    """Add ``drafts`` to the caller's transaction (no commit, no network) and return what happened.

    Rows start ``simulated`` while simulation is on (the worker applies the same rule again right before
    it connects, so a row queued a moment before simulation was switched on stays on the server too),
    ``held`` without a sending account, ``failed`` when the draft can never be sent (its ``problem``).
    Duplicates (same dedupe key) are skipped without aborting the caller's transaction.
    """
    if snapshot.simulation or settings.simulation_locked():
        status, note = SIMULATED, None
    elif snapshot.sending_account_id is None:
        status, note = HELD, notes.Note(notes.NO_ACCOUNT)
    else:
        status, note = QUEUED, None
    now = utcnow()
    rows = [dict(kind=d.kind, status=FAILED if d.problem else status, dedupe_key=d.dedupe_key,
                 recipients=[clean(r, 320) for r in d.recipients], subject=d.subject, message_id=d.message_id,
                 body=d.body, attempts=0, next_attempt_at=now, created_at=now, updated_at=now,
                 **_note_columns(d, note)) for d in drafts]
    created = _insert_new(rows)
    new = [created[row["message_id"]] for row in rows if row["status"] == QUEUED and row["message_id"] in created]
    if kick and new:
        wake.after_commit(new)
    return [Queued(created.get(row["message_id"]), row["kind"], row["status"], row["message_id"],
                   tuple(row["recipients"]), row["message_id"] in created) for row in rows]


def _note_columns(draft, note: notes.Note | None) -> dict:
    """Why a new message fails at once (its draft's ``problem``) or waits, as data; nothing when it goes."""
    if isinstance(draft.problem, notes.Note):
        note = draft.problem
    elif draft.problem:  # a host's own text: kept as written
        return {**notes.CLEARED, "last_error": clean(draft.problem)}
    return note.columns() if note is not None else dict(notes.CLEARED)


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
