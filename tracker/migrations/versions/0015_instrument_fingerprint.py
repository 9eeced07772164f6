"""Each instrument remembers the fingerprint of the file it was last synced from: a sync skips unchanged files.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # empty at first: the next sync reads every file once and records what it read
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('instrument', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
