"""What a page shows and the API returns for the same question, built once: a checkpoint with its reports, and a
dashboard's figures. The edges only render them (HTML, charts, JSON)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from tracker.as_of import Moment
from tracker.catalog.lookups import checkpoint_with_context, first_valid_from, organizations_by
from tracker.catalog.obligations import checkpoint_reports
from tracker.insight.figures import InstrumentProgress, instrument_progress, on_time_rates, progress, trend
from tracker.insight.overdue import Filters, overdue_totals
from tracker.models import Checkpoint, Instrument, Obligation, Organization, Report, Section
from tracker.periods import Period
from tracker.statuses import ANSWERED, Derived, checkpoint_status


@dataclass(frozen=True)
class CheckpointBundle:
    """A checkpoint, its obligation, instrument and section, every responsible organization's report, the state the
    lead reports give it, and how many answered (in all, and per group: «МИО: 14 of 20»)."""

    checkpoint: Checkpoint
    obligation: Obligation
    instrument: Instrument
    section: Section
    rows: list[tuple[Report, Organization]]
    status: str
    answered: int
    groups: list[tuple[Organization, int, int]]


def checkpoint_bundle(session: Session, checkpoint_id: int, today: date) -> CheckpointBundle | None:
    """The checkpoint as judged on `today`, or None when there is none."""
    found = checkpoint_with_context(session, checkpoint_id)
    if found is None:
        return None
    cp, ob, inst, section = found
    rows = checkpoint_reports(session, cp.id)
    status = Derived.RETIRED.value if cp.retired_at is not None else checkpoint_status(
        [r.status for r, _org in rows if r.is_lead], cp.due_on, today)
    groups: dict[int, list[int]] = {}  # group id → [answered, expected]
    for report, _org in rows:
        if report.via_group_id:
            counts = groups.setdefault(report.via_group_id, [0, 0])
            counts[0] += report.status in ANSWERED
            counts[1] += 1
    names = {o.id: o for o in organizations_by(session, ids=groups)}
    return CheckpointBundle(cp, ob, inst, section, rows, status,
                            answered=sum(1 for r, _org in rows if r.status in ANSWERED),
                            groups=[(names[g], done, total) for g, (done, total) in groups.items()])


@dataclass(frozen=True)
class DashboardBundle:
    """The dashboard's figures for one instrument or all, judged `when`."""

    instrument: Instrument | None
    when: Moment
    quarter: Period  #: the quarter of the on-time league table
    counts: dict
    sections: list  #: progress per section: one instrument's, or every instrument's when asked for
    league: list
    overdue: list[tuple[str, int]]  #: overdue reports per organization, most first
    trend: list[tuple[str, float | None]]  #: the on-time rate of each quarter complete on that day
    instruments: list[InstrumentProgress]  #: progress per instrument, the least advanced first (all instruments)


def dashboard_bundle(session: Session, when: Moment, *, instrument: Instrument | None, quarter: Period | None,
                     only_league: bool = False, every_section: bool = False) -> DashboardBundle:
    """Counts by status, progress per section of one instrument (of all, with `every_section`) or per instrument,
    the league table for `quarter` (default: the last one complete on the day judged), overdue per organization
    and the on-time trend up to that day (`only_league`: the league table and its quarter alone, for its own
    page)."""
    ids = [instrument.id] if instrument else None
    quarter = quarter or when.last_complete_quarter()
    league = on_time_rates(session, when, instrument_ids=ids, start=quarter.starts_on, end=quarter.ends_on)
    if only_league:
        return DashboardBundle(instrument, when, quarter, {}, [], league, [], [], [])
    if instrument or every_section:
        counts, sections = progress(session, when, instrument.id if instrument else None)
        instruments: list[InstrumentProgress] = []
    else:
        counts, instruments = instrument_progress(session, when)
        sections = []
    overdue = overdue_totals(session, Filters(instrument=instrument.key if instrument else None), when)
    first = instrument.valid_from if instrument else first_valid_from(session, default=when.day)
    points = trend(session, when, instrument_ids=ids, first=first)
    return DashboardBundle(instrument, when, quarter, counts, sections, league, overdue, points, instruments)
