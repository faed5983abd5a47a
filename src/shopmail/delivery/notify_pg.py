"""PostgreSQL's LISTEN/NOTIFY for the outbox: a NOTIFY in the order's transaction wakes idle workers at commit.

The channel belongs to one outbox table: its name is derived from the table's schema-qualified name, so two
shops (or two test runs, each in its own schema) on one database never wake each other's workers.
PostgreSQL delivers a NOTIFY only when its transaction commits, and never on rollback.
"""

from __future__ import annotations

import hashlib
import select

from sqlalchemy import text

from shopmail.core.models import OutboxMessage

#: The schema-qualified name of the outbox table as PostgreSQL resolves it now (the search_path decides).
_QUALIFIED = text("SELECT n.nspname || '.' || c.relname FROM pg_class c "
                  "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(:table)")
#: The same channel name computed by PostgreSQL, and the NOTIFY, in one round trip per transaction.
_NOTIFY = text("SELECT pg_notify('shopmail_outbox_' || left(encode(sha256(convert_to(n.nspname || '.' || c.relname, "
               "'UTF8')), 'hex'), 24), '') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE c.oid = to_regclass(:table)")


def _table_name() -> str:
    table = OutboxMessage.__table__
    return f"{table.schema}.{table.name}" if table.schema else table.name


def channel_for(qualified: str) -> str:
    """The channel of the outbox table ``schema.table`` (an identifier under PostgreSQL's 63 bytes; ``_NOTIFY``
    computes the same name in SQL)."""
    return "shopmail_outbox_" + hashlib.sha256(qualified.encode()).hexdigest()[:24]


def channel(connection) -> str | None:
    """The wake-up channel of the outbox table ``connection`` sees (None when there is no such table)."""
    qualified = connection.execute(_QUALIFIED, {"table": _table_name()}).scalar()
    return channel_for(qualified) if qualified else None


def announce(sess) -> None:
    """NOTIFY the outbox's channel in ``sess``'s transaction: sent when it commits, dropped on rollback."""
    sess.connection(bind_arguments={"mapper": OutboxMessage.__mapper__}).execute(_NOTIFY, {"table": _table_name()})


class PgListener:
    """A connection of its own that LISTENs on the outbox's channel; ``wait`` returns on a NOTIFY."""

    def __init__(self, engine):
        self.connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.channel = channel(self.connection)
        self.raw = self.connection.connection.driver_connection
        self.heard = 0
        self.raw.add_notify_handler(self._heard)
        if self.channel:
            self.connection.exec_driver_sql(f'LISTEN "{self.channel}"')

    def _heard(self, _notify) -> None:
        self.heard += 1

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True when a NOTIFY arrived (already queued ones count)."""
        before = self.heard
        ready, _, _ = select.select([self.raw.fileno()], [], [], max(0.0, timeout))
        if ready:
            self.raw.execute("SELECT 1")  # reads what arrived; the handler counts each NOTIFY
        return self.heard > before

    def close(self) -> None:
        """Stop listening and hand the connection back to the pool."""
        try:
            self.connection.exec_driver_sql("UNLISTEN *")
        finally:
            self.connection.close()
