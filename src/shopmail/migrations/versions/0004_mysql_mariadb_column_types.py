"""MySQL/MariaDB column types: utf8mb4, exact (binary) keys, long bodies, microsecond times

On MySQL and MariaDB only (nothing changes on SQLite or PostgreSQL):

- every shopmail table in utf8mb4 (a shop's database may still default to latin1, which loses "ñ" and "€");
- dedupe keys, Message-IDs, lease owners, alert keys and worker names compared byte for byte
  (``utf8mb4_bin``): the default collations ignore case and accents, so the confirmations of orders
  ``REF-x7Qk`` and ``REF-X7qK`` had one dedupe key and the second was silently dropped;
- message bodies as LONGBLOB and long texts as LONGTEXT (BLOB/TEXT stop at 64 KB: a 250-line order is ~120 KB);
- times as DATETIME(6) (plain DATETIME drops the microseconds that order messages created in one second).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 14:00:00
"""

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

BIN = "VARCHAR({}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
TIME = "DATETIME(6)"

#: (table, column, MySQL type, NULL allowed) for every column whose type changes.
COLUMNS = [
    ("shopmail_account", "last_test_summary", "LONGTEXT", True),
    ("shopmail_account", "held_detail", "LONGTEXT", True),
    ("shopmail_account", "created_at", TIME, False),
    ("shopmail_account", "updated_at", TIME, False),
    ("shopmail_account", "last_test_at", TIME, True),
    ("shopmail_admin", "locked_until", TIME, True),
    ("shopmail_admin", "created_at", TIME, False),
    ("shopmail_admin", "last_login_at", TIME, True),
    ("shopmail_settings", "updated_at", TIME, False),
    ("shopmail_outbox", "dedupe_key", BIN.format(200), True),
    ("shopmail_outbox", "message_id", BIN.format(255), False),
    ("shopmail_outbox", "lease_owner", BIN.format(100), True),
    ("shopmail_outbox", "body", "LONGBLOB", False),
    ("shopmail_outbox", "last_error", "LONGTEXT", True),
    ("shopmail_outbox", "next_attempt_at", TIME, False),
    ("shopmail_outbox", "lease_until", TIME, True),
    ("shopmail_outbox", "created_at", TIME, False),
    ("shopmail_outbox", "sent_at", TIME, True),
    ("shopmail_outbox", "updated_at", TIME, False),
    ("shopmail_audit", "at", TIME, False),
    ("shopmail_audit", "summary", "LONGTEXT", False),
    ("shopmail_alert", "key", BIN.format(120), False),
    ("shopmail_alert", "message", "LONGTEXT", False),
    ("shopmail_alert", "created_at", TIME, False),
    ("shopmail_alert", "last_seen_at", TIME, False),
    ("shopmail_alert", "notified_at", TIME, True),
    ("shopmail_alert", "acknowledged_at", TIME, True),
    ("shopmail_worker", "name", BIN.format(100), False),
    ("shopmail_worker", "started_at", TIME, False),
    ("shopmail_worker", "last_seen_at", TIME, False),
]


def _mysql() -> bool:
    return op.get_bind().dialect.name in ("mysql", "mariadb")


def upgrade():
    if not _mysql():
        return
    for table in sorted({table for table, *_ in COLUMNS}):
        op.execute(f"ALTER TABLE `{table}` CONVERT TO CHARACTER SET utf8mb4")
    for table in sorted({table for table, *_ in COLUMNS}):
        changes = ", ".join(f"MODIFY `{column}` {kind} {'NULL' if nullable else 'NOT NULL'}"
                            for name, column, kind, nullable in COLUMNS if name == table)
        op.execute(f"ALTER TABLE `{table}` {changes}")


def downgrade():
    # The wider types stay: they hold everything 0003 did, and narrowing them could cut stored mail.
    pass
