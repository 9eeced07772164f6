"""The review queue's order as an index over the reports awaiting a verdict: its first page reads 51 index entries
instead of sorting every submitted report (35,000 at national scale, 18 ms).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 08:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_report_awaiting_verdict', 'report', ['submitted_at', 'id'],
                    postgresql_where=sa.text("status = 'submitted'"), sqlite_where=sa.text("status = 'submitted'"))


def downgrade() -> None:
    op.drop_index('ix_report_awaiting_verdict', table_name='report')
