"""delivery notes stored as data (a code and its parameters), worded in the reader's language (issue 19)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shopmail_outbox') as batch:
        batch.add_column(sa.Column('note_code', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('note_params', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('shopmail_outbox') as batch:
        batch.drop_column('note_params')
        batch.drop_column('note_code')
