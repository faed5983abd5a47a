"""the shop's own wording of its mails, per kind and language (issue 18)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import shopmail.core.models

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shopmail_mail_wording',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', shopmail.core.models.exact_string(40), nullable=False),
    sa.Column('locale', shopmail.core.models.exact_string(10), nullable=False),
    sa.Column('subject', sa.String(length=998), nullable=False),
    sa.Column('intro', shopmail.core.models.LongText, nullable=False),
    sa.Column('closing', shopmail.core.models.LongText, nullable=False),
    sa.Column('updated_at', shopmail.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=254), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shopmail_mail_wording')),
    sa.UniqueConstraint('kind', 'locale', name=op.f('uq_shopmail_mail_wording_kind')),
    mysql_charset='utf8mb4',
    )


def downgrade():
    op.drop_table('shopmail_mail_wording')
