"""The secretary's review queue: submitted reports awaiting a verdict, oldest first, and accepting several at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.catalog.obligations import ROW_COLUMNS, ReportRow, live_reports
from tracker.insight.figures import first_submitted_at
from tracker.models import Instrument, Report, Section, SectionClassTally, StatusUpdate, is_live
from tracker.pagination import KeysetPage, keyset_rows
from tracker.people.permissions import Access
from tracker.reporting.storage import EvidenceStore
from tracker.reporting.workflow import Submission, post_to_each
from tracker.statuses import days_late

PAGE_SIZE = 50


@dataclass(frozen=True)
class Filters:
    """What the queue is narrowed to: one instrument, some organizations (a group selects its members)."""

    instrument_id: int | None = None
    organization_ids: frozenset[int] | None = None


def _submitted(access: Access, *columns, whole_rows: bool = True):
    return live_reports(*columns, whole_rows=whole_rows).where(Report.status == "submitted",
                                                               Instrument.id.in_(access.secretary_of))


def _awaiting(access: Access, filters: Filters, *columns, whole_rows: bool = True):
    query = _submitted(access, *columns, whole_rows=whole_rows)
    if access.organization_ids:  # a secretary never judges a report they could write themselves
        query = query.where(Report.organization_id.not_in(access.organization_ids))
    if filters.instrument_id is not None:
        query = query.where(Instrument.id == filters.instrument_id)
    if filters.organization_ids is not None:
        query = query.where(Report.organization_id.in_(filters.organization_ids))
    return query


#: the navigation counts the queue up to here and shows "99+" beyond: a count of every submitted report of a
#: national deployment cost 100 ms on every page a secretary opened
NAVIGATION_COUNT_LIMIT = 100


def awaiting_count(session: Session, access: Access) -> int:
    """How many reports wait for this person's verdict (the number in the navigation), counted up to
    NAVIGATION_COUNT_LIMIT: the database stops at the limit instead of counting the whole queue."""
    if not access.secretary_of:
        return 0
    first = _awaiting(access, Filters(), Report.id, whole_rows=False).limit(NAVIGATION_COUNT_LIMIT).subquery()
    return session.exec(select(func.count()).select_from(first)).one()


def awaiting_badge(session: Session, access: Access) -> str:
    """The navigation's number: "" for an empty queue, "7", or "99+" once the count reaches its limit."""
    count = awaiting_count(session, access)
    return "" if not count else str(count) if count < NAVIGATION_COUNT_LIMIT else f"{NAVIGATION_COUNT_LIMIT - 1}+"


def next_awaiting(session: Session, access: Access) -> int | None:
    """The report a secretary judges next: the oldest submission in their queue (None when it is empty)."""
    if not access.secretary_of:
        return None
    return session.exec(_awaiting(access, Filters(), Report.id).order_by(Report.submitted_at, Report.id)
                        .limit(1)).first()


@dataclass(frozen=True)
class QueueItem:
    """A report awaiting a verdict, with what its reporters last wrote and when they first answered."""

    row: ReportRow
    submission: StatusUpdate | None
    first_submitted_at: datetime | None

    @property
    def days_late(self) -> int:
        """Days the first submission came after the due day (0 when on time): the rule of the on-time figures."""
        return days_late(self.first_submitted_at, self.row.checkpoint.due_on, self.row.checkpoint.due_on)


def _items(session: Session, rows: list[ReportRow]) -> list[QueueItem]:
    ids = [row.report.id for row in rows]
    latest, first = latest_submissions(session, ids), first_submitted_at(session, ids) if ids else {}
    return [QueueItem(row, latest.get(row.report.id), first.get(row.report.id)) for row in rows]


#: how a queue page's key is read back from a link: (submitted at, report id)
KEY_TYPES = (datetime.fromisoformat, int)


def awaiting_verdict(session: Session, access: Access, filters: Filters, number: int = 1, *,
                     after: tuple | None = None, before: tuple | None = None) -> KeysetPage:
    """A page of the queue, oldest submission first, after (or before) a row's key; each item carries the
    submission's note."""
    if not access.secretary_of:
        return KeysetPage(rows=[], number=1, size=PAGE_SIZE, total=0)
    total = _awaiting_total(session, access, filters)
    found, next_key, previous_key = keyset_rows(
        session, _awaiting(access, filters, *ROW_COLUMNS), [Report.submitted_at, Report.id], size=PAGE_SIZE,
        after=after, before=before, key_of=lambda row: (row[0].submitted_at, row[0].id))
    rows = [ReportRow(*row) for row in found]
    return KeysetPage(rows=_items(session, rows), number=number if previous_key else 1, size=PAGE_SIZE, total=total,
                      next_key=next_key, previous_key=previous_key)


def _awaiting_total(session: Session, access: Access, filters: Filters) -> int:
    """How many reports the queue holds: the whole queue is read from the kept tally (its reports awaiting a verdict
    per section, migration 0025: 35,000 at national scale were counted one by one), less those of the person's
    own organizations; a narrowed queue is counted."""
    if filters != Filters():
        return session.exec(_awaiting(access, filters, func.count(Report.id))).one()
    # the kept sums per section and lead class (0033), narrowed to the sections of the person's live instruments
    kept = session.exec(select(func.coalesce(func.sum(SectionClassTally.submitted), 0))
                        .join(Section, Section.id == SectionClassTally.section_id)
                        .join(Instrument, Instrument.id == Section.instrument_id)
                        .where(Instrument.id.in_(access.secretary_of), is_live(Instrument))).one()
    if access.organization_ids:
        kept -= session.exec(_submitted(access, func.count(Report.id))
                             .where(Report.organization_id.in_(access.organization_ids))).one()
    return kept


def awaiting_items(session: Session, access: Access, report_ids: list[int]) -> list[QueueItem]:
    """These reports, those of them still awaiting this person's verdict, oldest submission first."""
    rows = [ReportRow(*row) for row in session.exec(
        _awaiting(access, Filters(), *ROW_COLUMNS).where(Report.id.in_(report_ids))
        .order_by(Report.submitted_at, Report.id))] if access.secretary_of and report_ids else []
    return _items(session, rows)


def latest_submissions(session: Session, report_ids: list[int]) -> dict[int, StatusUpdate]:
    """Report id → its latest "submitted" update, in one query."""
    if not report_ids:
        return {}
    newest = (select(StatusUpdate.report_id, func.max(StatusUpdate.id).label("id"))
              .where(StatusUpdate.report_id.in_(report_ids), StatusUpdate.status == "submitted")
              .group_by(StatusUpdate.report_id).subquery())
    return {update.report_id: update for update in
            session.exec(select(StatusUpdate).join(newest, newest.c.id == StatusUpdate.id))}


def accept_many(*, session: Session, store: EvidenceStore, access: Access, actor, picked: list[tuple[int, int]],
                note: str | None, now: datetime, ip: str | None = None) -> int:
    """Accept each (report id, version seen): all of them or none (the caller commits); a report that changed or
    may not be judged names itself in the ReportingError."""
    return post_to_each(session=session, store=store, actor=actor, access=access, picked=picked, now=now, ip=ip,
                        submission=Submission(target="accepted", expected_version=0, note=note))
