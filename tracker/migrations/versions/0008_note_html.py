"""Each status update keeps its note rendered (sanitised HTML), so pages never parse Markdown to show history.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # notes written before this revision have none and are rendered when shown (linear time, same sanitiser)
    with op.batch_alter_table('status_update') as batch:
        batch.add_column(sa.Column('note_html', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('status_update') as batch:
        batch.drop_column('note_html')
