"""Reports inserted in bulk are counted once, not row by row (PostgreSQL): the three triggers on report that keep the
counts (its checkpoint's counts, the overdue tally, the stored quarters it changes) pass over a row written while
its transaction has said `mindet.bulk_reports = on`. Only the sync says so, around its insert of an instrument's
new reports, and recounts what they change in the same transaction (tracker/catalog/bulk_counts.py): a national
first load ran these triggers 234,615 times, 29 s of its 70.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0031'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (trigger, what fires it, function) of the triggers on report, as migrations 0014, 0023, 0025 and 0026 left them
_TRIGGERS = (
    ("report_recounts_checkpoint", "INSERT OR DELETE OR UPDATE OF status, is_lead, retired_at, checkpoint_id",
     "checkpoint_recount"),
    ("report_overdue_retallies", "INSERT OR DELETE OR UPDATE OF status, retired_at, checkpoint_id, organization_id",
     "report_overdue_retally"),
    ("report_drops_quarters",
     "INSERT OR DELETE OR UPDATE OF status, retired_at, checkpoint_id, organization_id, first_submitted_at",
     "report_drops_quarters"),
)
#: unset (NULL) in every transaction but the sync's bulk insert
_NOT_IN_BULK = "current_setting('mindet.bulk_reports', true) IS DISTINCT FROM 'on'"


def _recreate(condition: str) -> None:
    for name, events, function in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON report")
        op.execute(f"CREATE TRIGGER {name} AFTER {events} ON report FOR EACH ROW {condition}"
                   f"EXECUTE FUNCTION {function}()")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _recreate(f"WHEN ({_NOT_IN_BULK}) ")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _recreate("")
