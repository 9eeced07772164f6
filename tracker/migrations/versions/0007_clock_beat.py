"""The clock's heartbeat, so that /health can say whether a clock is running.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 00:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import tracker.models

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('clock_beat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('beat_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('holder', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('clock_beat')
