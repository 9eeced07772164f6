"""The public rating of commissions (seed 000: «механизм оценки эффективности каждой трёхсторонней комиссии – с
публичным рейтингом регионов и отраслей»): five figures per commission and quarter, from the one figures engine as
of the quarter's last day, so they equal the dashboards as of that day; frozen once the quarter is over.

The method (said on the public page too):
- checkpoints done: of the checkpoints of the commission's instruments due in the quarter, the share done at its end;
- on-time reporting: of the reports due in the quarter, the share first submitted by the end of their due day;
- overdue reports per organization: the overdue reports at the quarter's end, divided by the organizations that
  report on the commission's instruments;
- decisions executed on time: of the commission's decisions (tracked as obligations) due in the quarter, the share
  done by the quarter's end whose executor reported by the due day;
- meetings held against the plan: the meetings planned for dates in the quarter that were held.
The index is the mean of the shares that apply (a commission with no decision due in a quarter is not judged on
decisions); commissions are ranked by it, then by fewer overdue reports per organization.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlmodel import Session, func, select

from tracker.as_of import Moment
from tracker.insight.figures import checkpoint_states, lead_lateness, on_time_rates
from tracker.insight.overdue import Filters, overdue_totals
from tracker.models import (
    Checkpoint,
    Commission,
    CommissionRating,
    Decision,
    Instrument,
    Meeting,
    Obligation,
    Report,
    is_live,
)
from tracker.periods import Period
from tracker.statuses import Derived


@dataclass(frozen=True)
class Figures:
    """One commission's quarter."""

    checkpoints_due: int
    checkpoints_done: int
    reports_due: int
    reports_on_time: int
    overdue_reports: int
    organizations: int
    decisions_due: int
    decisions_on_time: int
    meetings_planned: int
    meetings_held: int

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def done_share(self) -> float | None:
        """Checkpoints done of those due, %."""
        return self._share(self.checkpoints_done, self.checkpoints_due)

    @property
    def on_time_share(self) -> float | None:
        """Reports first submitted on time of those due, %."""
        return self._share(self.reports_on_time, self.reports_due)

    @property
    def decisions_share(self) -> float | None:
        """Decisions executed on time of those due, %."""
        return self._share(self.decisions_on_time, self.decisions_due)

    @property
    def meetings_share(self) -> float | None:
        """Meetings held of those planned, %."""
        return self._share(self.meetings_held, self.meetings_planned)

    @property
    def overdue_per_organization(self) -> float:
        """Overdue reports at the quarter's end per reporting organization."""
        return round(self.overdue_reports / self.organizations, 2) if self.organizations else 0.0

    @property
    def index(self) -> float | None:
        """The mean of the shares that apply."""
        shares = [s for s in (self.done_share, self.on_time_share, self.decisions_share, self.meetings_share)
                  if s is not None]
        return round(sum(shares) / len(shares), 1) if shares else None


@dataclass(frozen=True)
class Rated:
    """A commission's place in a quarter's rating, with its index in earlier quarters (the trend)."""

    commission: Commission
    figures: Figures
    frozen: bool
    trend: list[tuple[str, float | None]]


def figures_of(session: Session, commission: Commission, quarter: Period, today: date) -> Figures:
    """The commission's figures for `quarter`, as they stood at its end (or today, for the quarter under way)."""
    when = Moment.end_of(quarter.ends_on) if quarter.ends_on < today else Moment.today(today)
    ids = list(session.exec(select(Instrument.id).where(Instrument.commission_id == commission.id,
                                                        is_live(Instrument))))
    states = [s for s in checkpoint_states(session, when, ids) if quarter.starts_on <= s.due_on <= quarter.ends_on]
    rates = on_time_rates(session, when, instrument_ids=ids, start=quarter.starts_on, end=quarter.ends_on)
    overdue = overdue_totals(session, Filters(), when, instrument_ids=ids)
    organizations = session.exec(
        select(func.count(func.distinct(Report.organization_id)))
        .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
        .join(Obligation, Obligation.id == Checkpoint.obligation_id)
        .where(Obligation.instrument_id.in_(ids), is_live(Report))).one() if ids else 0
    decided = dict(session.exec(
        select(Checkpoint.id, Checkpoint.due_on).join(Decision, Decision.opened_checkpoint_id == Checkpoint.id)
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .where(Meeting.commission_id == commission.id, Decision.kind == "new", is_live(Checkpoint),
               Checkpoint.due_on.between(quarter.starts_on, quarter.ends_on))).all())
    done = {s.checkpoint_id for s in states if s.status == Derived.DONE}
    late = lead_lateness(session, decided)
    meetings = session.exec(select(Meeting.status).where(
        Meeting.commission_id == commission.id, Meeting.held_on.between(quarter.starts_on, quarter.ends_on))).all()
    return Figures(
        checkpoints_due=len(states), checkpoints_done=len(done),
        reports_due=sum(r.total for r in rates), reports_on_time=sum(r.on_time for r in rates),
        overdue_reports=sum(n for _code, n in overdue), organizations=organizations,
        decisions_due=len(decided), decisions_on_time=sum(1 for cp in decided if cp in done and late.get(cp, 0) <= 0),
        meetings_planned=len(meetings), meetings_held=sum(1 for status in meetings if status == "held"))


def freeze(session: Session, quarter: Period, today: date, now: datetime) -> int:
    """Store the figures of a quarter that is over for every live commission that has none yet; how many were
    stored. Once stored they never change: later edits of the history leave the published rating as it was."""
    if quarter.ends_on >= today:
        raise ValueError(f"{quarter.label} is not over yet")
    kept = set(session.exec(select(CommissionRating.commission_id).where(CommissionRating.quarter == quarter.label)))
    stored = 0
    for commission in session.exec(select(Commission).where(is_live(Commission))):
        if commission.id not in kept:
            session.add(CommissionRating(commission_id=commission.id, quarter=quarter.label, frozen_at=now,
                                         figures=asdict(figures_of(session, commission, quarter, today))))
            stored += 1
    return stored


def rating(session: Session, quarter: Period, today: date, *, trend_quarters: int = 4) -> list[Rated]:
    """Every live commission's figures for `quarter` (frozen ones as stored, the others computed now), best index
    first, with its index in the quarters before (frozen ones only: the trend shows what was published)."""
    commissions = list(session.exec(select(Commission).where(is_live(Commission))))
    labels = [quarter.label]
    earlier = quarter
    for _ in range(trend_quarters - 1):
        earlier = earlier.previous()
        labels.append(earlier.label)
    stored = {(r.commission_id, r.quarter): Figures(**r.figures) for r in session.exec(
        select(CommissionRating).where(CommissionRating.quarter.in_(labels)))}
    rated = []
    for commission in commissions:
        frozen = stored.get((commission.id, quarter.label))
        figures = frozen or figures_of(session, commission, quarter, today)
        trend = [(label, stored[(commission.id, label)].index if (commission.id, label) in stored else None)
                 for label in reversed(labels[1:])]
        rated.append(Rated(commission, figures, frozen is not None, trend))
    return sorted(rated, key=lambda r: (r.figures.index is None, -(r.figures.index or 0),
                                        r.figures.overdue_per_organization, r.commission.key))
