"""Each checkpoint keeps its reports counted by status, kept by the database in the transaction that writes a
report: figures read 93,569 checkpoints' counts at national scale instead of re-deriving 234,615 reports.

The counts are those of statuses.LeadCounts (lead reports: total, done, returned, answered, active) and of the
co-executors (answered, total), over live reports. A trigger recounts the checkpoint of every report inserted,
deleted or changed in status, role, retirement or checkpoint, whatever wrote it (the workflow's conditional
UPDATE, the sync, a bulk load): no write path can forget it. The status words are spelled out here because a
migration is frozen in time; tests/test_checkpoint_counts.py proves them equal to the Python rule.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTS = ("lead_total", "lead_done", "lead_returned", "lead_answered", "lead_active", "co_answered", "co_total")
_LIVE = "report.checkpoint_id = checkpoint.id AND report.retired_at IS NULL"
#: each count as a condition on one live report of the checkpoint
_CONDITIONS = {
    "lead_total": "report.is_lead",
    "lead_done": "report.is_lead AND report.status IN ('accepted', 'not_applicable', 'cancelled')",
    "lead_returned": "report.is_lead AND report.status = 'returned'",
    "lead_answered": "report.is_lead AND report.status IN ('accepted', 'not_applicable', 'cancelled', 'submitted')",
    "lead_active": "report.is_lead AND report.status IN ('in_progress', 'submitted')",
    "co_answered": "NOT report.is_lead AND report.status IN ('accepted', 'not_applicable', 'cancelled', 'submitted')",
    "co_total": "NOT report.is_lead",
}
_SET = ", ".join(f"{name} = (SELECT count(*) FROM report WHERE {_LIVE} AND {condition})"
                 for name, condition in _CONDITIONS.items())
_WATCHED = "status, is_lead, retired_at, checkpoint_id"


def recount(which: str) -> str:
    """The UPDATE that recounts the checkpoints `which` (an SQL condition on checkpoint.id)."""
    return f"UPDATE checkpoint SET {_SET} WHERE {which}"


def upgrade() -> None:
    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        for name in COUNTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION checkpoint_recount() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    {recount("checkpoint.id = OLD.checkpoint_id")};
                END IF;
                IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.checkpoint_id <> OLD.checkpoint_id) THEN
                    {recount("checkpoint.id = NEW.checkpoint_id")};
                END IF;
                RETURN NULL;
            END $$""")
        op.execute(f"CREATE TRIGGER report_recounts_checkpoint AFTER INSERT OR DELETE OR UPDATE OF {_WATCHED} "
                   "ON report FOR EACH ROW EXECUTE FUNCTION checkpoint_recount()")
    else:
        op.execute(f"CREATE TRIGGER report_inserted_recounts AFTER INSERT ON report BEGIN "
                   f"{recount('checkpoint.id = NEW.checkpoint_id')}; END")
        op.execute(f"CREATE TRIGGER report_deleted_recounts AFTER DELETE ON report BEGIN "
                   f"{recount('checkpoint.id = OLD.checkpoint_id')}; END")
        op.execute(f"CREATE TRIGGER report_changed_recounts AFTER UPDATE OF {_WATCHED} ON report BEGIN "
                   f"{recount('checkpoint.id IN (OLD.checkpoint_id, NEW.checkpoint_id)')}; END")
    op.execute(recount("checkpoint.id IN (SELECT checkpoint_id FROM report)"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER report_recounts_checkpoint ON report")
        op.execute("DROP FUNCTION checkpoint_recount()")
    else:
        for name in ("report_inserted_recounts", "report_deleted_recounts", "report_changed_recounts"):
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        for name in reversed(COUNTS):
            batch_op.drop_column(name)
