"""Figures over reports: progress by status and section, the on-time reporting rate per organization (the league
table the sources ask for) and its trend across quarters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.catalog.obligations import shown_status
from tracker.models import Checkpoint, Instrument, Obligation, Organization, Report, Section, StatusUpdate, is_live
from tracker.periods import Period
from tracker.timeutil import ALMATY


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


def _end_of_day_utc(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), ALMATY)


def on_time_rates(session: Session, *, instrument_ids: list[int] | None, start: date, end: date) -> list[Rate]:
    """Per organization: reports due in [start, end] (not applicable / cancelled left out) and how many were first
    submitted by the end of their due day in Almaty. Best rate first."""
    first_submitted = (select(StatusUpdate.report_id, func.min(StatusUpdate.created_at).label("at"))
                       .where(StatusUpdate.status == "submitted").group_by(StatusUpdate.report_id).subquery())
    query = (select(Organization.code, Checkpoint.due_on, first_submitted.c.at).select_from(Report)
             .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
             .join(Obligation, Obligation.id == Checkpoint.obligation_id)
             .join(Organization, Organization.id == Report.organization_id)
             .join(first_submitted, first_submitted.c.report_id == Report.id, isouter=True)
             .where(is_live(Report), is_live(Checkpoint), is_live(Obligation),
                    Checkpoint.due_on >= start, Checkpoint.due_on <= end,
                    Report.status.not_in(("not_applicable", "cancelled"))))
    if instrument_ids is not None:
        query = query.where(Obligation.instrument_id.in_(instrument_ids))
    counts: dict[str, list[int]] = {}
    for code, due_on, submitted_at in session.exec(query):
        row = counts.setdefault(code, [0, 0])
        row[0] += submitted_at is not None and submitted_at <= _end_of_day_utc(due_on)
        row[1] += 1
    rates = [Rate(code, on_time, total) for code, (on_time, total) in counts.items()]
    return sorted(rates, key=lambda r: (-r.percent, -r.total, r.code))


def progress(session: Session, today: date, instrument_id: int | None = None):
    """(checkpoint counts by derived status, [(section, done, total)]) from the lead reports, by GROUP BY."""
    past = Checkpoint.due_on < today
    query = (select(Section.id, Report.status, past, func.count()).select_from(Report)
             .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
             .join(Obligation, Obligation.id == Checkpoint.obligation_id)
             .join(Section, Section.id == Obligation.section_id)
             .join(Instrument, Instrument.id == Obligation.instrument_id)
             .where(Report.is_lead, is_live(Report), is_live(Checkpoint),
                    is_live(Obligation), is_live(Instrument))
             .group_by(Section.id, Report.status, past))
    if instrument_id is not None:
        query = query.where(Obligation.instrument_id == instrument_id)
    counts: dict[str, int] = {}
    per_section: dict[int, list[int]] = {}
    for section_id, status, past_due, n in session.exec(query):
        shown = shown_status([status], past_due=bool(past_due))
        counts[shown] = counts.get(shown, 0) + n
        row = per_section.setdefault(section_id, [0, 0])
        row[0] += n if shown == "done" else 0
        row[1] += n
    sections = session.exec(select(Section, Instrument).join(Instrument, Instrument.id == Section.instrument_id)
                            .where(Section.id.in_(per_section)).order_by(Instrument.key, Section.position)).all()
    return counts, [(section, instrument, *per_section[section.id]) for section, instrument in sections]


def trend(session: Session, *, instrument_ids: list[int] | None, first: date,
          today: date) -> list[tuple[str, float | None]]:
    """The on-time rate of all organizations together, per quarter from `first` to the last complete quarter."""
    points = []
    period = Period.containing(first, "quarterly")
    while period.ends_on < today:
        rates = on_time_rates(session, instrument_ids=instrument_ids, start=period.starts_on, end=period.ends_on)
        total = sum(r.total for r in rates)
        points.append((period.label, 100 * sum(r.on_time for r in rates) / total if total else None))
        period = Period.containing(period.ends_on + timedelta(days=1), "quarterly")
    return points
