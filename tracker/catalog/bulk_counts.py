"""A sync's bulk insert of one instrument's new reports, counted once after it instead of row by row (PostgreSQL).

The triggers on report (migrations 0014, 0023, 0025, 0026) keep, in the transaction of every write, its checkpoint's
counts, the overdue tally and the stored quarters. A national first load inserts 234,615 reports: row by row, the
triggers cost 29 s of its 70. Migration 0031 lets them pass over rows written while the transaction says
`mindet.bulk_reports = on`; here the sync says so around its insert alone and then adds, in the same transaction,
exactly what the new rows change. A new report is not started: it adds one lead or co-executor report to its
checkpoint and, on a live checkpoint (of a live measure: the sync creates reports for those only), one report
awaiting its organization to the overdue tally. The additions are computed here and sent as arrays, so that no plan
depends on statistics a first load has not gathered yet (joined to the reports, one statement took 27 s).
tests/test_kept_figures.py proves the counts equal either way."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import insert, text
from sqlmodel import Session

from tracker.insight.stored_quarters import FIGURES_LOCK
from tracker.models import Report
from tracker.statuses import Status

#: an instrument's new reports from this many on are inserted quiet and counted once after (fewer: row by row)
BULK_REPORTS = 500

#: each checkpoint's counts; a checkpoint whose counts change retallies its section by its own trigger (0023). Its
#: due day and whether it is live are read here, under the row's lock, not from what the sync loaded before
_ADD_TO_CHECKPOINTS = (
    "UPDATE checkpoint SET lead_total = checkpoint.lead_total + added.leads, "
    "co_total = checkpoint.co_total + added.others "
    "FROM unnest(CAST(:checkpoints AS integer[]), CAST(:leads AS integer[]), CAST(:others AS integer[])) "
    "AS added(checkpoint_id, leads, others) WHERE checkpoint.id = added.checkpoint_id "
    "RETURNING checkpoint.id, checkpoint.due_on, checkpoint.retired_at IS NULL")
_THEN = (
    # the overdue tally, keyed as migration 0026 keys it
    "INSERT INTO overdue_tally (organization_id, instrument_id, due_on, reports) "
    "SELECT added.organization_id, :instrument, added.due_on, added.reports "
    "FROM unnest(CAST(:organizations AS integer[]), CAST(:days AS date[]), CAST(:reports AS integer[])) "
    "AS added(organization_id, due_on, reports) "
    "ON CONFLICT (organization_id, instrument_id, due_on) DO UPDATE SET reports = overdue_tally.reports + "
    "excluded.reports",
    # the instrument's stored quarters are computed again when next asked (locked as the triggers of 0023 lock)
    f"SELECT pg_advisory_xact_lock_shared({FIGURES_LOCK})",
    "DELETE FROM quarter_rate WHERE instrument_id = :instrument",
    "DELETE FROM stored_quarter WHERE instrument_id = :instrument",
)


def insert_reports(session: Session, rows: list[dict], instrument_id: int) -> None:
    """Insert these new reports of one instrument, not started: on PostgreSQL, from BULK_REPORTS on, quiet and
    counted once."""
    rows = [dict(row, status=Status.NOT_STARTED, retired_at=None) for row in rows]
    if len(rows) < BULK_REPORTS or session.get_bind().dialect.name != "postgresql":
        session.execute(insert(Report.__table__), rows)
        return
    session.execute(text("SELECT set_config('mindet.bulk_reports', 'on', true)"))
    session.execute(insert(Report.__table__), rows)
    session.execute(text("SELECT set_config('mindet.bulk_reports', '', true)"))
    leads, others = Counter(), Counter()
    for row in rows:
        (leads if row["is_lead"] else others)[row["checkpoint_id"]] += 1
    checkpoints = sorted(leads.keys() | others.keys())
    counted = session.execute(text(_ADD_TO_CHECKPOINTS), {
        "checkpoints": checkpoints, "leads": [leads[c] for c in checkpoints],
        "others": [others[c] for c in checkpoints]}).all()
    live_due_on = {checkpoint_id: due_on for checkpoint_id, due_on, live in counted if live}
    awaiting = Counter((row["organization_id"], live_due_on[row["checkpoint_id"]]) for row in rows
                       if row["checkpoint_id"] in live_due_on)
    added = {"instrument": instrument_id, "organizations": [org for org, _day in awaiting],
             "days": [day for _org, day in awaiting], "reports": list(awaiting.values())}
    for statement in _THEN:
        session.execute(text(statement), added)
