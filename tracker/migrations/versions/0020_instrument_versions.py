"""Every version of an instrument's YAML, kept: the next sync reads every file again to record each one's first.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('instrument_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('applied_by_id', sa.Integer(), nullable=True),
    sa.Column('applied_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applied_by_id'], ['app_user.id'], name=op.f('fk_instrument_version_applied_by_id_app_user')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_instrument_version_instrument_id_instrument')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_version')),
    sa.UniqueConstraint('instrument_id', 'number', name=op.f('uq_instrument_version_instrument_id_number'))
    )
    with op.batch_alter_table('instrument_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instrument_version_instrument_id'), ['instrument_id'], unique=False)
    op.execute("UPDATE instrument SET fingerprint = NULL")  # the next sync records each file as version 1


def downgrade() -> None:
    with op.batch_alter_table('instrument_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instrument_version_instrument_id'))

    op.drop_table('instrument_version')
