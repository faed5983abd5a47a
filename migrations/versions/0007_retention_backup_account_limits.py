"""issue 17 part A: when a message's content was purged (retention)

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-29 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import shopmail.core.models

revision = '0007'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shopmail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_purged_at', shopmail.core.models.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('shopmail_outbox', schema=None) as batch_op:
        batch_op.drop_column('body_purged_at')
