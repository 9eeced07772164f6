"""Pages kept once rendered: the dashboards re-derived the same figures from the same rows on every request (the
national dashboard cost 70–100 ms in one request, most of it the same for everyone who sees it). A write of anything
a page shows now adds one to `data_generation` as it commits (tracker/kept_pages.py), and a page's shared part is
kept in `kept_page` under the generation it was rendered from: a request reads one row to know whether it is still
true.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models.base

revision: str = '0034'
down_revision: str | None = '0033'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    generation = op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_generation")),
    )
    op.bulk_insert(generation, [{"id": 1, "generation": 0}])
    op.create_table(
        "kept_page",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kept_at", tracker.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_kept_page")),
    )
    op.create_index(op.f("ix_kept_page_kept_at"), "kept_page", ["kept_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_kept_page_kept_at"), table_name="kept_page")
    op.drop_table("kept_page")
    op.drop_table("data_generation")
