"""Queries over obligations, checkpoints and reports: overviews, details, derived status, export rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func
from sqlmodel import Session, select

from tracker.as_of import Moment, Then, not_retired, obligation_existed, then
from tracker.models import (
    KEPT_LEAD_COUNTS,
    Checkpoint,
    Instrument,
    Obligation,
    ObligationOwner,
    Organization,
    Report,
    Section,
    is_live,
)
from tracker.statuses import ANSWERED, AWAITING, Derived, LeadCounts, status_from_counts


def joined_reports(*columns, whole_rows: bool = True):
    """SELECT columns FROM reports joined to their checkpoint, obligation and instrument, and (`whole_rows`) to their
    section and organization."""
    query = (select(*columns).select_from(Report).join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
             .join(Obligation, Obligation.id == Checkpoint.obligation_id)
             .join(Instrument, Instrument.id == Obligation.instrument_id))
    if whole_rows:
        query = (query.join(Section, Section.id == Obligation.section_id)
                 .join(Organization, Organization.id == Report.organization_id))
    return query


def live_reports(*columns, whole_rows: bool = True):
    """joined_reports with none of the rows retired: the shape every list of reports starts from. Without
    `whole_rows`, only what liveness needs: a count by a list's rule (the review badge on every page a secretary
    opens spent 3 ms planning the six-table join, three times as long as running it)."""
    return joined_reports(*columns, whole_rows=whole_rows).where(is_live(Report), is_live(Checkpoint),
                                                                 is_live(Obligation), is_live(Instrument))


@dataclass(frozen=True)
class ReportRow:
    """A report with its context — the one row type of report pages, lists, reminders and digests."""

    report: Report
    checkpoint: Checkpoint
    obligation: Obligation
    section: Section
    instrument: Instrument
    organization: Organization


#: the columns of a ReportRow, in its order: `ReportRow(*row)` for a row selected with them
ROW_COLUMNS = (Report, Checkpoint, Obligation, Section, Instrument, Organization)


def obligation_status(checkpoint_statuses: list[tuple[date, str]], *, retired: bool) -> str:
    """One word for an obligation: retired, awaiting_event, done, overdue, or its next checkpoint's status."""
    if retired:
        return Derived.RETIRED
    if not checkpoint_statuses:
        return Derived.AWAITING_EVENT
    open_ones = [(due, s) for due, s in sorted(checkpoint_statuses) if s != Derived.DONE]
    if not open_ones:
        return Derived.DONE
    if any(s == Derived.OVERDUE for _, s in open_ones):
        return Derived.OVERDUE
    return open_ones[0][1]


@dataclass
class ObligationView:
    """An obligation with what a page or an export shows of it."""

    obligation: Obligation
    section: Section
    instrument: Instrument
    owners: list[tuple[Organization, ObligationOwner]] = field(default_factory=list)
    #: (checkpoint, status) of each live checkpoint; left empty when only the states were asked for
    checkpoints: list[tuple[Checkpoint, str]] = field(default_factory=list)
    #: (due day, status) of each live checkpoint, always: what the obligation's own figures are made of
    due_states: list[tuple[date, str]] = field(default_factory=list)
    #: checkpoints an amendment retired: listed apart, with their reports and history, never hidden
    retired_checkpoints: list[Checkpoint] = field(default_factory=list)
    status: str = "not_started"

    @property
    def next_due_on(self) -> date | None:
        """The earliest due date among checkpoints that are not done."""
        return min((due for due, s in self.due_states if s != "done"), default=None)

    @property
    def overdue_count(self) -> int:
        """How many checkpoints are past due and not done."""
        return sum(1 for _, s in self.due_states if s == "overdue")


def obligation_views(*, session: Session, when: Moment, instrument: Instrument | None = None,
                     keys: list[str] | None = None, include_retired: bool = False,
                     states_only: bool = False) -> list[ObligationView]:
    """Obligations (of one instrument, or all) with sections, owners, checkpoints and derived status `when`; at a
    past day's end, as they stood then (tracker/as_of.py): obligations and checkpoints that existed then, due
    dates before later changes, lead statuses before later updates. `states_only` (today): each checkpoint's due
    day and state, not the checkpoint itself, for a list of measures (an instrument's 936 checkpoints loaded whole
    were an eighth of its page's time)."""
    past = then(when.past) if when.is_past else None
    query = (select(Obligation, Section, Instrument).join(Section, Section.id == Obligation.section_id)
             .join(Instrument, Instrument.id == Obligation.instrument_id).where(is_live(Instrument)))
    if instrument is not None:
        query = query.where(Obligation.instrument_id == instrument.id)
    if keys is not None:
        query = query.where(Obligation.key.in_(keys))
    if not include_retired:
        query = query.where(is_live(Obligation) if past is None else obligation_existed(when.past))
    query = query.order_by(Instrument.key, Obligation.position)
    views = {ob.id: ObligationView(ob, section, inst) for ob, section, inst in session.exec(query)}
    if not views:
        return []
    # the rows below are asked for by instrument when there are more than a few obligations (rows of others are
    # skipped): 150 ids bound one by one cost more to render and send than the statements took to run
    ids = list(views)
    scope = Obligation.id.in_(ids) if len(ids) <= 20 else Obligation.instrument_id.in_(
        {v.instrument.id for v in views.values()})
    for owner, org in session.exec(select(ObligationOwner, Organization).join(Organization)
                                   .join(Obligation, Obligation.id == ObligationOwner.obligation_id)
                                   .where(scope).order_by(ObligationOwner.position)):
        if owner.obligation_id in views:
            views[owner.obligation_id].owners.append((org, owner))
    if states_only and past is None:
        _add_states(session, views, scope, when.day)
    else:
        _add_checkpoints(session, views, scope, when.day, past)
    for view in views.values():
        retired_at = view.obligation.retired_at
        view.status = obligation_status(view.due_states,
                                        retired=retired_at is not None and (past is None or retired_at < past.at))
    return list(views.values())


def _add_checkpoints(session: Session, views: dict, scope, today: date, past: Then | None) -> None:
    """Each view's checkpoints with their state (live ones) or apart (retired ones), now or as they were then: now
    from the counts each checkpoint keeps, then from its lead reports' statuses of then."""
    lead = _lead_statuses(session, scope, past) if past is not None else None
    # the kept counts as columns of their own: read fresh, where a checkpoint already in the session may hold old ones
    query = (select(Checkpoint, Checkpoint.due_on if past is None else past.due_on, *KEPT_LEAD_COUNTS)
             .join(Obligation).where(scope))
    if past is not None:
        query = past.with_due(query)
    for cp, due_on, *kept in session.exec(query.order_by(Checkpoint.due_on, Checkpoint.period)):
        view = views.get(cp.obligation_id)
        if view is None or (past is not None and cp.created_at >= past.at
                            and cp.created_at > view.obligation.created_at):
            continue  # not one of these obligations, or added by a later amendment
        if due_on != cp.due_on:  # a copy outside the session, so that the past date is never written back
            cp = Checkpoint(**{**cp.model_dump(), "due_on": due_on})
        if cp.retired_at is not None and (past is None or cp.retired_at < past.at):
            view.retired_checkpoints.append(cp)
        else:
            counts = LeadCounts.of(lead[cp.id]) if lead is not None else LeadCounts(*kept)
            status = status_from_counts(counts, past_due=cp.due_on < today)
            view.checkpoints.append((cp, status))
            view.due_states.append((cp.due_on, status))


def _add_states(session: Session, views: dict, scope, today: date) -> None:
    """Each view's live checkpoints as (due day, state) today, from the counts each checkpoint keeps."""
    query = (select(Checkpoint.obligation_id, Checkpoint.due_on, *KEPT_LEAD_COUNTS).join(Obligation)
             .where(scope, is_live(Checkpoint)).order_by(Checkpoint.due_on, Checkpoint.period))
    for obligation_id, due_on, *kept in session.connection().execute(query).all():
        if (view := views.get(obligation_id)) is not None:
            view.due_states.append((due_on, status_from_counts(LeadCounts(*kept), past_due=due_on < today)))


def _lead_statuses(session: Session, scope, past: Then) -> dict[int, list[str]]:
    """Checkpoint id → its lead reports' statuses then."""
    query = past.with_status(select(Report.checkpoint_id, past.status).join(Checkpoint).join(Obligation)
                             .where(scope, Report.is_lead, not_retired(Report, past.at)))
    lead = defaultdict(list)
    for checkpoint_id, status in session.exec(query):
        lead[checkpoint_id].append(status)
    return lead


def export_record(view: ObligationView) -> dict:
    """The export shape of an obligation (JSON; the CSV flattens the same keys)."""
    ob = view.obligation
    return {
        "key": ob.key,
        "instrument": view.instrument.key,
        "section": view.section.number,
        "section_title": view.section.title_ru,
        "number": ob.number,
        "text": ob.text,
        "result": ob.result,
        "deadline_text": ob.deadline_text,
        "deadline_kind": ob.deadline_kind,
        "owners": [{"code": org.code, "lead": owner.is_lead, "by_agreement": owner.is_by_agreement}
                   for org, owner in view.owners],
        "checkpoints": [{"period": cp.period, "due_on": cp.due_on.isoformat(), "status": status}
                        for cp, status in view.checkpoints],
        "next_due_on": view.next_due_on.isoformat() if view.next_due_on else None,
        "status": view.status,
        "source": ob.source_document,
        "retired": ob.retired_at is not None,
    }


def answered_counts(session: Session, checkpoint_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(live reports, of them answered) per checkpoint id; (0, 0) for a checkpoint without reports."""
    answered = func.sum(case((Report.status.in_(ANSWERED), 1), else_=0))
    counts = defaultdict(lambda: (0, 0))
    counts.update((cp_id, (total, done or 0)) for cp_id, total, done in session.exec(
        select(Report.checkpoint_id, func.count(), answered)
        .where(Report.checkpoint_id.in_(checkpoint_ids), is_live(Report))
        .group_by(Report.checkpoint_id)))
    return counts


def checkpoint_reports(session: Session, checkpoint_id: int) -> list[tuple[Report, Organization]]:
    """(report, organization) of a checkpoint: lead executors first, then by code."""
    return list(session.exec(select(Report, Organization).join(Organization, Organization.id == Report.organization_id)
                             .where(Report.checkpoint_id == checkpoint_id, is_live(Report))
                             .order_by(Report.is_lead.desc(), Organization.code)))


#: the groups of "my work", in the order the page shows them: returned to the organization, overdue, due this
#: quarter, due later, and accepted
MY_WORK_GROUPS = ("returned", "overdue", "quarter", "next", "done")


@dataclass(frozen=True)
class MyWorkDay:
    """What decides a report's group on "my work": today and the last day of this quarter."""

    today: date
    quarter_ends_on: date

    def condition(self, group: str):
        """The SQL condition of one group (joined to the checkpoint)."""
        waiting = Report.status.in_([s for s in AWAITING if s != "returned"])
        return {"returned": Report.status == "returned",
                "overdue": waiting & (Checkpoint.due_on < self.today),
                "quarter": waiting & (Checkpoint.due_on >= self.today) & (Checkpoint.due_on <= self.quarter_ends_on),
                "next": waiting & (Checkpoint.due_on > self.quarter_ends_on),
                "done": Report.status == "accepted"}[group]


@dataclass(frozen=True)
class MyWork:
    """Each group of "my work" counted whole, and the slice of it that a page lists."""

    counts: dict[str, int]
    rows: dict[str, list[ReportRow]]


def my_work(session: Session, organization_ids, day: MyWorkDay, *, shown: str | None = None, offset: int = 0,
            limit: int) -> MyWork:
    """These organizations' live reports in the groups of "my work": every group counted, and of each (of `shown`
    alone, when given) the `limit` rows after `offset` — open reports by due date then measure, accepted ones
    most recently accepted first. Two queries whatever the size."""
    counts: dict[str, int] = dict.fromkeys(MY_WORK_GROUPS, 0)
    rows: dict[str, list[ReportRow]] = {group: [] for group in MY_WORK_GROUPS if shown in (None, group)}
    if not organization_ids:
        return MyWork(counts, rows)
    # picked over narrow rows of the organizations' own reports (their index), then only the slice is read whole:
    # left to itself, PostgreSQL walks every checkpoint in due order looking for the first 20 of one organization
    group = case(*((day.condition(name), name) for name in MY_WORK_GROUPS))
    theirs = (live_reports(Report.id, group.label("name"), Report.updated_at, Checkpoint.due_on, Obligation.key)
              .where(Report.organization_id.in_(organization_ids), Report.status.in_((*AWAITING, "accepted")))
              .cte("theirs").prefix_with("MATERIALIZED", dialect="postgresql"))
    accepted_first = case((theirs.c.name == "done", theirs.c.updated_at)).desc()  # NULL for every open group
    ranked = select(theirs.c.id, theirs.c.name, func.count().over(partition_by=theirs.c.name).label("total"),
                    func.row_number().over(partition_by=theirs.c.name, order_by=(
                        accepted_first, theirs.c.due_on, theirs.c.key, theirs.c.id)).label("place")).subquery()
    in_slice = (ranked.c.place > offset) & (ranked.c.place <= offset + limit)
    if shown:
        in_slice &= ranked.c.name == shown
    picked = {}
    # each group's first row too, for its count
    for report_id, name, total, place in session.exec(
            select(ranked.c.id, ranked.c.name, ranked.c.total, ranked.c.place).where(in_slice | (ranked.c.place == 1))):
        counts[name] = total
        if name in rows and offset < place <= offset + limit:
            picked[report_id] = (name, place)
    found = session.exec(joined_reports(*ROW_COLUMNS).where(Report.id.in_(list(picked)))) if picked else []
    for row in sorted((ReportRow(*columns) for columns in found), key=lambda row: picked[row.report.id][1]):
        rows[picked[row.report.id][0]].append(row)
    return MyWork(counts, rows)


def owed_reports(session: Session, organization_ids, report_ids: list[int]) -> list[Report]:
    """Those of `report_ids` that these organizations still owe (live, awaiting their answer): what a bulk update
    may touch."""
    if not organization_ids or not report_ids:
        return []
    return list(session.exec(live_reports(Report).where(Report.id.in_(report_ids),
                                                        Report.organization_id.in_(organization_ids),
                                                        Report.status.in_(AWAITING))))
