"""login throttle per account and client; admin session token (issue 14)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 13:40:00
"""

import sqlalchemy as sa
from alembic import op

import shopmail.core.models

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shopmail_login_throttle',
    sa.Column('key', shopmail.core.models.exact_string(80), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('window_started', shopmail.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_shopmail_login_throttle')),
    mysql_charset='utf8mb4',
    )
    # The lock-out moved from the admin row (read, add one, write back: not atomic) to the throttle table.
    with op.batch_alter_table('shopmail_admin', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')


def downgrade():
    with op.batch_alter_table('shopmail_admin', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', shopmail.core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_column('session_token')
    op.drop_table('shopmail_login_throttle')
