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


def joined_reports(*columns):
    """SELECT columns FROM reports joined to their checkpoint, obligation, section, instrument and organization."""
    return (select(*columns).select_from(Report).join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
            .join(Obligation, Obligation.id == Checkpoint.obligation_id)
            .join(Section, Section.id == Obligation.section_id)
            .join(Instrument, Instrument.id == Obligation.instrument_id)
            .join(Organization, Organization.id == Report.organization_id))


def live_reports(*columns):
    """joined_reports with none of the rows retired: the shape every list of reports starts from."""
    return joined_reports(*columns).where(is_live(Report), is_live(Checkpoint), is_live(Obligation),
                                          is_live(Instrument))


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
    checkpoints: list[tuple[Checkpoint, str]] = field(default_factory=list)  # (checkpoint, status)
    #: checkpoints an amendment retired: listed apart, with their reports and history, never hidden
    retired_checkpoints: list[Checkpoint] = field(default_factory=list)
    status: str = "not_started"

    @property
    def next_due_on(self) -> date | None:
        """The earliest due date among checkpoints that are not done."""
        return min((cp.due_on for cp, s in self.checkpoints if s != "done"), default=None)

    @property
    def overdue_count(self) -> int:
        """How many checkpoints are past due and not done."""
        return sum(1 for _, s in self.checkpoints if s == "overdue")


def obligation_views(*, session: Session, when: Moment, instrument: Instrument | None = None,
                     keys: list[str] | None = None, include_retired: bool = False) -> list[ObligationView]:
    """Obligations (of one instrument, or all) with sections, owners, checkpoints and derived status `when`; at a
    past day's end, as they stood then (tracker/as_of.py): obligations and checkpoints that existed then, due
    dates before later changes, lead statuses before later updates."""
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
    ids = list(views)
    scope = Obligation.id.in_(ids) if len(ids) < 900 else Obligation.instrument_id.in_(
        {v.instrument.id for v in views.values()})
    for owner, org in session.exec(select(ObligationOwner, Organization).join(Organization)
                                   .join(Obligation, Obligation.id == ObligationOwner.obligation_id)
                                   .where(scope).order_by(ObligationOwner.position)):
        if owner.obligation_id in views:
            views[owner.obligation_id].owners.append((org, owner))
    _add_checkpoints(session, views, scope, when.day, past)
    for view in views.values():
        retired_at = view.obligation.retired_at
        view.status = obligation_status([(cp.due_on, s) for cp, s in view.checkpoints],
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
            view.checkpoints.append((cp, status_from_counts(counts, past_due=cp.due_on < today)))


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


#: at most this many open reports are listed at once on "my work"
MY_WORK_LIMIT = 500


def open_reports_of(session: Session, organization_ids) -> list[ReportRow]:
    """The reports these organizations still owe: returned ones first (never cut by the limit), then by due date."""
    if not organization_ids:
        return []
    return [ReportRow(*row) for row in session.exec(
        live_reports(*ROW_COLUMNS)
        .where(Report.organization_id.in_(organization_ids), Report.status.in_(AWAITING))
        .order_by(case((Report.status == "returned", 0), else_=1), Checkpoint.due_on, Obligation.key)
        .limit(MY_WORK_LIMIT))]


def done_reports_of(session: Session, organization_ids, limit: int = 100) -> list[ReportRow]:
    """These organizations' accepted reports, most recently accepted first (the "done" list of my work)."""
    if not organization_ids:
        return []
    return [ReportRow(*row) for row in session.exec(
        live_reports(*ROW_COLUMNS)
        .where(Report.organization_id.in_(organization_ids), Report.status == "accepted")
        .order_by(Report.updated_at.desc(), Report.id.desc()).limit(limit))]
