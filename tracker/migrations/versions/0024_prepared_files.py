"""Files prepared in the background for one person (`prepared_file`): an overdue workbook above
TRACKER_XLSX_BACKGROUND_ROWS rows is built by the clock, not while a web worker waits, and kept in the database
(every web node can hand it over) for a day.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 04:39:57
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('prepared_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=43), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('arguments', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_done', sa.Integer(), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', tracker.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_prepared_file_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prepared_file')),
    sa.UniqueConstraint('token', name=op.f('uq_prepared_file_token'))
    )
    with op.batch_alter_table('prepared_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prepared_file_fingerprint'), ['fingerprint'], unique=False)
        batch_op.create_index(batch_op.f('ix_prepared_file_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_prepared_file_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('prepared_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prepared_file_user_id'))
        batch_op.drop_index(batch_op.f('ix_prepared_file_status'))
        batch_op.drop_index(batch_op.f('ix_prepared_file_fingerprint'))

    op.drop_table('prepared_file')
