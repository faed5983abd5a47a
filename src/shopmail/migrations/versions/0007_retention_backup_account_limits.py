"""issue 17 part A: purged message content (retention), backup account, temporary failures, send limits

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import shopmail.core.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shopmail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_purged_at', shopmail.core.models.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('shopmail_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failing_since', shopmail.core.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('send_limit_per_minute', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('send_limit_per_day', sa.Integer(), nullable=True))
    op.create_table('shopmail_send_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('at', shopmail.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['shopmail_account.id'],
                            name=op.f('fk_shopmail_send_log_account_id_shopmail_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shopmail_send_log')),
    mysql_charset='utf8mb4',
    )
    op.create_index('ix_shopmail_send_log_account_at', 'shopmail_send_log', ['account_id', 'at'], unique=False)
    with op.batch_alter_table('shopmail_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backup_account_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_shopmail_settings_backup_account_id_shopmail_account'),
                                    'shopmail_account', ['backup_account_id'], ['id'], ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('shopmail_settings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_shopmail_settings_backup_account_id_shopmail_account'),
                                 type_='foreignkey')
        batch_op.drop_column('backup_account_id')
    op.drop_index('ix_shopmail_send_log_account_at', table_name='shopmail_send_log')
    op.drop_table('shopmail_send_log')
    with op.batch_alter_table('shopmail_account', schema=None) as batch_op:
        batch_op.drop_column('send_limit_per_day')
        batch_op.drop_column('send_limit_per_minute')
        batch_op.drop_column('failing_since')
    with op.batch_alter_table('shopmail_outbox', schema=None) as batch_op:
        batch_op.drop_column('body_purged_at')
