"""Figures over reports: progress by status and section, the on-time reporting rate per organization (the league
table the sources ask for) and its trend across quarters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import Date, case, column, func, literal, values
from sqlmodel import Session, select

from tracker.as_of import Moment, checkpoint_existed, judged_on, not_retired, obligation_existed, then
from tracker.insight.stored_quarters import quarter_counts
from tracker.models import (
    KEPT_LEAD_COUNTS,
    Checkpoint,
    Instrument,
    Obligation,
    Organization,
    Report,
    Section,
    SectionClassTally,
    SectionTally,
    is_live,
)
from tracker.models.base import UTCDateTime
from tracker.pagination import Page
from tracker.periods import Period
from tracker.statuses import (
    ANSWERED,
    DONE,
    EXEMPT,
    Derived,
    LeadCounts,
    Status,
    days_late,
    end_of_day,
    status_from_counts,
    status_of_class,
)


@dataclass(frozen=True)
class Rate:
    """An organization's reports due in a period and how many were first submitted by their due date."""

    code: str
    on_time: int
    total: int

    @property
    def percent(self) -> float:
        """On-time share in percent."""
        return 100 * self.on_time / self.total if self.total else 0.0


def first_submitted_at(session: Session, report_ids: list[int]) -> dict[int, datetime]:
    """The moment each of these reports was first submitted (reports never submitted are absent)."""
    return dict(session.exec(select(Report.id, Report.first_submitted_at).where(
        Report.id.in_(report_ids), Report.first_submitted_at.is_not(None))).all())


def late_by(session: Session, due: dict[int, date]) -> dict[int, int]:
    """Report id → days its first submission came after the due day (report id → due date given); reports never
    submitted, or on time, are 0. The rule of the on-time figures, for the "N days late" marks."""
    first = first_submitted_at(session, list(due)) if due else {}
    return {report_id: days_late(first[report_id], due_on, due_on) if report_id in first else 0
            for report_id, due_on in due.items()}


def lead_lateness(session: Session, due: dict[int, date]) -> dict[int, int]:
    """Checkpoint id → days its lead executors' first submission came after the due day (the latest of them, when
    a group's members each report), for the checkpoints given with their due dates."""
    if not due:
        return {}
    leads = session.exec(select(Report.id, Report.checkpoint_id).where(Report.checkpoint_id.in_(list(due)),
                                                                      Report.is_lead, is_live(Report))).all()
    days = late_by(session, {report_id: due[checkpoint_id] for report_id, checkpoint_id in leads})
    lateness: dict[int, int] = {}
    for report_id, checkpoint_id in leads:
        lateness[checkpoint_id] = max(lateness.get(checkpoint_id, 0), days[report_id])
    return lateness


def on_time_rates(session: Session, when: Moment, *, instrument_ids: list[int] | None, start: date,
                  end: date) -> list[Rate]:
    """Per organization: reports due in [start, end] (not applicable / cancelled left out) and how many were first
    submitted by the end of their due day in Almaty. Best rate first. At a past day's end, as the table stood then:
    due dates, statuses and submissions of then (a report submitted later was not yet on time). Today, a complete
    quarter's figures are read as stored (tracker/insight/stored_quarters.py)."""
    quarter = Period.containing(start, "quarterly")
    if not when.is_past and (quarter.starts_on, quarter.ends_on) == (start, end) and end < when.day:
        counted = [(code, on_time, total) for _start, code, on_time, total in
                   quarter_counts(session, [quarter], instrument_ids, _counted_per_organization(when))]
    else:
        counted = _on_time_counts(session, when, instrument_ids, start, end, by="organization")
    rates = [Rate(code, on_time, total) for code, on_time, total in counted]
    return sorted(rates, key=lambda r: (-r.percent, -r.total, r.code))


def _counted_per_organization(when: Moment):
    """How stored_quarters computes a quarter it does not hold: on-time counts per instrument and organization."""
    def compute(session: Session, start: date, end: date, instrument_ids: list[int]):
        return _on_time_counts(session, when, instrument_ids, start, end, by="instrument, organization and due day")
    return compute


def _on_time_counts(session: Session, when: Moment, instrument_ids: list[int] | None, start: date, end: date, *,
                    by: str):
    """(organization code, due day, or instrument id, organization id and code and due day, as `by` says; on time;
    total) over the reports due in [start, end] that count, grouped in the database: each due day is joined to the
    end of that day in Almaty (statuses.end_of_day, computed here for every day of the span), so one GROUP BY
    returns a row per key, not one per report."""
    submitted_at = Report.first_submitted_at
    if not when.is_past:
        due_on, status = Checkpoint.due_on, Report.status
        alive = (is_live(Report), is_live(Checkpoint), is_live(Obligation))
    else:
        past = then(when.past)
        due_on, status = past.due_on, past.status
        submitted_at = case((Report.first_submitted_at < past.at, Report.first_submitted_at), else_=None)
        alive = (not_retired(Report, past.at), checkpoint_existed(when.past))
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    cutoffs = values(column("due", Date), column("cutoff", UTCDateTime), name="cutoffs").data(
        [(day, end_of_day(day)) for day in days]).cte()  # a CTE: SQLite names no columns of a VALUES in FROM
    on_time = func.coalesce(func.sum(case((submitted_at < cutoffs.c.cutoff, 1), else_=0)), 0)
    keys = {"organization": [Organization.code], "due day": [due_on],
            "instrument, organization and due day": [Obligation.instrument_id, Organization.id, Organization.code,
                                                     due_on]}[by]
    query = (select(*keys, on_time, func.count()).select_from(Report)
             .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
             .join(Obligation, Obligation.id == Checkpoint.obligation_id)
             .join(Instrument, Instrument.id == Obligation.instrument_id)
             .join(Organization, Organization.id == Report.organization_id))
    if when.is_past:
        query = past.joined(query)
    query = query.join(cutoffs, cutoffs.c.due == due_on).where(*alive, status.not_in(EXEMPT))
    if instrument_ids is not None:
        query = query.where(Obligation.instrument_id.in_(instrument_ids))
    return session.exec(query.group_by(*keys)).all()


@dataclass(frozen=True)
class CheckpointState:
    """One live checkpoint and what it is on a day: the unit that every "checkpoints" figure counts."""

    checkpoint_id: int
    instrument_id: int
    section_id: int
    due_on: date
    status: str  #: statuses.shown_status of its lead report(s): done, submitted, …, overdue
    co_answered: int = 0  #: co-executors' reports submitted or done
    co_total: int = 0  #: co-executors' reports


def checkpoint_states(session: Session, when: Moment, instrument_ids: list[int] | None = None
                      ) -> list[CheckpointState]:
    """Every live checkpoint of live obligations of live instruments with its state `when`, judged from all
    its lead reports together (a group lead such as МИО has 20: the checkpoint is one, not twenty), and how many
    of its co-executors have answered. Today's states read the counts each checkpoint keeps (migration 0014).

    At a past day's end, the same as it stood then, from the history (tracker/as_of.py): checkpoints that existed
    then, due dates before later changes, statuses before later updates."""
    if when.is_past:
        return _past_checkpoint_states(session, when.past, instrument_ids)
    query = (select(Checkpoint.id, Obligation.instrument_id, Obligation.section_id, Checkpoint.due_on,
                    *KEPT_LEAD_COUNTS, Checkpoint.co_answered, Checkpoint.co_total)
             .join(Obligation, Obligation.id == Checkpoint.obligation_id)
             .join(Instrument, Instrument.id == Obligation.instrument_id)
             .where(is_live(Checkpoint), is_live(Obligation), is_live(Instrument)))
    if instrument_ids is not None:
        query = query.where(Obligation.instrument_id.in_(instrument_ids))
    return [CheckpointState(checkpoint_id, instrument_id, section_id, due,
                            status_from_counts(LeadCounts(*leads), past_due=due < when.day), co_answered, co_total)
            for checkpoint_id, instrument_id, section_id, due, *leads, co_answered, co_total in session.exec(query)]


def _past_checkpoint_states(session: Session, as_of: date, instrument_ids: list[int] | None) -> list[CheckpointState]:
    """checkpoint_states at the end of a past day: the reports counted again, with their statuses of then."""
    today, past = judged_on(as_of), then(as_of)
    due_on, status = past.due_on, past.status

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
    lead = Report.id.is_not(None) & Report.is_lead
    co = Report.id.is_not(None) & ~Report.is_lead
    # counted per checkpoint in the database (one row per checkpoint, not one per report); the rule is applied to
    # the counts by statuses.status_from_counts, the same rule as for a list of statuses
    query = (select(Checkpoint.id, Obligation.instrument_id, Obligation.section_id, due_on,
                    count(lead), count(lead & status.in_(DONE)), count(lead & (status == Status.RETURNED)),
                    count(lead & status.in_((*DONE, Status.SUBMITTED))),
                    count(lead & status.in_((Status.IN_PROGRESS, Status.SUBMITTED))),
                    count(co & status.in_(ANSWERED)), count(co))
             .select_from(Checkpoint).join(Obligation, Obligation.id == Checkpoint.obligation_id)
             .join(Instrument, Instrument.id == Obligation.instrument_id)
             .join(Report, (Report.checkpoint_id == Checkpoint.id) & not_retired(Report, past.at), isouter=True)
             .where(checkpoint_existed(as_of)))
    query = past.joined(query)
    if instrument_ids is not None:
        query = query.where(Obligation.instrument_id.in_(instrument_ids))
    query = query.group_by(Checkpoint.id, Obligation.instrument_id, Obligation.section_id, due_on)
    return [CheckpointState(checkpoint_id, instrument_id, section_id, due,
                            status_from_counts(LeadCounts(*leads), past_due=due < today), co_answered, co_total)
            for checkpoint_id, instrument_id, section_id, due, *leads, co_answered, co_total in session.exec(query)]


class Tally(NamedTuple):
    """Checkpoints of one section in one state, counted, with their co-executors' reports answered, of how many:
    what home, dashboards and digests add up (a few hundred rows at national scale, not one per checkpoint)."""

    instrument_id: int
    section_id: int
    status: str
    checkpoints: int
    co_answered: int
    co_total: int


#: the kept counts a tally adds up, in the order of a Tally's counts
_TALLIED = (SectionTally.checkpoints, SectionTally.co_answered, SectionTally.co_total)


@lru_cache(maxsize=64)
def _class_status(lead_class: int, past_due: bool) -> str:
    """status_of_class, remembered: asked for each of a tally's 2,000 rows, of a dozen classes."""
    return status_of_class(lead_class, past_due=past_due)


def checkpoint_tally(session: Session, when: Moment, instrument_ids: list[int] | None = None, *,
                     due_before: date | None = None) -> list[Tally]:
    """checkpoint_states counted per section and state; `due_before` keeps only the checkpoints due before that
    day. Today's tally reads the rows the database keeps per section and lead class (migration 0033) and those per
    section, due day and lead class (0023) not yet due: a few thousand at national scale, not one per checkpoint."""
    if when.is_past:
        tallies: dict[tuple, list[int]] = {}
        for state in checkpoint_states(session, when, instrument_ids):
            if due_before is None or state.due_on < due_before:
                row = tallies.setdefault((state.instrument_id, state.section_id, state.status), [0, 0, 0])
                row[0] += 1
                row[1] += state.co_answered
                row[2] += state.co_total
        return [Tally(*key, *counts) for key, counts in tallies.items()]
    # a section's whole per lead class is kept (0033: 2,000 rows at national scale); what is not yet due by `cut`
    # is summed from the few rows due from then on and taken away (not 38,908 rows split at today: 13 → 7 ms), in
    # the database: the rows arrive as the counts on either side of the cut (the subtraction in Python cost 5 ms)
    cut = min(when.day, due_before) if due_before else when.day
    from_cut = [func.coalesce(func.sum(column).filter(SectionTally.due_on >= cut), 0).label(f"later_{column.key}")
                for column in _TALLIED]
    beyond = [(func.coalesce(func.sum(column).filter(SectionTally.due_on >= due_before), 0) if due_before
               else literal(0)).label(f"beyond_{column.key}") for column in _TALLIED]
    not_due = (select(SectionTally.section_id, SectionTally.lead_class, *from_cut, *beyond)
               .where(SectionTally.due_on >= cut)
               .group_by(SectionTally.section_id, SectionTally.lead_class))
    if instrument_ids is not None:  # narrowed before summing: one instrument's digest part reads its rows alone
        not_due = not_due.where(SectionTally.section_id.in_(select(Section.id)
                                                             .where(Section.instrument_id.in_(instrument_ids))))
    not_due = not_due.subquery()
    later, left_out = list(not_due.c)[2:5], list(not_due.c)[5:8]
    whole = [SectionClassTally.checkpoints, SectionClassTally.co_answered, SectionClassTally.co_total]
    query = (select(Section.instrument_id, SectionClassTally.section_id, SectionClassTally.lead_class,
                    *(total - func.coalesce(part, 0) for total, part in zip(whole, later, strict=True)),
                    *(func.coalesce(part, 0) - func.coalesce(out, 0) for part, out in zip(later, left_out,
                                                                                        strict=True)))
             .join(Section, Section.id == SectionClassTally.section_id)
             .join(Instrument, Instrument.id == Section.instrument_id)
             .outerjoin(not_due, (not_due.c.section_id == SectionClassTally.section_id)
                        & (not_due.c.lead_class == SectionClassTally.lead_class))
             .where(is_live(Instrument), SectionClassTally.checkpoints > 0))
    if instrument_ids is not None:
        query = query.where(Section.instrument_id.in_(instrument_ids))
    tallies = {}
    for instrument_id, section_id, lead_class, *counts in session.connection().execute(query).all():
        for past_due, start in ((True, 0), (False, 3)):
            if counts[start] > 0:  # no checkpoints on this side of the cut: no tally
                key = (instrument_id, section_id, _class_status(lead_class, past_due))
                row = tallies.setdefault(key, [0, 0, 0])
                row[0] += counts[start]
                row[1] += counts[start + 1]
                row[2] += counts[start + 2]
    return [Tally(*key, *counts) for key, counts in tallies.items()]


@dataclass(frozen=True)
class SectionProgress:
    """A section's checkpoints: how many are done, of how many; its co-executors' reports answered, of how many."""

    section: Section
    instrument: Instrument
    done: int
    total: int
    co_answered: int
    co_total: int


def _summed(tallies: list[Tally], group) -> tuple[dict[str, int], dict[int, list[int]]]:
    """(checkpoints per state, group → [done, checkpoints, co-executors answered, of how many]) of these tallies;
    `group(tally)` names its group (a section, an instrument)."""
    counts: Counter = Counter()
    groups: dict[int, list[int]] = {}
    for tally in tallies:
        counts[tally.status] += tally.checkpoints
        row = groups.setdefault(group(tally), [0, 0, 0, 0])
        row[0] += tally.checkpoints if tally.status == Derived.DONE else 0
        row[1] += tally.checkpoints
        row[2] += tally.co_answered
        row[3] += tally.co_total
    return dict(counts), groups


def progress(session: Session, when: Moment, instrument_id: int | None = None, *,
             due_before: date | None = None) -> tuple[dict[str, int], list[SectionProgress]]:
    """(checkpoints per state, progress per section) `when`; `due_before` keeps only the
    checkpoints due before that day (a digest's "due so far")."""
    counts, per_section = _summed(checkpoint_tally(session, when, None if instrument_id is None else [instrument_id],
                                                   due_before=due_before), lambda tally: tally.section_id)
    # the sections of the instrument (of every live one), those counted kept: not their ids listed, 500 of them
    # made a statement that was parsed and planned anew on every overall dashboard
    sections = select(Section, Instrument).join(Instrument, Instrument.id == Section.instrument_id)
    sections = sections.where(Section.instrument_id == instrument_id if instrument_id is not None
                              else is_live(Instrument))
    return counts, [SectionProgress(section, instrument, *per_section[section.id])
                          for section, instrument in session.exec(sections.order_by(Instrument.key, Section.position))
                          if section.id in per_section]


@dataclass(frozen=True)
class InstrumentProgress:
    """An instrument's checkpoints done, of how many, and its co-executors' reports answered, of how many."""

    instrument: Instrument
    done: int
    total: int
    co_answered: int
    co_total: int

    @property
    def share(self) -> float:
        """Share of checkpoints done (0 when there are none)."""
        return self.done / self.total if self.total else 0.0


def instrument_progress(session: Session, when: Moment) -> tuple[dict[str, int], list[InstrumentProgress]]:
    """(checkpoints per state, progress per instrument, the least advanced first) `when`: the overall dashboard's
    view, one bar per instrument (each instrument's own dashboard shows its sections), added up from the tally
    without loading the sections (500 of them at national scale, a fifth of the page's time)."""
    counts, rows = _summed(checkpoint_tally(session, when), lambda tally: tally.instrument_id)
    instruments = session.exec(select(Instrument).where(Instrument.id.in_(list(rows)))) if rows else []
    return counts, sorted((InstrumentProgress(instrument, *rows[instrument.id]) for instrument in instruments),
                          key=lambda p: (p.share, p.instrument.key))


def instrument_overview(session: Session, when: Moment, *, number: int = 1, size: int | None = None) -> Page:
    """Page `number` of every live instrument (by key, `size` to a page; all on one page without a size) with its
    live obligations, checkpoints and overdue checkpoints `when` (at a past day's end, counting only what existed
    then). Only the page's instruments are counted."""
    live_instrument = not_retired(Instrument, when.at) if when.is_past else is_live(Instrument)
    live_obligation = obligation_existed(when.past) if when.is_past else is_live(Obligation)
    instruments = session.exec(select(Instrument).where(live_instrument).order_by(Instrument.key)).all()
    size = size or max(len(instruments), 1)
    shown = instruments[(number - 1) * size:number * size]
    ids = [i.id for i in shown]
    obligations = dict(session.exec(
        select(Obligation.instrument_id, func.count()).join(Instrument).where(live_obligation,
                                                                              Obligation.instrument_id.in_(ids))
        .group_by(Obligation.instrument_id)).all()) if ids else {}
    checkpoints, overdue = Counter(), Counter()
    for tally in checkpoint_tally(session, when, ids) if ids else []:
        checkpoints[tally.instrument_id] += tally.checkpoints
        overdue[tally.instrument_id] += tally.checkpoints if tally.status == Derived.OVERDUE else 0
    rows = [dict(instrument=i, obligations=obligations.get(i.id, 0), checkpoints=checkpoints[i.id],
                 overdue=overdue[i.id]) for i in shown]
    return Page(rows=rows, number=number, size=size, total=len(instruments))


def trend(session: Session, when: Moment, *, instrument_ids: list[int] | None,
          first: date) -> list[tuple[str, float | None]]:
    """The on-time rate of all organizations together, per quarter from `first` to the last quarter complete on
    `when`, with what was known then (one grouped pass over the reports due in that span, counted per quarter: the
    rule of `on_time_rates`); today's complete quarters are read as stored."""
    quarters = []
    period = Period.containing(first, "quarterly")
    while period.ends_on < when.day:
        quarters.append(period)
        period = Period.containing(period.ends_on + timedelta(days=1), "quarterly")
    if not quarters:
        return []
    counts = {q.label: [0, 0] for q in quarters}
    if when.is_past:
        counted = [(Period.containing(due, "quarterly"), on_time, total) for due, on_time, total in _on_time_counts(
            session, when, instrument_ids, quarters[0].starts_on, quarters[-1].ends_on, by="due day")]
    else:
        counted = [(Period.containing(starts_on, "quarterly"), on_time, total) for starts_on, _code, on_time, total
                   in quarter_counts(session, quarters, instrument_ids, _counted_per_organization(when),
                                          per_organization=False)]
    for quarter, on_time, total in counted:
        row = counts[quarter.label]
        row[0] += on_time
        row[1] += total
    return [(label, 100 * on_time / total if total else None) for label, (on_time, total) in counts.items()]
