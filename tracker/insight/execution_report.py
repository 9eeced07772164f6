"""The execution report of an instrument for a commission meeting: a one-page summary first, then one row per
measure (its status, who answered, what its owners say was done, the evidence once), then overdue reports by
organization as a compact table. Built once, shown as a printable page or written as DOCX (report_docx)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session, select

from tracker.as_of import Moment, not_retired, then
from tracker.catalog.obligations import ObligationView, obligation_views
from tracker.insight.figures import checkpoint_states, checkpoint_tally, on_time_rates
from tracker.insight.indicators import IndicatorView, indicator_views, worst_first
from tracker.insight.overdue import Filters as OverdueFilters
from tracker.insight.overdue import OverdueRow, overdue_page
from tracker.models import (
    Checkpoint,
    DeadlineChange,
    Decision,
    Evidence,
    Instrument,
    Meeting,
    Obligation,
    Organization,
    Report,
    Section,
    StatusUpdate,
    is_live,
)
from tracker.periods import Period
from tracker.statuses import ANSWERED, Derived

#: how many organizations the summary names as the most overdue
WORST = 10
#: how many lead organizations' notes a measure shows (a group lead has twenty); the rest are counted
NOTES_SHOWN = 5


@dataclass(frozen=True)
class Answers:
    """Who answered on a measure's current checkpoint: a group's members («МИО: 14 из 20»), or its co-executors."""

    label: str  #: the group's code, or "" for the co-executors named one by one
    answered: int
    total: int
    missing: list[str]  #: codes of those who have not answered


@dataclass
class Measure:
    """One obligation as the report shows it."""

    view: ObligationView
    checkpoint: Checkpoint | None = None  #: the latest checkpoint due by the quarter's end: what the row reports on
    notes: list[tuple[str, StatusUpdate]] = field(default_factory=list)  #: (owner's code, its latest submission)
    more_notes: int = 0
    evidence: list[Evidence] = field(default_factory=list)  #: of those submissions, each file or link once
    answers: list[Answers] = field(default_factory=list)
    overdue: list[tuple[Checkpoint, int]] = field(default_factory=list)  #: (checkpoint, days overdue)
    changes: list[DeadlineChange] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    """The report's first page."""

    counts: dict[str, int]  #: checkpoints due by the quarter's end, by state
    on_time: float | None  #: the quarter's on-time rate of reports, in percent
    previous_on_time: float | None
    worst: list[tuple[Organization, int, int]]  #: (organization, overdue reports, most days overdue)
    #: the last meeting of the instrument's commission held by then, and its decisions with whether each was
    #: executed: (decision, True / False, or None when it asked for nothing to execute)
    last_meeting: Meeting | None = None
    decisions: list[tuple[Decision, bool | None]] = field(default_factory=list)


@dataclass(frozen=True)
class LateReport:
    """An overdue report of the instrument, for the per-organization table: how late, and the reason given."""

    row: OverdueRow
    reason: str | None


@dataclass(frozen=True)
class ExecutionReport:
    """Everything the report shows, judged `when`."""

    instrument: Instrument
    quarter: Period
    when: Moment
    summary: Summary
    sections: list[tuple[Section, list[Measure]]]
    late: list[tuple[Organization, list[LateReport]]]
    #: the instrument's indicators off track or at risk `when`, worst first; and how many it has in all
    lagging: list[IndicatorView] = field(default_factory=list)
    indicator_count: int = 0


def build(session: Session, instrument: Instrument, quarter: Period, when: Moment) -> ExecutionReport:
    """The report on the checkpoints due up to the end of `quarter`, as things stood `when` (at a past day's end:
    measures that existed, statuses, notes, evidence and deadline changes written by then, nothing later)."""
    late = overdue_by_organization(session, instrument, when)
    measures = _measures(session, instrument, quarter, when)
    measured = indicator_views(session, when, instrument_ids=[instrument.id])
    return ExecutionReport(instrument, quarter, when, _summary(session, instrument, quarter, when, late),
                           _by_section(session, instrument, measures), late,
                           lagging=[v for v in worst_first(measured) if v.judgement in ("off_track", "at_risk")],
                           indicator_count=len(measured))


def _measures(session: Session, instrument: Instrument, quarter: Period, when: Moment) -> dict[int, Measure]:
    measures = {v.obligation.id: Measure(v) for v in obligation_views(session=session, when=when,
                                                                      instrument=instrument)}
    for measure in measures.values():
        due = [cp for cp, _status in measure.view.checkpoints if cp.due_on <= quarter.ends_on]
        measure.checkpoint = max(due, key=lambda cp: cp.due_on, default=None)
        measure.overdue = [(cp, (when.day - cp.due_on).days) for cp, status in measure.view.checkpoints
                           if status == Derived.OVERDUE and cp.due_on <= quarter.ends_on]
    current = {m.checkpoint.id: m for m in measures.values() if m.checkpoint is not None}
    _add_answers(session, current, when)
    _add_notes(session, current, when)
    _add_changes(session, instrument, measures, when)
    return measures


#: a report's own organization (not the group it came through)
_OWN = Organization.id == Report.organization_id


def _reports(session: Session, checkpoint_ids: list[int], when: Moment):
    """(report id, checkpoint id, lead?, group id, organization code, status) of these checkpoints' reports `when`."""
    if not when.is_past:
        return session.exec(select(Report.id, Report.checkpoint_id, Report.is_lead, Report.via_group_id,
                                   Organization.code, Report.status).join(Organization, _OWN)
                            .where(Report.checkpoint_id.in_(checkpoint_ids), is_live(Report))).all()
    past = then(when.past)
    return session.exec(past.with_status(
        select(Report.id, Report.checkpoint_id, Report.is_lead, Report.via_group_id, Organization.code, past.status)
        .join(Organization, _OWN).where(Report.checkpoint_id.in_(checkpoint_ids), not_retired(Report, past.at)))).all()


def _add_answers(session: Session, current: dict[int, Measure], when: Moment) -> None:
    """Each measure's answers on its current checkpoint: per group its members, then the other co-executors."""
    groups: dict[int, dict[int | None, list]] = defaultdict(lambda: defaultdict(list))
    for _id, checkpoint_id, is_lead, group_id, code, status in _reports(session, list(current), when):
        if group_id is not None or not is_lead:
            groups[checkpoint_id][group_id].append((code, status in ANSWERED))
    names = dict(session.exec(select(Organization.id, Organization.code).where(Organization.is_group)).all())
    for checkpoint_id, by_group in groups.items():
        answers = []
        for group_id, members in sorted(by_group.items(), key=lambda item: (item[0] is None, item[0] or 0)):
            missing = sorted(code for code, answered in members if not answered)
            answers.append(Answers(names.get(group_id, "") if group_id else "", len(members) - len(missing),
                                   len(members), missing))
        current[checkpoint_id].answers = answers


def _add_notes(session: Session, current: dict[int, Measure], when: Moment) -> None:
    """What each measure's lead executors say was done: the latest submission of each lead report on its current
    checkpoint (never a verdict's comment), and the evidence of those submissions, each file or link once."""
    leads = {report_id: (checkpoint_id, code) for report_id, checkpoint_id, is_lead, _g, code, _s
             in _reports(session, list(current), when) if is_lead}
    query = select(StatusUpdate).where(StatusUpdate.report_id.in_(list(leads)), StatusUpdate.status == "submitted")
    if when.is_past:
        query = query.where(StatusUpdate.created_at < when.at)
    latest: dict[int, StatusUpdate] = {}
    for update in session.exec(query.order_by(StatusUpdate.report_version)):
        latest[update.report_id] = update
    evidence = defaultdict(list)
    for item in session.exec(select(Evidence).where(Evidence.status_update_id.in_([u.id for u in latest.values()]))
                             .order_by(Evidence.id)):
        evidence[item.status_update_id].append(item)
    for report_id, update in sorted(latest.items(), key=lambda item: item[1].created_at, reverse=True):
        checkpoint_id, code = leads[report_id]
        measure = current[checkpoint_id]
        if update.note:
            if len(measure.notes) < NOTES_SHOWN:
                measure.notes.append((code, update))
            else:
                measure.more_notes += 1
        seen = {item.sha256 or item.url or item.file_name for item in measure.evidence}
        for item in evidence[update.id]:
            if (item.sha256 or item.url or item.file_name) not in seen:
                seen.add(item.sha256 or item.url or item.file_name)
                measure.evidence.append(item)


def _add_changes(session: Session, instrument: Instrument, measures: dict[int, Measure], when: Moment) -> None:
    """Each measure's deadline changes written by then, oldest first."""
    query = (select(DeadlineChange, Checkpoint).join(Checkpoint, Checkpoint.id == DeadlineChange.checkpoint_id)
             .join(Obligation, Obligation.id == Checkpoint.obligation_id)
             .where(Obligation.instrument_id == instrument.id))
    if when.is_past:
        query = query.where(DeadlineChange.created_at < when.at)
    for change, checkpoint in session.exec(query.order_by(DeadlineChange.created_at)):
        if checkpoint.obligation_id in measures:
            measures[checkpoint.obligation_id].changes.append(change)


def _by_section(session: Session, instrument: Instrument, measures: dict[int, Measure]):
    by_section = defaultdict(list)
    for measure in measures.values():
        by_section[measure.view.section.id].append(measure)
    sections = session.exec(select(Section).where(Section.instrument_id == instrument.id, is_live(Section))
                            .order_by(Section.position)).all()
    return [(s, by_section[s.id]) for s in sections if by_section[s.id]]


def _summary(session: Session, instrument: Instrument, quarter: Period, when: Moment, late) -> Summary:
    counts: Counter = Counter()
    for tally in checkpoint_tally(session, when, [instrument.id], due_before=quarter.ends_on + timedelta(days=1)):
        counts[tally.status] += tally.checkpoints
    worst = sorted(((organization, len(items), max(item.row.days for item in items)) for organization, items in late),
                   key=lambda row: (-row[1], -row[2], row[0].code))[:WORST]
    meeting, decided = _last_meeting(session, instrument, when)
    return Summary(dict(counts), _rate(session, instrument, quarter, when),
                   _rate(session, instrument, quarter.previous(), when), worst, meeting, decided)


def _last_meeting(session: Session, instrument: Instrument, when: Moment):
    """The commission's last meeting held by then with decisions, and each decision with whether it was executed:
    a tracked decision when its checkpoint is done; a checkpoint opened or moved when that checkpoint is done;
    noted, not applicable and cancelled ask for nothing more (None)."""
    if instrument.commission_id is None:
        return None, []
    day = when.past or when.day
    meeting = session.exec(select(Meeting).where(Meeting.commission_id == instrument.commission_id,
                                                 Meeting.status == "held", Meeting.held_on <= day)
                           .order_by(Meeting.held_on.desc(), Meeting.id.desc())).first()
    if meeting is None:
        return None, []
    found = list(session.exec(select(Decision).where(Decision.meeting_id == meeting.id).order_by(Decision.id)))
    watched = {d.id: d.opened_checkpoint_id or d.checkpoint_id for d in found
               if d.kind in ("new", "event", "deadline")}
    commission_instruments = list(session.exec(select(Instrument.id)
                                               .where(Instrument.commission_id == instrument.commission_id)))
    states = {state.checkpoint_id: state.status for state in checkpoint_states(session, when, commission_instruments)
              if state.checkpoint_id in set(watched.values())}
    return meeting, [(d, states.get(watched[d.id]) == Derived.DONE if d.id in watched else None) for d in found]


def _rate(session: Session, instrument: Instrument, quarter: Period, when: Moment) -> float | None:
    """The on-time rate of all the instrument's reports due in `quarter`, in percent (None: nothing was due)."""
    rates = on_time_rates(session, when, instrument_ids=[instrument.id], start=quarter.starts_on, end=quarter.ends_on)
    total = sum(rate.total for rate in rates)
    return 100 * sum(rate.on_time for rate in rates) / total if total else None


def overdue_by_organization(session: Session, instrument: Instrument,
                            when: Moment) -> list[tuple[Organization, list[LateReport]]]:
    """Every overdue report of the instrument, grouped by organization (most overdue reports first), each with its
    days and the latest reason or note its people or the secretary wrote (by then, at a past day's end)."""
    found, _totals = overdue_page(session, OverdueFilters(instrument=instrument.key), when, page_size=None)
    reasons = _latest_reasons(session, [row.report.id for row in found.rows], when)
    grouped: dict[int, list[LateReport]] = defaultdict(list)
    organizations = {}
    for row in found.rows:
        grouped[row.organization.id].append(LateReport(row, reasons.get(row.report.id)))
        organizations[row.organization.id] = row.organization
    order = sorted(grouped, key=lambda org_id: (-len(grouped[org_id]), organizations[org_id].code))
    return [(organizations[org_id], sorted(grouped[org_id], key=lambda late: -late.row.days)) for org_id in order]


def _latest_reasons(session: Session, report_ids: list[int], when: Moment) -> dict[int, str]:
    reasons: dict[int, str] = {}
    if not report_ids:
        return reasons
    query = select(StatusUpdate).where(StatusUpdate.report_id.in_(report_ids),
                                       (StatusUpdate.reason.is_not(None)) | (StatusUpdate.note.is_not(None)))
    if when.is_past:
        query = query.where(StatusUpdate.created_at < when.at)
    for update in session.exec(query.order_by(StatusUpdate.id)):
        reasons[update.report_id] = update.reason or update.note
    return reasons
