"""an index of the mail still to send, in the order workers claim it (issue 17)

On PostgreSQL a partial index (only queued, retrying and sending rows), so a claim reads about one batch of
rows however long the queue and however much sent mail is kept; elsewhere a plain index on the same columns
(MariaDB/MySQL have no partial indexes; SQLite claims through ix_shopmail_outbox_due).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 21:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

PENDING = "status IN ('queued', 'retry', 'sending')"


def upgrade():
    op.create_index('ix_shopmail_outbox_pending', 'shopmail_outbox', ['next_attempt_at', 'id'], unique=False,
                    postgresql_where=sa.text(PENDING))


def downgrade():
    op.drop_index('ix_shopmail_outbox_pending', table_name='shopmail_outbox')
