"""Figures the database keeps besides each checkpoint's counts (0014), so that home and dashboards read a few
thousand rows at national scale, not 93,569 checkpoints or 234,615 reports:

- `section_tally`: live checkpoints of live obligations counted per section, due day and lead class (the four facts
  statuses.status_from_counts reads: all done, any returned, all answered, any active), with their co-executors'
  counts summed. Triggers on checkpoint move a checkpoint's contribution from its old key to its new one on every
  change (O(1), whatever the size), and recount a whole section when an obligation is retired, revived or moved.
- `stored_quarter` / `quarter_rate`: an instrument's on-time figures of a complete quarter, per organization,
  stored by the application once computed (tracker/insight/stored_quarters.py). Triggers delete them when anything
  they count changes: a report created, retired, moved, exempted (not applicable, cancelled) or first submitted; a
  checkpoint rescheduled, retired or moved; an obligation retired or moved. On PostgreSQL the triggers take a
  shared advisory lock that the storing transaction takes exclusively, so that figures computed while a write was
  in flight are never stored.

The status words are spelled out because a migration is frozen in time; tests/test_kept_figures.py proves the kept
rows equal to the figures recomputed from the reports after every kind of write.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tracker.models

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: the key of the advisory lock between writes that drop stored quarters and the transaction that stores them
FIGURES_LOCK = 4221027


def lead_class(row: str) -> str:
    """The lead class of a checkpoint row (statuses.LeadCounts.of_class reads it back)."""
    return (f"(CASE WHEN {row}.lead_total > 0 AND {row}.lead_done = {row}.lead_total THEN 1 ELSE 0 END"
            f" + CASE WHEN {row}.lead_returned > 0 THEN 2 ELSE 0 END"
            f" + CASE WHEN {row}.lead_total > 0 AND {row}.lead_answered = {row}.lead_total THEN 4 ELSE 0 END"
            f" + CASE WHEN {row}.lead_active > 0 THEN 8 ELSE 0 END)")


def _take_out(row: str) -> str:
    """Subtract a checkpoint row's contribution (none if it or its obligation is retired)."""
    return (f"UPDATE section_tally SET checkpoints = checkpoints - 1, co_answered = co_answered - {row}.co_answered, "
            f"co_total = co_total - {row}.co_total "
            f"WHERE {row}.retired_at IS NULL AND due_on = {row}.due_on AND lead_class = {lead_class(row)} "
            f"AND section_id = (SELECT section_id FROM obligation WHERE id = {row}.obligation_id "
            f"AND retired_at IS NULL)")


def _put_in(row: str) -> str:
    """Add a checkpoint row's contribution to its key, creating the row."""
    return (f"INSERT INTO section_tally (section_id, due_on, lead_class, checkpoints, co_answered, co_total) "
            f"SELECT section_id, {row}.due_on, {lead_class(row)}, 1, {row}.co_answered, {row}.co_total "
            f"FROM obligation WHERE id = {row}.obligation_id AND retired_at IS NULL AND {row}.retired_at IS NULL "
            f"ON CONFLICT (section_id, due_on, lead_class) DO UPDATE SET "
            f"checkpoints = section_tally.checkpoints + excluded.checkpoints, "
            f"co_answered = section_tally.co_answered + excluded.co_answered, "
            f"co_total = section_tally.co_total + excluded.co_total")


def _drop_empty(row: str) -> str:
    """Delete the rows left at zero under a checkpoint row's old key (a class no checkpoint has any more)."""
    return (f"DELETE FROM section_tally WHERE checkpoints = 0 AND due_on = {row}.due_on "
            f"AND section_id = (SELECT section_id FROM obligation WHERE id = {row}.obligation_id)")


def _instrument_of(row: str) -> str:
    """The instrument of a checkpoint row's obligation."""
    return f"(SELECT instrument_id FROM obligation WHERE id = {row}.obligation_id)"


def recount_sections(which: str) -> list[str]:
    """Rebuild the tally of the sections `which` (an SQL condition on a section id column named `section_id`)."""
    return [f"DELETE FROM section_tally WHERE {which.format(section_id='section_tally.section_id')}",
            f"INSERT INTO section_tally (section_id, due_on, lead_class, checkpoints, co_answered, co_total) "
            f"SELECT obligation.section_id, checkpoint.due_on, {lead_class('checkpoint')}, count(*), "
            f"sum(checkpoint.co_answered), sum(checkpoint.co_total) "
            f"FROM checkpoint JOIN obligation ON obligation.id = checkpoint.obligation_id "
            f"WHERE checkpoint.retired_at IS NULL AND obligation.retired_at IS NULL "
            f"AND {which.format(section_id='obligation.section_id')} "
            f"GROUP BY obligation.section_id, checkpoint.due_on, {lead_class('checkpoint')}"]


_COUNTS = ("lead_total", "lead_done", "lead_returned", "lead_answered", "lead_active", "co_answered", "co_total")
_TALLIED = (*_COUNTS, "due_on", "retired_at", "obligation_id")


def _drop_quarters_at(instrument: str, due: str) -> list[str]:
    """Delete the stored quarter (and its rates) of an instrument that holds a due day."""
    return [f"DELETE FROM {table} WHERE instrument_id = {instrument} AND starts_on <= {due} AND ends_on >= {due}"
            for table in ("quarter_rate", "stored_quarter")]


def _drop_quarters_of(checkpoint: str) -> list[str]:
    """Delete the stored quarter that holds the due day of the checkpoint whose id is given."""
    return _drop_quarters_at(f"(SELECT obligation.instrument_id FROM checkpoint JOIN obligation "
                             f"ON obligation.id = checkpoint.obligation_id WHERE checkpoint.id = {checkpoint})",
                             f"(SELECT due_on FROM checkpoint WHERE id = {checkpoint})")


def _drop_instrument_quarters(obligation: str) -> list[str]:
    """Delete every stored quarter of an obligation row's instrument."""
    return [f"DELETE FROM {table} WHERE instrument_id = {obligation}.instrument_id"
            for table in ("quarter_rate", "stored_quarter")]


_EXEMPT = "('not_applicable', 'cancelled')"
_REPORT_COUNTED = "status, retired_at, checkpoint_id, organization_id, first_submitted_at"


def _differs(columns: Sequence[str], postgres: bool) -> str:
    """Any of these columns changed, NULLs compared as values."""
    operator = "IS DISTINCT FROM" if postgres else "IS NOT"
    return " OR ".join(f"OLD.{column} {operator} NEW.{column}" for column in columns)


def _report_counted_changed(postgres: bool) -> str:
    return (f"(OLD.status IN {_EXEMPT}) <> (NEW.status IN {_EXEMPT}) OR "
            + _differs(("retired_at", "checkpoint_id", "organization_id", "first_submitted_at"), postgres))


def _statements(statements: list[str]) -> str:
    return "; ".join(statements) + ";"


def upgrade() -> None:
    op.create_table('quarter_rate',
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_quarter_rate_instrument_id_instrument')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_quarter_rate_organization_id_organization')),
    sa.PrimaryKeyConstraint('instrument_id', 'starts_on', 'organization_id', name=op.f('pk_quarter_rate'))
    )
    op.create_table('stored_quarter',
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('stored_at', tracker.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instrument.id'], name=op.f('fk_stored_quarter_instrument_id_instrument')),
    sa.PrimaryKeyConstraint('instrument_id', 'starts_on', name=op.f('pk_stored_quarter'))
    )
    op.create_table('section_tally',
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('lead_class', sa.Integer(), nullable=False),
    sa.Column('checkpoints', sa.Integer(), nullable=False),
    sa.Column('co_answered', sa.Integer(), nullable=False),
    sa.Column('co_total', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['section_id'], ['section.id'], name=op.f('fk_section_tally_section_id_section')),
    sa.PrimaryKeyConstraint('section_id', 'due_on', 'lead_class', name=op.f('pk_section_tally'))
    )

    if op.get_bind().dialect.name == "postgresql":
        _postgres_triggers()
    else:
        _sqlite_triggers()
    for statement in recount_sections("{section_id} IN (SELECT id FROM section)"):
        op.execute(statement)


def _postgres_triggers() -> None:
    lock = f"PERFORM pg_advisory_xact_lock_shared({FIGURES_LOCK});"
    op.execute(f"""
        CREATE FUNCTION checkpoint_retally() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND NOT ({_differs(_TALLIED, True)}) THEN
                RETURN NULL;
            END IF;
            IF TG_OP <> 'INSERT' THEN
                {_take_out("OLD")};
                {_drop_empty("OLD")};
            END IF;
            IF TG_OP <> 'DELETE' THEN
                {_put_in("NEW")};
            END IF;
            IF TG_OP = 'DELETE' OR ({_differs(("due_on", "retired_at", "obligation_id"), True)}) THEN
                {lock}
                {_statements(_drop_quarters_at(_instrument_of("OLD"), "OLD.due_on"))}
            END IF;
            IF TG_OP = 'UPDATE' AND ({_differs(("due_on", "retired_at", "obligation_id"), True)}) THEN
                {_statements(_drop_quarters_at(_instrument_of("NEW"), "NEW.due_on"))}
            END IF;
            RETURN NULL;
        END $$""")
    op.execute(f"CREATE TRIGGER checkpoint_retallies AFTER INSERT OR DELETE OR UPDATE OF {', '.join(_TALLIED)} "
               f"ON checkpoint FOR EACH ROW EXECUTE FUNCTION checkpoint_retally()")
    op.execute(f"""
        CREATE FUNCTION obligation_retally() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.retired_at IS DISTINCT FROM NEW.retired_at OR OLD.section_id IS DISTINCT FROM NEW.section_id THEN
                {_statements(recount_sections("{section_id} IN (OLD.section_id, NEW.section_id)"))}
            END IF;
            IF OLD.retired_at IS DISTINCT FROM NEW.retired_at OR OLD.instrument_id IS DISTINCT FROM NEW.instrument_id
            THEN
                {lock}
                {_statements(_drop_instrument_quarters("OLD") + _drop_instrument_quarters("NEW"))}
            END IF;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER obligation_retallies AFTER UPDATE OF retired_at, section_id, instrument_id "
               "ON obligation FOR EACH ROW EXECUTE FUNCTION obligation_retally()")
    op.execute(f"""
        CREATE FUNCTION report_drops_quarters() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' OR TG_OP = 'DELETE' OR {_report_counted_changed(True)} THEN
                {lock}
                IF TG_OP <> 'INSERT' THEN
                    {_statements(_drop_quarters_of("OLD.checkpoint_id"))}
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    {_statements(_drop_quarters_of("NEW.checkpoint_id"))}
                END IF;
            END IF;
            RETURN NULL;
        END $$""")
    op.execute(f"CREATE TRIGGER report_drops_quarters AFTER INSERT OR DELETE OR UPDATE OF {_REPORT_COUNTED} "
               "ON report FOR EACH ROW EXECUTE FUNCTION report_drops_quarters()")


def _sqlite_triggers() -> None:
    changed = _differs(_TALLIED, False)
    moved = _differs(("due_on", "retired_at", "obligation_id"), False)
    op.execute(f"CREATE TRIGGER checkpoint_inserted_retallies AFTER INSERT ON checkpoint BEGIN "
               f"{_put_in('NEW')}; END")
    op.execute(f"CREATE TRIGGER checkpoint_deleted_retallies AFTER DELETE ON checkpoint BEGIN "
               f"{_take_out('OLD')}; {_drop_empty('OLD')}; "
               f"{_statements(_drop_quarters_at(_instrument_of('OLD'), 'OLD.due_on'))} END")
    op.execute(f"CREATE TRIGGER checkpoint_changed_retallies AFTER UPDATE OF {', '.join(_TALLIED)} ON checkpoint "
               f"WHEN {changed} BEGIN {_take_out('OLD')}; {_drop_empty('OLD')}; {_put_in('NEW')}; END")
    op.execute(f"CREATE TRIGGER checkpoint_moved_drops_quarters AFTER UPDATE OF due_on, retired_at, obligation_id "
               f"ON checkpoint WHEN {moved} BEGIN "
               f"{_statements(_drop_quarters_at(_instrument_of('OLD'), 'OLD.due_on'))} "
               f"{_statements(_drop_quarters_at(_instrument_of('NEW'), 'NEW.due_on'))} END")
    op.execute(f"CREATE TRIGGER obligation_changed_retallies AFTER UPDATE OF retired_at, section_id ON obligation "
               f"WHEN {_differs(('retired_at', 'section_id'), False)} BEGIN "
               f"{_statements(recount_sections('{section_id} IN (OLD.section_id, NEW.section_id)'))} END")
    op.execute(f"CREATE TRIGGER obligation_changed_drops_quarters AFTER UPDATE OF retired_at, instrument_id "
               f"ON obligation WHEN {_differs(('retired_at', 'instrument_id'), False)} BEGIN "
               f"{_statements(_drop_instrument_quarters('OLD') + _drop_instrument_quarters('NEW'))} END")
    op.execute(f"CREATE TRIGGER report_inserted_drops_quarters AFTER INSERT ON report BEGIN "
               f"{_statements(_drop_quarters_of('NEW.checkpoint_id'))} END")
    op.execute(f"CREATE TRIGGER report_deleted_drops_quarters AFTER DELETE ON report BEGIN "
               f"{_statements(_drop_quarters_of('OLD.checkpoint_id'))} END")
    op.execute(f"CREATE TRIGGER report_changed_drops_quarters AFTER UPDATE OF {_REPORT_COUNTED} ON report "
               f"WHEN {_report_counted_changed(False)} BEGIN "
               f"{_statements(_drop_quarters_of('OLD.checkpoint_id') + _drop_quarters_of('NEW.checkpoint_id'))} END")


_SQLITE_TRIGGERS = ("checkpoint_inserted_retallies", "checkpoint_deleted_retallies", "checkpoint_changed_retallies",
                    "checkpoint_moved_drops_quarters", "obligation_changed_retallies",
                    "obligation_changed_drops_quarters", "report_inserted_drops_quarters",
                    "report_deleted_drops_quarters", "report_changed_drops_quarters")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger, table, function in (("checkpoint_retallies", "checkpoint", "checkpoint_retally"),
                                          ("obligation_retallies", "obligation", "obligation_retally"),
                                          ("report_drops_quarters", "report", "report_drops_quarters")):
            op.execute(f"DROP TRIGGER {trigger} ON {table}")
            op.execute(f"DROP FUNCTION {function}()")
    else:
        for trigger in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger}")
    op.drop_table('section_tally')
    op.drop_table('stored_quarter')
    op.drop_table('quarter_rate')
