"""The state of things as of a past day, rebuilt from the dated history: status updates, deadline changes, and the
creation and retirement of instruments, obligations and checkpoints.

"As of D" means at the end of day D in Almaty: what a secretary would have seen that evening. Every figure that
takes `as_of` uses these pieces, so a past quarter's figures are the same on every surface.

An instrument's measures exist from its start (or their own `from:`), not from the day the roadmap was loaded
into Mindet: a roadmap loaded in 2026 still had its measures in 2025. What an amendment adds or retires later
counts from that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_
from sqlmodel import select

from tracker.models import Checkpoint, DeadlineChange, Instrument, Obligation, Report, StatusUpdate
from tracker.periods import Period
from tracker.statuses import end_of_day


@dataclass(frozen=True)
class Moment:
    """When every figure and list is judged: today, read from the state Mindet keeps, or the end of a past day, read
    from the history. The one value that decides the date: nothing takes a `today` and an `as_of` both."""

    day: date  #: the day whose morning this is: a checkpoint due before it is overdue
    past: date | None = None  #: the past day whose end this is; None for today

    @classmethod
    def today(cls, day: date) -> Moment:
        """Today, as it stands."""
        return cls(day)

    @classmethod
    def end_of(cls, past: date) -> Moment:
        """The end of a past day in Almaty: what a secretary saw that evening."""
        return cls(judged_on(past), past)

    @classmethod
    def for_asked(cls, past: date | None, today: date) -> Moment:
        """The end of `past` if someone asked for a day already over, else today."""
        return cls.end_of(past) if past is not None and past < today else cls.today(today)

    @property
    def is_past(self) -> bool:
        """Whether this is a past day's end (figures from the history)."""
        return self.past is not None

    @property
    def at(self) -> datetime | None:
        """The instant of a past day's end (None for today)."""
        return moment(self.past) if self.past else None

    def last_complete_quarter(self) -> Period:
        """The last quarter over by this moment (the league table's default, where the trend stops)."""
        return Period.containing(self.day, "quarterly").previous()


def moment(as_of: date) -> datetime:
    """The instant "as of" a day stands for: the end of that day in Almaty."""
    return end_of_day(as_of)


def judged_on(as_of: date) -> date:
    """The day on whose morning the end of `as_of` is seen: a checkpoint due on `as_of` is overdue by then."""
    return as_of + timedelta(days=1)


def not_retired(model, at: datetime):
    """The condition: the row was not yet retired at `at`."""
    return or_(model.retired_at.is_(None), model.retired_at >= at)


def obligation_existed(as_of: date):
    """The condition (joined to its instrument): the obligation had begun by `as_of` and was not yet retired."""
    return and_(func.coalesce(Obligation.starts_on, Instrument.valid_from) <= as_of,
                not_retired(Obligation, moment(as_of)), not_retired(Instrument, moment(as_of)))


def checkpoint_existed(as_of: date):
    """The condition (joined to its obligation): the checkpoint came with its obligation, or was added by then,
    and was not yet retired."""
    at = moment(as_of)
    return and_(or_(Checkpoint.created_at < at, Checkpoint.created_at <= Obligation.created_at),
                not_retired(Checkpoint, at), obligation_existed(as_of))


def _status_at(at: datetime):
    """A subquery (report_id, status): each report's status at `at` — its latest status update by then.
    Reports absent from it had no update yet: they were "not started"."""
    latest = (select(StatusUpdate.report_id, func.max(StatusUpdate.report_version).label("version"))
              .where(StatusUpdate.created_at < at).group_by(StatusUpdate.report_id).subquery())
    return (select(StatusUpdate.report_id, StatusUpdate.status)
            .join(latest, and_(latest.c.report_id == StatusUpdate.report_id,
                               latest.c.version == StatusUpdate.report_version))).subquery()


def _due_at(at: datetime):
    """A subquery (checkpoint_id, due_on): the due date of each checkpoint changed after `at`, as it was at `at` —
    the old date of its first change after then. Checkpoints absent from it are due on their current date."""
    first_later = (select(DeadlineChange.checkpoint_id, func.min(DeadlineChange.id).label("id"))
                   .where(DeadlineChange.created_at >= at).group_by(DeadlineChange.checkpoint_id).subquery())
    return (select(DeadlineChange.checkpoint_id, DeadlineChange.old_due_on.label("due_on"))
            .join(first_later, first_later.c.id == DeadlineChange.id)).subquery()


@dataclass(frozen=True)
class Then:
    """A report's status and its checkpoint's due date at the end of a past day, as columns of a query over
    reports and checkpoints, with the joins they need (`joined`)."""

    at: datetime
    status: object
    due_on: object
    _statuses: object
    _dues: object

    def with_status(self, query):
        """`query` (over Report) with the statuses of then joined in, for `status`."""
        return query.join(self._statuses, self._statuses.c.report_id == Report.id, isouter=True)

    def with_due(self, query):
        """`query` (over Checkpoint) with the due dates of then joined in, for `due_on`."""
        return query.join(self._dues, self._dues.c.checkpoint_id == Checkpoint.id, isouter=True)

    def joined(self, query):
        """`query` (over Report and Checkpoint) with both joined in."""
        return self.with_due(self.with_status(query))


def then(as_of: date) -> Then:
    """The status and due date columns as of the end of `as_of` (statuses never updated were "not started")."""
    at = moment(as_of)
    statuses, dues = _status_at(at), _due_at(at)
    return Then(at, func.coalesce(statuses.c.status, "not_started"), func.coalesce(dues.c.due_on, Checkpoint.due_on),
                statuses, dues)
