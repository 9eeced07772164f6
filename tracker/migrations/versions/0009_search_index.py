"""Full-text search of measures on PostgreSQL: a GIN index on the Russian text vector (SQLite searches without).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 04:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":  # online and offline (--sql) alike
        op.execute("CREATE INDEX ix_obligation_text_russian ON obligation USING gin (to_tsvector('russian', text))")


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":  # online and offline (--sql) alike
        op.execute("DROP INDEX ix_obligation_text_russian")
