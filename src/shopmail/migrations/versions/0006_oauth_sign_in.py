"""account sign-in method and OAuth2 tokens (issue 16)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 16:50:00
"""

import sqlalchemy as sa
from alembic import op

import shopmail.core.models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shopmail_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auth', sa.String(length=20), nullable=False, server_default='password'))
    op.create_table('shopmail_oauth_token',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('mailbox', sa.String(length=254), nullable=False),
    sa.Column('refresh_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('access_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('expires_at', shopmail.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refresh_lease_until', shopmail.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('refreshes', sa.Integer(), nullable=False),
    sa.Column('connected_at', shopmail.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['shopmail_account.id'],
                            name=op.f('fk_shopmail_oauth_token_account_id_shopmail_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_shopmail_oauth_token')),
    mysql_charset='utf8mb4',
    )


def downgrade():
    op.drop_table('shopmail_oauth_token')
    with op.batch_alter_table('shopmail_account', schema=None) as batch_op:
        batch_op.drop_column('auth')
