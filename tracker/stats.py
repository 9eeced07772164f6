"""Figures over reports: the on-time reporting rate per organization (the league table the sources ask for)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from .models import Checkpoint, Obligation, Organization, Report, StatusUpdate
from .timeutil import ALMATY


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
             .where(Report.retired_at.is_(None), Checkpoint.retired_at.is_(None), Obligation.retired_at.is_(None),
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
