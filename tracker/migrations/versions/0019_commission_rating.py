"""Each commission's figures for a quarter, frozen at its end: the public rating of commissions.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 20:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('commission_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commission_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('frozen_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commission_id'], ['commission.id'], name=op.f('fk_commission_rating_commission_id_commission')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_rating')),
    sa.UniqueConstraint('commission_id', 'quarter', name=op.f('uq_commission_rating_commission_id_quarter'))
    )
    with op.batch_alter_table('commission_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commission_rating_commission_id'), ['commission_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('commission_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commission_rating_commission_id'))

    op.drop_table('commission_rating')
