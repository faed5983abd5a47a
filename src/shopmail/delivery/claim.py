"""Claiming due messages with a lease, and recording each outcome.

PostgreSQL: ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)``, so workers on many machines
take disjoint rows without waiting for each other. SQLite: the same single ``UPDATE … RETURNING``;
SQLite takes its write lock when the statement starts, so two processes cannot claim one row.
A lease that runs out (a worker died) makes its rows claimable again. Every record is conditional
on still holding the lease, and commits at once.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from dataclasses import dataclass

from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import case
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import union_all
from sqlalchemy import update

from shopmail.core.models import OutboxMessage
from shopmail.core.models import utcnow
from shopmail.core.state import session
from shopmail.core.text import clean_or_none
from shopmail.delivery.notes import Note
from shopmail.delivery.statuses import FAILED
from shopmail.delivery.statuses import HELD
from shopmail.delivery.statuses import QUEUED
from shopmail.delivery.statuses import RETRY
from shopmail.delivery.statuses import SENDING
from shopmail.delivery.statuses import SENT
from shopmail.delivery.statuses import SIMULATED

T = OutboxMessage.__table__
_ASYNC_COMMIT = text("SET synchronous_commit = off")
_SYNC_COMMIT = text("RESET synchronous_commit")


#: The end of the name of a worker that makes one pass and exits (`worker --once`, e.g. from cron): its heartbeat
#: says when mail last went out, but it is not a worker still running.
ONE_PASS = ":once"


def new_owner(one_pass: bool = False) -> str:
    """A lease owner name that says which process holds a row (shown when debugging)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}{ONE_PASS if one_pass else ''}"


def _due(now: dt.datetime):
    return or_(and_(T.c.status.in_((QUEUED, RETRY)), T.c.next_attempt_at <= now),
               and_(T.c.status == SENDING, T.c.lease_until < now))


def _pick(now: dt.datetime, limit: int, ids: list[int] | None, dialect: str):
    """The ids of the next ``limit`` due messages, oldest first, as a subquery.

    On SQLite each kind of due message is read in the order of ``ix_shopmail_outbox_due`` and only then
    merged, so a claim reads about ``limit`` rows however long the queue is (one ``WHERE … OR …`` made
    SQLite sort every due row for every claim: a backlog of 50,000 messages cost 50,000 rows per batch).
    PostgreSQL and MariaDB keep one statement, which ``FOR UPDATE SKIP LOCKED`` needs."""
    if dialect != "sqlite":
        # Written out, the pending statuses let PostgreSQL walk ix_shopmail_outbox_pending (partial on them) in
        # claiming order and stop after ``limit`` rows, instead of sorting every due row.
        pick = select(T.c.id).where(T.c.status.in_((QUEUED, RETRY, SENDING)), _due(now))
        if ids is not None:
            pick = pick.where(T.c.id.in_(ids))
        pick = pick.order_by(T.c.next_attempt_at, T.c.id).limit(limit)
        if dialect in {"postgresql", "mysql", "mariadb"}:  # SKIP LOCKED: PostgreSQL, MariaDB >= 10.6, MySQL >= 8
            pick = pick.with_for_update(skip_locked=True)
        return pick.scalar_subquery()
    parts = [and_(T.c.status == QUEUED, T.c.next_attempt_at <= now),
             and_(T.c.status == RETRY, T.c.next_attempt_at <= now),
             and_(T.c.status == SENDING, T.c.lease_until < now)]
    if ids is not None:
        parts = [and_(part, T.c.id.in_(ids)) for part in parts]
    each = [select(T.c.id, T.c.next_attempt_at).where(part).order_by(T.c.next_attempt_at, T.c.id).limit(limit)
            .subquery() for part in parts]
    merged = union_all(*(select(sub.c.id, sub.c.next_attempt_at) for sub in each)).subquery()
    return select(merged.c.id).order_by(merged.c.next_attempt_at, merged.c.id).limit(limit).scalar_subquery()


def _dialect() -> str:
    return session().get_bind(mapper=OutboxMessage.__mapper__).dialect.name


def claim(owner: str, limit: int, lease_seconds: float, now: dt.datetime | None = None,
          ids: list[int] | None = None) -> list[int]:
    """Take up to ``limit`` due messages (or just ``ids``, if due) for ``owner``; committed."""
    return sorted(row.id for row in _take(owner, limit, lease_seconds, now, ids, (T.c.id,)))


@dataclass(frozen=True)
class Claimed:
    """What sending a claimed message needs (plain values: they outlive every commit)."""

    id: int
    kind: str
    recipients: tuple[str, ...]
    body: bytes
    attempts: int
    created_at: dt.datetime
    message_id: str = ""


_SENDING_NEEDS = (T.c.id, T.c.kind, T.c.recipients, T.c.body, T.c.attempts, T.c.created_at, T.c.message_id,
                  T.c.next_attempt_at)


def take(owner: str, limit: int, lease_seconds: float, ids: list[int] | None = None) -> list[Claimed]:
    """``claim`` and ``load`` at once: on SQLite and PostgreSQL the claiming UPDATE returns what sending
    needs (one statement and one commit per batch instead of two); elsewhere claim, then load."""
    if _dialect() not in {"postgresql", "sqlite"}:
        return load(claim(owner, limit, lease_seconds, ids=ids))
    rows = sorted(_take(owner, limit, lease_seconds, None, ids, _SENDING_NEEDS), key=lambda r: (r.next_attempt_at, r.id))
    return [_claimed(r) for r in rows]


def _take(owner: str, limit: int, lease_seconds: float, now, ids, columns) -> list:
    """Claim due messages for ``owner`` (committed) and return ``columns`` of each (MariaDB/MySQL: the id only)."""
    now = now or utcnow()
    dialect = _dialect()
    pick = _pick(now, limit, ids, dialect)
    values = dict(status=SENDING, lease_owner=owner, attempts=T.c.attempts + 1,
                  lease_until=now + dt.timedelta(seconds=lease_seconds), updated_at=now)
    sess = session()
    sess.commit()  # start from a fresh transaction: on SQLite the UPDATE below then takes the write lock first
    if dialect in {"postgresql", "sqlite"}:
        claimed = sess.execute(update(T).where(T.c.id.in_(pick)).values(**values).returning(*columns)).all()
    else:
        claimed = []
        for row in sess.execute(pick.element).all():
            result = sess.execute(update(T).where(T.c.id == row.id, _due(now)).values(**values))
            if result.rowcount == 1:
                claimed.append(row)
    sess.commit()
    return claimed


def _claimed(r) -> Claimed:
    return Claimed(r.id, r.kind, tuple(r.recipients or ()), bytes(r.body), r.attempts, r.created_at, r.message_id)


def load(ids: list[int]) -> list[Claimed]:
    """The claimed messages, oldest first."""
    query = select(*_SENDING_NEEDS).where(T.c.id.in_(ids)).order_by(T.c.next_attempt_at, T.c.id)
    rows = [_claimed(r) for r in session().execute(query)]
    session().commit()
    return rows


def extend_all(owner: str, lease_seconds: float) -> int:
    """Keep holding every message ``owner`` still holds, for another lease (see ``LeaseKeeper``)."""
    result = session().execute(update(T).where(T.c.status == SENDING, T.c.lease_owner == owner)
                               .values(lease_until=utcnow() + dt.timedelta(seconds=lease_seconds)))
    session().commit()
    return result.rowcount


def _finish(ids, owner: str, **values) -> int:
    """Record an outcome for rows ``owner`` still holds; committed."""
    if not ids:
        return 0
    now = utcnow()
    result = session().execute(
        update(T).where(T.c.id.in_(ids), T.c.status == SENDING, T.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None, updated_at=now, **values))
    session().commit()
    return result.rowcount


#: The record of one accepted message, built once: the worker writes one per message, so it must cost the
#: sending thread (which shares the interpreter) as little as possible.
_SENT_ONE = (update(T).where(T.c.id == bindparam("b_id"), T.c.status == SENDING,
                             T.c.lease_owner == bindparam("b_owner"))
             .values(status=SENT, lease_owner=None, lease_until=None, updated_at=bindparam("b_now"),
                     sent_at=bindparam("b_now"), account_id=bindparam("b_account"),
                     sent_from=bindparam("b_from"), last_error=bindparam("b_note"), note_code=bindparam("b_code"),
                     note_params=None))
_SENT_MANY = (update(T).where(T.c.id.in_(bindparam("b_ids", expanding=True)), T.c.status == SENDING,
                              T.c.lease_owner == bindparam("b_owner"))
              .values(status=SENT, lease_owner=None, lease_until=None, updated_at=bindparam("b_now"),
                      sent_at=bindparam("b_now"), account_id=bindparam("b_account"),
                      sent_from=bindparam("b_from"), last_error=None, note_code=None, note_params=None))


class SentLedger:
    """Where a worker pass records accepted messages, as the recorder hands them over (one, or a group):
    a connection of its own (not the ORM session) in autocommit, so a group is one statement and one round
    trip — the sending thread shares the interpreter. Each statement is atomic on its own. On PostgreSQL the commits do not wait for the disk (``synchronous_commit`` off on this connection,
    reset before it goes back to the pool): a record survives the worker's death, not the database server's
    own crash."""

    def __init__(self):
        engine = session().get_bind(mapper=OutboxMessage.__mapper__)
        self.postgresql = engine.dialect.name == "postgresql"
        self.connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if self.postgresql:
            self.connection.execute(_ASYNC_COMMIT)

    def record(self, accepted: list[tuple[int, Note | None]], owner: str, account_id: int, sent_from: str) -> int:
        """Record accepted messages ((id, note) pairs; the note of a partly refused one), committed. Each
        record stands on its own (a statement is atomic), so no transaction is needed around a group."""
        now = utcnow()
        common = {"b_owner": owner, "b_now": now, "b_account": account_id, "b_from": sent_from}

        def noted(id_, note):
            return {"b_id": id_, "b_note": clean_or_none(note.reply) if note else None,
                    "b_code": note.code if note else None, **common}

        # One message is one plain execute: executemany goes through the driver's batch path, which costs
        # several times more for a single row (psycopg: ~1 ms instead of ~0.2 ms).
        if len(accepted) == 1:
            return self.connection.execute(_SENT_ONE, noted(*accepted[0])).rowcount
        # Several (they arrived while the previous commit was being written): those without a note in one
        # statement (one implicit transaction: one commit), the rare noted ones each on its own.
        plain = [id_ for id_, note in accepted if note is None]
        others = [noted(id_, note) for id_, note in accepted if note is not None]
        count = self.connection.execute(_SENT_MANY, {"b_ids": plain, **common}).rowcount if plain else 0
        if others:
            count += self.connection.execute(_SENT_ONE, others).rowcount
        return count

    def close(self) -> None:
        try:
            if self.postgresql:
                self.connection.execute(_SYNC_COMMIT)
        finally:
            self.connection.close()  # the pool restores its default isolation level


def retry_later(ids, owner: str, note: Note, next_at: dt.datetime) -> int:
    """A transient failure: try again at ``next_at``."""
    return _finish(ids, owner, status=RETRY, next_attempt_at=next_at, **note.columns())


def failed(ids, owner: str, note: Note) -> int:
    """A permanent failure for the message: the server's reply is kept."""
    return _finish(ids, owner, status=FAILED, **note.columns())


def hold(ids, owner: str, account_id: int | None, note: Note) -> int:
    """The account needs attention: these messages wait for it."""
    return _finish(ids, owner, status=HELD, account_id=account_id, **note.columns())


def simulate(ids, owner: str, note: Note) -> int:
    """While simulation is on nothing leaves: claimed messages are kept on the server as simulated."""
    return _finish(ids, owner, status=SIMULATED, **note.columns())


def postpone(ids, owner: str, note: Note, next_at: dt.datetime) -> int:
    """Not now (the account's daily limit): queued again for ``next_at``, without counting an attempt."""
    return _finish(ids, owner, attempts=T.c.attempts - 1, status=QUEUED, next_attempt_at=next_at, **note.columns())


def give_back(ids, owner: str) -> int:
    """Hand unsent claimed messages back at once (SIGTERM), without counting an attempt."""
    return _finish(ids, owner, attempts=T.c.attempts - 1,
                   status=case((T.c.attempts > 1, RETRY), else_=QUEUED))
