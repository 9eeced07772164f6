"""Indexes for what the figures of one instrument or one quarter read: an instrument's live obligations, counted
from the index instead of every obligation's row with its texts (home and the overall dashboard, 15,000 at national
scale: 12 → 4 ms); its kept overdue counts, without reading every instrument's (its dashboard's overdue by
organization: 59,532 rows); a quarter's stored rates, without reading every quarter's (the league: 94,013 rows).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_obligation_live_instrument', 'obligation', ['instrument_id'],
                    postgresql_where=sa.text("retired_at IS NULL"), sqlite_where=sa.text("retired_at IS NULL"))
    op.create_index('ix_overdue_tally_instrument', 'overdue_tally', ['instrument_id', 'due_on'])
    op.create_index('ix_quarter_rate_quarter', 'quarter_rate', ['starts_on', 'instrument_id'])


def downgrade() -> None:
    op.drop_index('ix_quarter_rate_quarter', table_name='quarter_rate')
    op.drop_index('ix_overdue_tally_instrument', table_name='overdue_tally')
    op.drop_index('ix_obligation_live_instrument', table_name='obligation')
