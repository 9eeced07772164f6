"""The reports still awaiting their organization (not started, in progress, returned) counted per organization,
instrument and due day (`overdue_tally`): today's overdue totals per organization add up the rows due before today
(about 30,000 narrow rows at national scale) instead of joining 62,000 open reports to 93,000 checkpoints and
15,000 measures on every overdue page and dashboard.

Counted: a live report awaiting its organization, on a live checkpoint of a live measure (the instrument is judged
when read). Kept by triggers in the transaction of every write, whatever wrote it:
- a report inserted, deleted, or changed in status, retirement, checkpoint or organization moves its one count
  from its old key to its new one;
- a checkpoint rescheduled, retired, revived or moved to another measure moves the counts of its reports (one per
  organization: a checkpoint has one report per organization);
- a measure retired, revived or moved to another instrument has its instruments recounted.

The status words are spelled out because a migration is frozen in time; tests/test_kept_figures.py proves the
rows equal to the counts rebuilt from the reports after every kind of write.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 08:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AWAITING = "('not_started', 'in_progress', 'returned')"


def _counted(row: str) -> str:
    """A report row is counted: live and awaiting its organization."""
    return f"{row}.retired_at IS NULL AND {row}.status IN {_AWAITING}"


def _report_out(row: str) -> str:
    """Take a report row's count from its key (nothing if it was not counted)."""
    return (f"UPDATE overdue_tally SET reports = reports - 1 WHERE {_counted(row)} "
            f"AND organization_id = {row}.organization_id "
            f"AND (instrument_id, due_on) IN (SELECT obligation.instrument_id, checkpoint.due_on FROM checkpoint "
            f"JOIN obligation ON obligation.id = checkpoint.obligation_id WHERE checkpoint.id = {row}.checkpoint_id "
            f"AND checkpoint.retired_at IS NULL AND obligation.retired_at IS NULL)")


def _report_in(row: str) -> str:
    """Add a report row's count to its key, creating the row."""
    return (f"INSERT INTO overdue_tally (organization_id, instrument_id, due_on, reports) "
            f"SELECT {row}.organization_id, obligation.instrument_id, checkpoint.due_on, 1 FROM checkpoint "
            f"JOIN obligation ON obligation.id = checkpoint.obligation_id WHERE checkpoint.id = {row}.checkpoint_id "
            f"AND checkpoint.retired_at IS NULL AND obligation.retired_at IS NULL AND {_counted(row)} "
            f"ON CONFLICT (organization_id, instrument_id, due_on) DO UPDATE SET reports = overdue_tally.reports + 1")


def _checkpoint_out(row: str) -> str:
    """Take the counts of a checkpoint row's reports from their keys (one report per organization)."""
    return (f"UPDATE overdue_tally SET reports = reports - 1 WHERE {row}.retired_at IS NULL "
            f"AND due_on = {row}.due_on "
            f"AND instrument_id = (SELECT instrument_id FROM obligation WHERE id = {row}.obligation_id "
            f"AND retired_at IS NULL) "
            f"AND organization_id IN (SELECT organization_id FROM report WHERE checkpoint_id = {row}.id "
            f"AND {_counted('report')})")


def _checkpoint_in(row: str) -> str:
    """Add the counts of a checkpoint row's reports to their keys."""
    return (f"INSERT INTO overdue_tally (organization_id, instrument_id, due_on, reports) "
            f"SELECT report.organization_id, obligation.instrument_id, {row}.due_on, 1 FROM report "
            f"JOIN obligation ON obligation.id = {row}.obligation_id WHERE report.checkpoint_id = {row}.id "
            f"AND {row}.retired_at IS NULL AND obligation.retired_at IS NULL AND {_counted('report')} "
            f"ON CONFLICT (organization_id, instrument_id, due_on) DO UPDATE SET reports = overdue_tally.reports + 1")


def recount(which: str) -> list[str]:
    """Rebuild the rows of the instruments `which` (an SQL condition on a column named `instrument_id`)."""
    return [f"DELETE FROM overdue_tally WHERE {which.format(instrument_id='overdue_tally.instrument_id')}",
            f"INSERT INTO overdue_tally (organization_id, instrument_id, due_on, reports) "
            f"SELECT report.organization_id, obligation.instrument_id, checkpoint.due_on, count(*) FROM report "
            f"JOIN checkpoint ON checkpoint.id = report.checkpoint_id "
            f"JOIN obligation ON obligation.id = checkpoint.obligation_id "
            f"WHERE {_counted('report')} AND checkpoint.retired_at IS NULL AND obligation.retired_at IS NULL "
            f"AND {which.format(instrument_id='obligation.instrument_id')} "
            f"GROUP BY report.organization_id, obligation.instrument_id, checkpoint.due_on"]


_REPORT_WATCHED = "status, retired_at, checkpoint_id, organization_id"
_CHECKPOINT_WATCHED = "due_on, retired_at, obligation_id"


def _differs(columns: str, postgres: bool) -> str:
    operator = "IS DISTINCT FROM" if postgres else "IS NOT"
    return " OR ".join(f"OLD.{column} {operator} NEW.{column}" for column in columns.split(", "))


def upgrade() -> None:
    op.create_table('overdue_tally',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('reports', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_overdue_tally_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_overdue_tally_organization_id_organization')),
    sa.PrimaryKeyConstraint('organization_id', 'instrument_id', 'due_on', name=op.f('pk_overdue_tally'))
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION report_overdue_retally() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NOT ({_differs(_REPORT_WATCHED, True)}) THEN
                    RETURN NULL;
                END IF;
                IF TG_OP <> 'INSERT' THEN
                    {_report_out("OLD")};
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    {_report_in("NEW")};
                END IF;
                RETURN NULL;
            END $$""")
        op.execute(f"CREATE TRIGGER report_overdue_retallies AFTER INSERT OR DELETE OR UPDATE OF {_REPORT_WATCHED} "
                   f"ON report FOR EACH ROW EXECUTE FUNCTION report_overdue_retally()")
        op.execute(f"""
            CREATE FUNCTION checkpoint_overdue_retally() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {_differs(_CHECKPOINT_WATCHED, True)} THEN
                    {_checkpoint_out("OLD")};
                    {_checkpoint_in("NEW")};
                END IF;
                RETURN NULL;
            END $$""")
        op.execute(f"CREATE TRIGGER checkpoint_overdue_retallies AFTER UPDATE OF {_CHECKPOINT_WATCHED} "
                   f"ON checkpoint FOR EACH ROW EXECUTE FUNCTION checkpoint_overdue_retally()")
        op.execute(f"""
            CREATE FUNCTION obligation_overdue_retally() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {_differs("retired_at, instrument_id", True)} THEN
                    {"; ".join(recount("{instrument_id} IN (OLD.instrument_id, NEW.instrument_id)"))};
                END IF;
                RETURN NULL;
            END $$""")
        op.execute("CREATE TRIGGER obligation_overdue_retallies AFTER UPDATE OF retired_at, instrument_id "
                   "ON obligation FOR EACH ROW EXECUTE FUNCTION obligation_overdue_retally()")
    else:
        op.execute(f"CREATE TRIGGER report_inserted_overdue AFTER INSERT ON report BEGIN {_report_in('NEW')}; END")
        op.execute(f"CREATE TRIGGER report_deleted_overdue AFTER DELETE ON report BEGIN {_report_out('OLD')}; END")
        op.execute(f"CREATE TRIGGER report_changed_overdue AFTER UPDATE OF {_REPORT_WATCHED} ON report "
                   f"WHEN {_differs(_REPORT_WATCHED, False)} BEGIN {_report_out('OLD')}; {_report_in('NEW')}; END")
        op.execute(f"CREATE TRIGGER checkpoint_changed_overdue AFTER UPDATE OF {_CHECKPOINT_WATCHED} ON checkpoint "
                   f"WHEN {_differs(_CHECKPOINT_WATCHED, False)} BEGIN {_checkpoint_out('OLD')}; "
                   f"{_checkpoint_in('NEW')}; END")
        op.execute(f"CREATE TRIGGER obligation_changed_overdue AFTER UPDATE OF retired_at, instrument_id "
                   f"ON obligation WHEN {_differs('retired_at, instrument_id', False)} BEGIN "
                   f"{'; '.join(recount('{instrument_id} IN (OLD.instrument_id, NEW.instrument_id)'))}; END")
    for statement in recount("{instrument_id} IN (SELECT id FROM instrument)"):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table, function in (("report_overdue_retallies", "report", "report_overdue_retally"),
                                          ("checkpoint_overdue_retallies", "checkpoint", "checkpoint_overdue_retally"),
                                          ("obligation_overdue_retallies", "obligation", "obligation_overdue_retally")):
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
            op.execute(f"DROP FUNCTION {function}()")
    else:
        for trigger in ("report_inserted_overdue", "report_deleted_overdue", "report_changed_overdue",
                        "checkpoint_changed_overdue", "obligation_changed_overdue"):
            op.execute(f"DROP TRIGGER {trigger}")
    op.drop_table('overdue_tally')
