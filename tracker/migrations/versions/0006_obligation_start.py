"""Obligations carry their own start: `from:` in the YAML, or the day they were added to a running instrument.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('obligation') as batch_op:
        batch_op.add_column(sa.Column('starts_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('obligation') as batch_op:
        batch_op.drop_column('starts_on')
