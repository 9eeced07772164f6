"""Reporting: status-update versions and previous status, no-evidence reason, carried evidence, event labels.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:26:40.500794
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models  # noqa: F401

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.Text(), nullable=True))

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_evidence_carried_from_id_evidence'), 'evidence', ['carried_from_id'], ['id'])

    with op.batch_alter_table('status_update', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('report_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('no_evidence_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('status_update', schema=None) as batch_op:
        batch_op.drop_column('no_evidence_reason')
        batch_op.drop_column('report_version')
        batch_op.drop_column('previous_status')

    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_evidence_carried_from_id_evidence'), type_='foreignkey')
        batch_op.drop_column('carried_from_id')

    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        batch_op.drop_column('label')
