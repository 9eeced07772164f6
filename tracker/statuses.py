"""The one vocabulary of status: what a report can be, the words derived from it, their names, and lateness.

Every page, email and export says "overdue", "done late by N days" or "on time" through this module, so one
figure has one meaning everywhere (README: "What each figure counts").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from flask_babel import lazy_gettext as _l

from tracker.timeutil import ALMATY


class Status(enum.StrEnum):
    """A report's stored status: only status updates move it (reporting.workflow says who may)."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    NOT_APPLICABLE = "not_applicable"
    CANCELLED = "cancelled"


class Derived(enum.StrEnum):
    """Words computed, never stored: a checkpoint's or an obligation's state on a given day."""

    DONE = "done"  #: every lead report accepted, not applicable or cancelled
    OVERDUE = "overdue"  #: past its due day and still owed
    AWAITING_EVENT = "awaiting_event"  #: event-driven, no checkpoint opened yet
    RETIRED = "retired"  #: taken out of the roadmap by an amendment; history kept


#: closed: nothing more is expected
DONE = frozenset({Status.ACCEPTED, Status.NOT_APPLICABLE, Status.CANCELLED})
#: the organization has answered: submitted for review, or done
ANSWERED = (Status.SUBMITTED, *sorted(DONE))
#: the organization still owes the report (reminders, overdue view, my work)
AWAITING = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.RETURNED)
#: left out of on-time rates: nothing was due
EXEMPT = (Status.NOT_APPLICABLE, Status.CANCELLED)

_LABELS = {
    Status.NOT_STARTED: _l("не начато"), Status.IN_PROGRESS: _l("в работе"), Status.SUBMITTED: _l("на проверке"),
    Status.RETURNED: _l("возвращено"), Status.ACCEPTED: _l("принято"), Status.NOT_APPLICABLE: _l("неприменимо"),
    Status.CANCELLED: _l("отменено"), Derived.DONE: _l("исполнено"), Derived.OVERDUE: _l("просрочено"),
    Derived.AWAITING_EVENT: _l("по событию"), Derived.RETIRED: _l("исключено"),
}


def label(word: str) -> str:
    """A status or derived word in the person's language (pages, emails and exports alike)."""
    return str(_LABELS.get(word, word))


def shown_status(lead_statuses: list[str], *, past_due: bool) -> str:
    """A checkpoint's state from its lead executor's report(s) — the one lateness rule for checkpoints: done when
    every lead report is closed; submitted when all are answered; otherwise overdue once the due day has passed."""
    return status_from_counts(LeadCounts.of(lead_statuses), past_due=past_due)


@dataclass(frozen=True)
class LeadCounts:
    """A checkpoint's lead reports counted by what the rule asks of them (SQL can count them the same way)."""

    total: int = 0
    done: int = 0
    returned: int = 0
    answered: int = 0  #: done or submitted
    active: int = 0  #: in progress or submitted

    @classmethod
    def of(cls, statuses: list[str]) -> LeadCounts:
        """The counts of these statuses."""
        return cls(len(statuses), sum(s in DONE for s in statuses), sum(s == Status.RETURNED for s in statuses),
                   sum(s in DONE or s == Status.SUBMITTED for s in statuses),
                   sum(s in (Status.IN_PROGRESS, Status.SUBMITTED) for s in statuses))

    @classmethod
    def of_class(cls, lead_class: int) -> LeadCounts:
        """Counts that the rule judges like any checkpoint of this lead class, the four facts it reads (all done 1,
        any returned 2, all answered 4, any active 8) as the database's section tally keeps them (migration
        0023): one lead report standing for all of them."""
        return cls(1, lead_class & 1, (lead_class >> 1) & 1, (lead_class >> 2) & 1, (lead_class >> 3) & 1)


def status_from_counts(counts: LeadCounts, *, past_due: bool) -> str:
    """shown_status's rule on counted lead reports."""
    if counts.total and counts.done == counts.total:
        return Derived.DONE
    if counts.returned:
        status = Status.RETURNED
    elif counts.total and counts.answered == counts.total:
        return Status.SUBMITTED
    elif counts.active:
        status = Status.IN_PROGRESS
    else:
        status = Status.NOT_STARTED
    return Derived.OVERDUE if past_due else status


@lru_cache(maxsize=64)  # 16 lead classes, due or not: today's tally asks 3,000 times per page at national scale
def status_of_class(lead_class: int, *, past_due: bool) -> str:
    """status_from_counts of a checkpoint of this lead class (the section tally's rows, migration 0023)."""
    return status_from_counts(LeadCounts.of_class(lead_class), past_due=past_due)


def checkpoint_status(lead_statuses: list[str], due_on: date, today: date) -> str:
    """shown_status on `today`: past due means the due day is over."""
    return shown_status(lead_statuses, past_due=due_on < today)


@lru_cache(maxsize=8192)  # asked for every report a figure counts, for a few hundred distinct due dates
def end_of_day(day: date) -> datetime:
    """The first moment after `day` in Almaty: a report is on time if first submitted before it."""
    return datetime.combine(day + timedelta(days=1), time(), ALMATY)


def is_on_time(first_submitted_at: datetime | None, due_on: date) -> bool:
    """The lateness rule for reports: on time when the FIRST submission came by the end of the due day in Almaty
    (a report returned and resubmitted later still counts as on time: the organization answered in time)."""
    return first_submitted_at is not None and first_submitted_at < end_of_day(due_on)


def days_overdue(due_on: date, today: date) -> int:
    """Whole days past the due day on `today` (the overdue view, reminders, pages); 0 on or before it."""
    return max((today - due_on).days, 0)


def days_until(due_on: date, today: date) -> int:
    """Days left until the due day (negative once it has passed): reminders count down with it."""
    return (due_on - today).days


def is_report_overdue(status: str, due_on: date, today: date) -> bool:
    """A report still owed (not answered) after its due day."""
    return status in AWAITING and due_on < today


def days_late(first_submitted_at: datetime | None, due_on: date, today: date) -> int:
    """Days past the due day of the first submission (or of `today` if never submitted); 0 when on time."""
    answered_on = first_submitted_at.astimezone(ALMATY).date() if first_submitted_at else today
    return max((answered_on - due_on).days, 0)
