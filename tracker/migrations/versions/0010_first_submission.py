"""Each report keeps the moment of its first submission (the on-time rule's input) instead of every figure finding
it again among all status updates; and an index on report status for the review queue and the overdue view.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('report') as batch:
        batch.add_column(sa.Column('first_submitted_at', tracker.models.base.UTCDateTime(timezone=True),
                                   nullable=True))
        batch.create_index('ix_report_status', ['status'], unique=False)
    # from the history, which stays the source: the first "submitted" update of each report
    op.execute("UPDATE report SET first_submitted_at = (SELECT min(created_at) FROM status_update "
               "WHERE status_update.report_id = report.id AND status_update.status = 'submitted')")


def downgrade() -> None:
    with op.batch_alter_table('report') as batch:
        batch.drop_index('ix_report_status')
        batch.drop_column('first_submitted_at')
