"""Commissions (republican, regional, industry), their secretaries, and the commission of each instrument.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('commission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('region', sa.Text(), nullable=True),
    sa.Column('industry', sa.Text(), nullable=True),
    sa.Column('name_ru', sa.Text(), nullable=False),
    sa.Column('name_kk', sa.Text(), nullable=True),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('parties', sa.JSON(), nullable=False),
    sa.Column('secretariat_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('retired_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['secretariat_id'], ['organization.id'], name=op.f('fk_commission_secretariat_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission')),
    sa.UniqueConstraint('key', name=op.f('uq_commission_key'))
    )
    op.create_table('commission_secretaryship',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('commission_id', sa.Integer(), nullable=False),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commission_id'], ['commission.id'], name=op.f('fk_commission_secretaryship_commission_id_commission')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_commission_secretaryship_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commission_secretaryship')),
    sa.UniqueConstraint('user_id', 'commission_id', name=op.f('uq_commission_secretaryship_user_id_commission_id'))
    )
    with op.batch_alter_table('commission_secretaryship', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commission_secretaryship_commission_id'), ['commission_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commission_secretaryship_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commission_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_instrument_commission_id'), ['commission_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_instrument_commission_id_commission'), 'commission', ['commission_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_instrument_commission_id_commission'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_instrument_commission_id'))
        batch_op.drop_column('commission_id')

    with op.batch_alter_table('commission_secretaryship', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commission_secretaryship_user_id'))
        batch_op.drop_index(batch_op.f('ix_commission_secretaryship_commission_id'))

    op.drop_table('commission_secretaryship')
    op.drop_table('commission')
