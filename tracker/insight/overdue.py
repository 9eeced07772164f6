"""The overdue view: every open report past its due date, filtered, sorted by lateness, paged, with totals."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, select

from tracker.as_of import Moment, checkpoint_existed, not_retired, then
from tracker.catalog.obligations import ROW_COLUMNS, ReportRow, joined_reports, live_reports
from tracker.catalog.pickers import OrganizationMatch, match_organizations, parse_period
from tracker.models import Checkpoint, Instrument, Obligation, Organization, OverdueTally, Report, Section, is_live
from tracker.pagination import KeysetPage, Page, keyset_rows
from tracker.statuses import AWAITING, days_overdue

PAGE_SIZE = 50
#: the export columns (JSON keys; CSV and XLSX use the same, in this order)
COLUMNS = ["obligation", "instrument", "section", "section_title", "number", "text", "organization", "role",
           "period", "due_on", "original_due_on", "days_overdue", "status"]


@dataclass(frozen=True)
class Filters:
    """What the secretary narrowed the view to; empty fields mean "all"."""

    instrument: str | None = None
    section: str | None = None
    organization: str | None = None
    status: str | None = None
    period: str | None = None
    due_from: date | None = None
    due_to: date | None = None
    #: the organizations `organization` names, members of a named group included (set by `understood`)
    organization_ids: frozenset[int] | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        """Filters from a query string; unknown values are simply ignored."""
        def day(name):
            try:
                return date.fromisoformat(args.get(name, ""))
            except ValueError:
                return None
        status = args.get("status") if args.get("status") in AWAITING else None
        return cls(args.get("instrument") or None, args.get("section") or None, args.get("organization") or None,
                   status, args.get("period") or None, day("due_from"), day("due_to"))

    def as_args(self) -> dict:
        """The non-empty filters, for links (pages, exports)."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items()
                if v and k != "organization_ids"}

    def understood(self, session: Session) -> Understood:
        """These filters as the person meant them: the organization typed as a code, alias or name (a group stands
        for its members), the period as people write it; what could not be understood says so."""
        filters, problems, match = self, [], None
        if self.organization:
            match = match_organizations(session, self.organization)
            filters = replace(filters, organization_ids=match.ids)
            if not match.found:
                problems.append(_("Организация «%(text)s» не найдена: выберите из списка или введите код, сокращение "
                                  "или часть названия.", text=self.organization))
        if self.period:
            label = parse_period(self.period)
            if label is None:
                problems.append(_("Период «%(text)s» не распознан: пишите 2025-Q1, «I кв. 2025», 2025-H1, 2025 или "
                                  "2025-03.", text=self.period))
            filters = replace(filters, period=label or self.period)
        return Understood(filters, match, problems)


@dataclass(frozen=True)
class Understood:
    """Filters after `Filters.understood`: the ones to apply, what the organization text matched, the problems."""

    filters: Filters
    organizations: OrganizationMatch | None
    problems: list[str]


@dataclass(frozen=True)
class OverdueRow(ReportRow):
    """One overdue report on `today`: its status and due date as they were then (now, unless a past day)."""

    status: str = ""
    due_on: date | None = None
    today: date | None = None

    @property
    def days(self) -> int:
        """Days past the due date."""
        return days_overdue(self.due_on, self.today)


def _query(filters: Filters, when: Moment, instrument_ids):
    """The overdue reports' rows with two more columns: the status and the due date that judged them."""
    if not when.is_past:
        status, due_on = Report.status, Checkpoint.due_on
        query = live_reports(*ROW_COLUMNS, status, due_on).where(status.in_(AWAITING), due_on < when.day)
    else:  # the reports that were overdue at the end of that day (tracker/as_of.py)
        past = then(when.past)
        status, due_on = past.status, past.due_on
        query = past.joined(joined_reports(*ROW_COLUMNS, status, due_on)).where(
            checkpoint_existed(when.past), not_retired(Report, past.at), status.in_(AWAITING), due_on < when.day)
    if instrument_ids is not None:
        query = query.where(Instrument.id.in_(instrument_ids))
    if filters.instrument:
        query = query.where(Instrument.key == filters.instrument)
    if filters.section:
        query = query.where(Section.number == filters.section)
    if filters.organization_ids is not None:
        query = query.where(Organization.id.in_(filters.organization_ids))
    elif filters.organization:
        query = query.where(Organization.code == filters.organization)
    if filters.status:
        query = query.where(status == filters.status)
    if filters.period:
        query = query.where(Checkpoint.period == filters.period)
    if filters.due_from:
        query = query.where(due_on >= filters.due_from)
    if filters.due_to:
        query = query.where(due_on <= filters.due_to)
    return query.order_by(*_order(due_on))


def _order(due_on) -> list:
    """Most overdue first, then in document order; the report's id makes each row's place unique (the keyset)."""
    return [due_on, Instrument.key, Obligation.position, Organization.code, Report.id]


#: how a page's key is read back from a link: the columns of `_order`
KEY_TYPES = (date.fromisoformat, str, int, str, int)


def _key(row: OverdueRow) -> tuple:
    """A row's values of `_order`."""
    return row.due_on, row.instrument.key, row.obligation.position, row.organization.code, row.report.id


def overdue_page(session: Session, filters: Filters, when: Moment, *, instrument_ids=None, page: int = 1,
                 page_size: int | None = PAGE_SIZE) -> tuple[Page, list[tuple[str, int]]]:
    """(the page of rows, totals per organization) — most overdue first; two queries whatever the size (the total
    is the sum of the totals). `instrument_ids` limits a secretary to their instruments (None: all); no
    `page_size` gives every row on one page (exports)."""
    ordered = _query(filters, when, instrument_ids)
    if page_size:
        ordered = ordered.offset((page - 1) * page_size).limit(page_size)
    rows = [OverdueRow(*row, today=when.day) for row in session.exec(ordered)]
    totals = overdue_totals(session, filters, when, instrument_ids=instrument_ids)
    return Page(rows=rows, number=page, size=page_size or max(len(rows), 1), total=sum(n for _, n in totals)), totals


def overdue_keyset_page(session: Session, filters: Filters, when: Moment, *, instrument_ids=None, number: int = 1,
                        after: tuple | None = None, before: tuple | None = None,
                        page_size: int = PAGE_SIZE) -> tuple[KeysetPage, list[tuple[str, int]]]:
    """Like `overdue_page`, the page after (or before) a row's key instead of a page number: what the overdue view
    pages by, so that page 600 of a national list costs what page 1 does."""
    query = _query(filters, when, instrument_ids)
    due_on = list(query.selected_columns)[-1]
    found, next_key, previous_key = keyset_rows(
        session, query, _order(due_on), size=page_size, after=after, before=before,
        key_of=lambda row: _key(OverdueRow(*row)))
    rows = [OverdueRow(*row, today=when.day) for row in found]
    totals = overdue_totals(session, filters, when, instrument_ids=instrument_ids)
    return KeysetPage(rows=rows, number=number if previous_key else 1, size=page_size,
                      total=sum(n for _, n in totals), next_key=next_key, previous_key=previous_key), totals


def overdue_totals(session: Session, filters: Filters, when: Moment, *,
                   instrument_ids=None) -> list[tuple[str, int]]:
    """Overdue reports per organization code, most first (one GROUP BY). Today's, narrowed at most by instrument,
    organization and due dates, add up the kept counts (migration 0026: 30,000 narrow rows at national scale, not
    62,000 open reports joined to their checkpoints and measures); a past day's, or one narrowed by section,
    status or period, are counted from the reports."""
    if when.is_past or filters.section or filters.status or filters.period:
        counted = (_query(filters, when, instrument_ids).order_by(None)
                   .with_only_columns(Organization.code, func.count()).group_by(Organization.code))
    else:
        counted = _kept_totals(filters, when, instrument_ids)
    return sorted(session.exec(counted).all(), key=lambda t: (-t[1], t[0]))


def _kept_totals(filters: Filters, when: Moment, instrument_ids):
    """The query of today's totals over the kept counts, narrowed as `_query` narrows the reports: summed per
    organization first, then named (half the time of naming every row)."""
    if filters.instrument:
        live = OverdueTally.instrument_id.in_(select(Instrument.id).where(is_live(Instrument),
                                                                          Instrument.key == filters.instrument))
    else:  # the few retired instruments left out, not each row matched to the live ones (that doubled the cost)
        live = OverdueTally.instrument_id.not_in(select(Instrument.id).where(Instrument.retired_at.is_not(None)))
    narrowed = [OverdueTally.due_on < when.day, live]
    if instrument_ids is not None:
        narrowed.append(OverdueTally.instrument_id.in_(instrument_ids))
    if filters.organization_ids is not None:
        narrowed.append(OverdueTally.organization_id.in_(filters.organization_ids))
    elif filters.organization:
        narrowed.append(OverdueTally.organization_id.in_(
            select(Organization.id).where(Organization.code == filters.organization)))
    if filters.due_from:
        narrowed.append(OverdueTally.due_on >= filters.due_from)
    if filters.due_to:
        narrowed.append(OverdueTally.due_on <= filters.due_to)
    reports = func.sum(OverdueTally.reports)
    summed = (select(OverdueTally.organization_id, reports.label("reports")).where(*narrowed)
              .group_by(OverdueTally.organization_id).having(reports > 0).subquery())
    return select(Organization.code, summed.c.reports).join(summed, summed.c.organization_id == Organization.id)


class Mention(NamedTuple):
    """An overdue report as a digest names it beside its organization's total: plain values."""

    number: str
    period: str
    due_on: date
    today: date

    @property
    def days(self) -> int:
        """Days past the due date."""
        return days_overdue(self.due_on, self.today)


def most_overdue(session: Session, filters: Filters, when: Moment, *, per_organization: int
                 ) -> dict[tuple[str, str], list[Mention]]:
    """(instrument key, organization code) → that organization's `per_organization` most overdue reports of that
    instrument, in the view's order: what a digest names beside each organization's total, for every instrument
    at once (a national digest run: one pass over the overdue reports, not one per instrument), in one query of
    plain values."""
    query = _query(filters, when, None)
    due_on = list(query.selected_columns)[-1]
    rank = func.row_number().over(partition_by=(Obligation.instrument_id, Report.organization_id),
                                  order_by=_order(due_on))
    ranked = query.with_only_columns(
        Instrument.key.label("instrument"), Organization.code.label("organization"), Obligation.number,
        func.coalesce(Checkpoint.label, Checkpoint.period), due_on, rank.label("rank")).order_by(None).subquery()
    found: dict[tuple[str, str], list[Mention]] = {}
    for instrument, organization, number, period, due, _rank in session.execute(
            select(ranked).where(ranked.c.rank <= per_organization)
            .order_by(ranked.c.instrument, ranked.c.organization, ranked.c.rank)):
        found.setdefault((instrument, organization), []).append(Mention(number, period, due, when.day))
    return found


def export_records(session: Session, filters: Filters, when: Moment, *, instrument_ids=None) -> Iterator[dict]:
    """Every overdue report in the export shape, most overdue first, read in batches as they are written: plain
    columns (no objects built per row), so that a file of any size starts at once and holds little memory."""
    ordered = _query(filters, when, instrument_ids)
    *_rows, status, due_on = list(ordered.selected_columns)
    columns = ordered.with_only_columns(
        Obligation.key, Instrument.key, Section.number, Section.title_ru, Obligation.number, Obligation.text,
        Organization.code, Report.is_lead, Checkpoint.label, Checkpoint.period, due_on, Checkpoint.original_due_on,
        status)
    for (key, instrument, section, section_title, number, text, organization, is_lead, label, period, due,
         original, state) in session.execute(columns.execution_options(yield_per=2_000)):
        yield {"obligation": key, "instrument": instrument, "section": section, "section_title": section_title,
               "number": number, "text": text, "organization": organization,
               "role": "lead" if is_lead else "co-executor", "period": label or period, "due_on": due.isoformat(),
               "original_due_on": original.isoformat(), "days_overdue": days_overdue(due, when.day), "status": state}
