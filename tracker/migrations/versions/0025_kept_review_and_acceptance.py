"""Two more kept counts, so that the review queue and the public index count a few thousand kept rows, not 35,000
submitted or 54,000 accepted reports at national scale:

- each checkpoint keeps `lead_accepted` (its live lead reports accepted) and `submitted` (its live reports, lead or
  co-executor, awaiting a verdict), recounted by the report trigger of 0014 with the others;
- `section_tally` sums them per key: `accepted` (checkpoints with an accepted lead report: the public progress)
  and `submitted` (the review queue's size).

The triggers of 0014 (report → checkpoint) and 0023 (checkpoint, obligation → section_tally) are installed again
with the longer lists of counts; what drops stored quarters is unchanged. The downgrade installs the shorter lists.
tests/test_checkpoint_counts.py and tests/test_kept_figures.py prove the kept counts equal to the counts recomputed
from the reports after every kind of write.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 08:00:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sibling(name: str):
    """An earlier migration of this folder, for the SQL it built (frozen in time, as this one is)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_COUNTED = _sibling("0014_checkpoint_counts")
_KEPT = _sibling("0023_kept_figures")

#: each checkpoint count as a condition on one live report of the checkpoint: 0014's, then this migration's
_CONDITIONS = {**_COUNTED._CONDITIONS,
               "lead_accepted": "report.is_lead AND report.status = 'accepted'",
               "submitted": "report.status = 'submitted'"}
#: what a checkpoint row adds to its section_tally key besides itself: 0023's, then this migration's
_SUMS = {"co_answered": "{row}.co_answered", "co_total": "{row}.co_total",
         "accepted": "CASE WHEN {row}.lead_accepted > 0 THEN 1 ELSE 0 END", "submitted": "{row}.submitted"}
_NEW_COUNTS = ("lead_accepted", "submitted")
_NEW_SUMS = ("accepted", "submitted")


def _recount(conditions: dict, which: str) -> str:
    """The UPDATE that recounts the checkpoints `which` (an SQL condition on checkpoint.id), in one pass over each
    checkpoint's reports: a subquery per count let PostgreSQL plan `status = 'submitted'` over the status index,
    and a plan a trigger keeps for its session then read every submitted report of a growing table on each write
    (a national bulk load did not finish)."""
    counts = ", ".join(f"count(*) FILTER (WHERE {condition})" for condition in conditions.values())
    return (f"UPDATE checkpoint SET ({', '.join(conditions)}) = (SELECT {counts} FROM report "
            f"WHERE {_COUNTED._LIVE}) WHERE {which}")


def _take_out(sums: dict, row: str) -> str:
    """Subtract a checkpoint row's contribution (none if it or its obligation is retired)."""
    less = ", ".join(f"{name} = {name} - {value.format(row=row)}" for name, value in sums.items())
    return (f"UPDATE section_tally SET checkpoints = checkpoints - 1, {less} "
            f"WHERE {row}.retired_at IS NULL AND due_on = {row}.due_on AND lead_class = {_KEPT.lead_class(row)} "
            f"AND section_id = (SELECT section_id FROM obligation WHERE id = {row}.obligation_id "
            f"AND retired_at IS NULL)")


def _put_in(sums: dict, row: str) -> str:
    """Add a checkpoint row's contribution to its key, creating the row."""
    names = ", ".join(sums)
    added = ", ".join(f"{name} = section_tally.{name} + excluded.{name}" for name in sums)
    return (f"INSERT INTO section_tally (section_id, due_on, lead_class, checkpoints, {names}) "
            f"SELECT section_id, {row}.due_on, {_KEPT.lead_class(row)}, 1, "
            f"{', '.join(value.format(row=row) for value in sums.values())} "
            f"FROM obligation WHERE id = {row}.obligation_id AND retired_at IS NULL AND {row}.retired_at IS NULL "
            f"ON CONFLICT (section_id, due_on, lead_class) DO UPDATE SET "
            f"checkpoints = section_tally.checkpoints + excluded.checkpoints, {added}")


def _recount_sections(sums: dict, which: str) -> list[str]:
    """Rebuild the tally of the sections `which` (an SQL condition on a section id column named `section_id`)."""
    return [f"DELETE FROM section_tally WHERE {which.format(section_id='section_tally.section_id')}",
            f"INSERT INTO section_tally (section_id, due_on, lead_class, checkpoints, {', '.join(sums)}) "
            f"SELECT obligation.section_id, checkpoint.due_on, {_KEPT.lead_class('checkpoint')}, count(*), "
            f"{', '.join('sum(' + value.format(row='checkpoint') + ')' for value in sums.values())} "
            f"FROM checkpoint JOIN obligation ON obligation.id = checkpoint.obligation_id "
            f"WHERE checkpoint.retired_at IS NULL AND obligation.retired_at IS NULL "
            f"AND {which.format(section_id='obligation.section_id')} "
            f"GROUP BY obligation.section_id, checkpoint.due_on, {_KEPT.lead_class('checkpoint')}"]


def _install(conditions: dict, sums: dict) -> None:
    """(Re)create the triggers that keep the checkpoint counts `conditions` and the section_tally sums `sums`."""
    tallied = (*conditions, "due_on", "retired_at", "obligation_id")
    moved = ("due_on", "retired_at", "obligation_id")
    if op.get_bind().dialect.name == "postgresql":
        _install_postgres(conditions, sums, tallied, moved)
    else:
        _install_sqlite(conditions, sums, tallied, moved)


def _install_postgres(conditions: dict, sums: dict, tallied: tuple, moved: tuple) -> None:
    lock = f"PERFORM pg_advisory_xact_lock_shared({_KEPT.FIGURES_LOCK});"
    statements = _KEPT._statements
    op.execute(f"""
        CREATE OR REPLACE FUNCTION checkpoint_recount() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                {_recount(conditions, "checkpoint.id = OLD.checkpoint_id")};
            END IF;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.checkpoint_id <> OLD.checkpoint_id) THEN
                {_recount(conditions, "checkpoint.id = NEW.checkpoint_id")};
            END IF;
            RETURN NULL;
        END $$""")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION checkpoint_retally() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND NOT ({_KEPT._differs(tallied, True)}) THEN
                RETURN NULL;
            END IF;
            IF TG_OP <> 'INSERT' THEN
                {_take_out(sums, "OLD")};
                {_KEPT._drop_empty("OLD")};
            END IF;
            IF TG_OP <> 'DELETE' THEN
                {_put_in(sums, "NEW")};
            END IF;
            IF TG_OP = 'DELETE' OR ({_KEPT._differs(moved, True)}) THEN
                {lock}
                {statements(_KEPT._drop_quarters_at(_KEPT._instrument_of("OLD"), "OLD.due_on"))}
            END IF;
            IF TG_OP = 'UPDATE' AND ({_KEPT._differs(moved, True)}) THEN
                {statements(_KEPT._drop_quarters_at(_KEPT._instrument_of("NEW"), "NEW.due_on"))}
            END IF;
            RETURN NULL;
        END $$""")
    op.execute("DROP TRIGGER checkpoint_retallies ON checkpoint")
    op.execute(f"CREATE TRIGGER checkpoint_retallies AFTER INSERT OR DELETE OR UPDATE OF {', '.join(tallied)} "
               f"ON checkpoint FOR EACH ROW EXECUTE FUNCTION checkpoint_retally()")
    op.execute(f"""
        CREATE OR REPLACE FUNCTION obligation_retally() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.retired_at IS DISTINCT FROM NEW.retired_at OR OLD.section_id IS DISTINCT FROM NEW.section_id THEN
                {statements(_recount_sections(sums, "{section_id} IN (OLD.section_id, NEW.section_id)"))}
            END IF;
            IF OLD.retired_at IS DISTINCT FROM NEW.retired_at OR OLD.instrument_id IS DISTINCT FROM NEW.instrument_id
            THEN
                {lock}
                {statements(_KEPT._drop_instrument_quarters("OLD") + _KEPT._drop_instrument_quarters("NEW"))}
            END IF;
            RETURN NULL;
        END $$""")


def _install_sqlite(conditions: dict, sums: dict, tallied: tuple, moved: tuple) -> None:
    for name in ("report_inserted_recounts", "report_deleted_recounts", "report_changed_recounts",
                 "checkpoint_inserted_retallies", "checkpoint_deleted_retallies", "checkpoint_changed_retallies",
                 "obligation_changed_retallies"):
        op.execute(f"DROP TRIGGER {name}")
    op.execute(f"CREATE TRIGGER report_inserted_recounts AFTER INSERT ON report BEGIN "
               f"{_recount(conditions, 'checkpoint.id = NEW.checkpoint_id')}; END")
    op.execute(f"CREATE TRIGGER report_deleted_recounts AFTER DELETE ON report BEGIN "
               f"{_recount(conditions, 'checkpoint.id = OLD.checkpoint_id')}; END")
    op.execute(f"CREATE TRIGGER report_changed_recounts AFTER UPDATE OF {_COUNTED._WATCHED} ON report BEGIN "
               f"{_recount(conditions, 'checkpoint.id IN (OLD.checkpoint_id, NEW.checkpoint_id)')}; END")
    op.execute(f"CREATE TRIGGER checkpoint_inserted_retallies AFTER INSERT ON checkpoint BEGIN "
               f"{_put_in(sums, 'NEW')}; END")
    op.execute(f"CREATE TRIGGER checkpoint_deleted_retallies AFTER DELETE ON checkpoint BEGIN "
               f"{_take_out(sums, 'OLD')}; {_KEPT._drop_empty('OLD')}; "
               f"{_KEPT._statements(_KEPT._drop_quarters_at(_KEPT._instrument_of('OLD'), 'OLD.due_on'))} END")
    op.execute(f"CREATE TRIGGER checkpoint_changed_retallies AFTER UPDATE OF {', '.join(tallied)} ON checkpoint "
               f"WHEN {_KEPT._differs(tallied, False)} BEGIN {_take_out(sums, 'OLD')}; "
               f"{_KEPT._drop_empty('OLD')}; {_put_in(sums, 'NEW')}; END")
    op.execute(f"CREATE TRIGGER obligation_changed_retallies AFTER UPDATE OF retired_at, section_id ON obligation "
               f"WHEN {_KEPT._differs(('retired_at', 'section_id'), False)} BEGIN "
               f"{_KEPT._statements(_recount_sections(sums, '{section_id} IN (OLD.section_id, NEW.section_id)'))} "
               f"END")


def upgrade() -> None:
    # plain ALTER TABLE, also on SQLite: a batch copy of these tables would drop the triggers written on them
    for table, names in (("checkpoint", _NEW_COUNTS), ("section_tally", _NEW_SUMS)):
        for name in names:
            op.add_column(table, sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
    # counted before the new triggers watch these columns (no trigger of 0014 or 0023 does), then every section's
    # tally rebuilt with the new sums at once, not one checkpoint at a time
    op.execute(_recount({name: _CONDITIONS[name] for name in _NEW_COUNTS},
                        "checkpoint.id IN (SELECT checkpoint_id FROM report)"))
    _install(_CONDITIONS, _SUMS)
    for statement in _recount_sections(_SUMS, "{section_id} IN (SELECT id FROM section)"):
        op.execute(statement)


def downgrade() -> None:
    _install(_COUNTED._CONDITIONS, {name: _SUMS[name] for name in ("co_answered", "co_total")})
    for table, names in (("section_tally", _NEW_SUMS), ("checkpoint", _NEW_COUNTS)):
        for name in names:  # SQLite 3.35 and later drop a column no trigger reads any more
            op.execute(f"ALTER TABLE {table} DROP COLUMN {name}")
