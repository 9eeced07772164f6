"""Target indicators of instruments and measures (from the YAML) and their values reported period by period.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_ru', sa.Text(), nullable=False),
    sa.Column('name_kk', sa.Text(), nullable=True),
    sa.Column('name_en', sa.Text(), nullable=True),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('band_low', sa.Float(), nullable=True),
    sa.Column('band_high', sa.Float(), nullable=True),
    sa.Column('tolerance', sa.Float(), nullable=False),
    sa.Column('baseline_value', sa.Float(), nullable=False),
    sa.Column('baseline_on', sa.Date(), nullable=False),
    sa.Column('baseline_source', sa.Text(), nullable=False),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('target_note', sa.Text(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('retired_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_indicator_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['obligation_id'], ['obligation.id'], name=op.f('fk_indicator_obligation_id_obligation')),
    sa.ForeignKeyConstraint(['reporter_id'], ['organization.id'], name=op.f('fk_indicator_reporter_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator')),
    sa.UniqueConstraint('key', name=op.f('uq_indicator_key'))
    )
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_instrument_id'), ['instrument_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_obligation_id'), ['obligation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_reporter_id'), ['reporter_id'], unique=False)

    op.create_table('indicator_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('evidence_url', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['app_user.id'], name=op.f('fk_indicator_value_decided_by_id_app_user')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_indicator_value_indicator_id_indicator')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_indicator_value_organization_id_organization')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['app_user.id'], name=op.f('fk_indicator_value_submitted_by_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_value'))
    )
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.create_index('ix_indicator_value_indicator_id_period', ['indicator_id', 'period'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicator_value_state'), ['state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_value_state'))
        batch_op.drop_index('ix_indicator_value_indicator_id_period')

    op.drop_table('indicator_value')
    with op.batch_alter_table('indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_obligation_id'))
        batch_op.drop_index(batch_op.f('ix_indicator_instrument_id'))

    op.drop_table('indicator')
