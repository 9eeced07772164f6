"""A stored quarter keeps its instrument's totals too (reports due in it, and of them on time): the on-time trend
of all organizations together adds up one row per instrument and quarter (1,100 at national scale) instead of one
per organization (94,000). Filled for the quarters already stored; the triggers of 0023 delete the row with its
rates, as before.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 08:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for name in ("on_time", "total"):
        op.add_column("stored_quarter", sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        op.execute(f"UPDATE stored_quarter SET {name} = (SELECT coalesce(sum(quarter_rate.{name}), 0) "
                   f"FROM quarter_rate WHERE quarter_rate.instrument_id = stored_quarter.instrument_id "
                   f"AND quarter_rate.starts_on = stored_quarter.starts_on)")


def downgrade() -> None:
    for name in ("total", "on_time"):
        op.execute(f"ALTER TABLE stored_quarter DROP COLUMN {name}")
