"""A commission's meetings and their agendas: planned by its secretary, drafted by Mindet from what needs the
commission, then reordered, trimmed and added to by hand. Every change is audited and refused when stale.

The draft draws on, in this order: overdue reports grouped by organization (the longest overdue first), reports
returned twice or more, measures heard at every meeting, event-driven measures waiting for a meeting, earlier
decisions not yet executed, and requests for information left unanswered past their due day. Nothing already done
is proposed. Agenda texts are in Russian, the commissions' working language, like the measures they cite, and name
a measure by its number and its document's title.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, select

from tracker import audit
from tracker.as_of import Moment
from tracker.catalog.obligations import live_reports
from tracker.insight.overdue import Filters, overdue_page
from tracker.models import (
    AgendaItem,
    Checkpoint,
    Commission,
    Decision,
    Instrument,
    Meeting,
    Obligation,
    Organization,
    Report,
    StatusUpdate,
    User,
    is_live,
)
from tracker.people.permissions import Access
from tracker.reporting import information_requests
from tracker.statuses import DONE
from tracker.timeutil import today_almaty

#: how many overdue measures an organization's item names before "и ещё N"
_NAMED = 12


class MeetingError(ValueError):
    """A meeting or agenda change refused: the message says why and what to do."""


class StaleMeeting(MeetingError):
    """Someone changed the meeting since the page was opened."""


def find_commission(session: Session, key: str) -> Commission | None:
    """The live commission with this key."""
    return session.exec(select(Commission).where(Commission.key == key, is_live(Commission))).first()


def meetings_of(session: Session, commission: Commission) -> list[Meeting]:
    """The commission's meetings, the latest first."""
    return list(session.exec(select(Meeting).where(Meeting.commission_id == commission.id)
                             .order_by(Meeting.held_on.desc(), Meeting.id.desc())))


def commission_instruments(session: Session, commission: Commission) -> list[Instrument]:
    """The commission's live instruments, by key (its instrument of decisions included)."""
    return list(session.exec(select(Instrument).where(Instrument.commission_id == commission.id, is_live(Instrument))
                             .order_by(Instrument.key)))


def draft(session: Session, commission: Commission, today: date) -> list[AgendaItem]:
    """The agenda Mindet proposes for a meeting of `commission` held after `today` (items not yet saved)."""
    ids = [instrument.id for instrument in commission_instruments(session, commission)]
    if not ids:
        return []
    items = [*_overdue(session, ids, today), *_returned_twice(session, ids), *_heard(session, ids),
             *_waiting_for_a_meeting(session, ids), *_decisions_not_executed(session, commission),
             *_late_requests(session, ids, today)]
    for position, item in enumerate(items, 1):
        item.position = position
    return items


def _overdue(session: Session, instrument_ids: list[int], today: date) -> list[AgendaItem]:
    found, _totals = overdue_page(session, Filters(), Moment.today(today), instrument_ids=instrument_ids,
                                  page_size=None)
    by_organization: dict[int, list] = defaultdict(list)
    for row in found.rows:
        by_organization[row.organization.id].append(row)
    items = []
    longest_first = sorted(by_organization.values(), key=lambda rows: (-max(r.days for r in rows),
                                                                       rows[0].organization.code))
    for rows in longest_first:
        organization = rows[0].organization
        rows = sorted(rows, key=lambda r: -r.days)
        named = "; ".join(f"{_measure(session, r.obligation)} ({r.checkpoint.label or r.checkpoint.period}) — "
                          f"{r.days} дн." for r in rows[:_NAMED])
        more = f"; и ещё {len(rows) - _NAMED}" if len(rows) > _NAMED else ""
        items.append(AgendaItem(kind="overdue", organization_id=organization.id, position=0,
                                title=f"О просроченных отчётах: {organization.code} — {organization.name_ru} "
                                      f"({len(rows)}, до {rows[0].days} дн.)",
                                details=named + more))
    return items


def _returned_twice(session: Session, instrument_ids: list[int]) -> list[AgendaItem]:
    returns = (select(StatusUpdate.report_id, func.count().label("times")).where(StatusUpdate.status == "returned")
               .group_by(StatusUpdate.report_id).having(func.count() >= 2).subquery())
    rows = session.exec(live_reports(Report, Checkpoint, Obligation, Organization, returns.c.times)
                        .join(returns, returns.c.report_id == Report.id)
                        .where(Instrument.id.in_(instrument_ids), Report.status.not_in(DONE))
                        .order_by(returns.c.times.desc(), Obligation.key, Organization.code)).all()
    return [AgendaItem(kind="returned", report_id=report.id, checkpoint_id=checkpoint.id, obligation_id=obligation.id,
                       organization_id=organization.id, position=0,
                       title=f"Отчёт возвращён {times} раз: {organization.code}, {_measure(session, obligation)} "
                             f"({checkpoint.label or checkpoint.period})",
                       details=obligation.text[:300])
            for report, checkpoint, obligation, organization, times in rows]


def _live_measures(session: Session, instrument_ids: list[int], *conditions) -> list[Obligation]:
    return list(session.exec(select(Obligation).where(Obligation.instrument_id.in_(instrument_ids),
                                                      is_live(Obligation), *conditions)
                             .order_by(Obligation.instrument_id, Obligation.position)))


def _heard(session: Session, instrument_ids: list[int]) -> list[AgendaItem]:
    return [AgendaItem(kind="heard", obligation_id=obligation.id, position=0,
                       title=f"Заслушивание: {_measure(session, obligation)}", details=obligation.text[:300])
            for obligation in _live_measures(session, instrument_ids, Obligation.heard_at_meetings)]


def _waiting_for_a_meeting(session: Session, instrument_ids: list[int]) -> list[AgendaItem]:
    """Event-driven measures whose event is a meeting («По итогу проведения заседания») and that have no open
    checkpoint yet: the commission opens one by its decision."""
    measures = _live_measures(session, instrument_ids, Obligation.deadline_kind == "event",
                              ~Obligation.heard_at_meetings, Obligation.deadline_text.ilike("%заседани%"))
    open_ones = set(session.exec(select(Checkpoint.obligation_id).where(
        Checkpoint.obligation_id.in_([m.id for m in measures]), is_live(Checkpoint),
        Checkpoint.lead_done < Checkpoint.lead_total)))
    return [AgendaItem(kind="event", obligation_id=obligation.id, position=0,
                       title=f"Мера {_measure(session, obligation).removeprefix('мера ')}: {obligation.deadline_text}",
                       details=obligation.text[:300])
            for obligation in measures if obligation.id not in open_ones]


def _decisions_not_executed(session: Session, commission: Commission) -> list[AgendaItem]:
    """Earlier decisions of this commission tracked as obligations whose checkpoint is not done."""
    rows = session.exec(
        select(Decision, Checkpoint).join(Meeting, Meeting.id == Decision.meeting_id)
        .join(Checkpoint, Checkpoint.id == Decision.opened_checkpoint_id)
        .where(Meeting.commission_id == commission.id, Decision.kind == "new", is_live(Checkpoint),
               (Checkpoint.lead_total == 0) | (Checkpoint.lead_done < Checkpoint.lead_total))
        .order_by(Checkpoint.due_on, Decision.id)).all()
    return [AgendaItem(kind="decision", obligation_id=decision.decision_obligation_id, checkpoint_id=checkpoint.id,
                       position=0,
                       title=f"Об исполнении решения ({decision.source}), срок {checkpoint.due_on:%d.%m.%Y}",
                       details=decision.text[:300])
            for decision, checkpoint in rows]


def _late_requests(session: Session, instrument_ids: list[int], today: date) -> list[AgendaItem]:
    """Requests for information an owner left unanswered past their due day (seed 001)."""
    return [AgendaItem(kind="request", obligation_id=obligation.id, organization_id=organization.id, position=0,
                       title=f"О неотвеченном запросе информации: {organization.code}, {_measure(session, obligation)}"
                             f" — ответ ожидался до {request.due_on:%d.%m.%Y}",
                       details=request.question[:300])
            for request, obligation, organization in information_requests.late(session, instrument_ids, today)]


def _measure(session: Session, obligation: Obligation) -> str:
    """How an agenda names a measure: its number and its document's title (never the internal key)."""
    instrument = session.get(Instrument, obligation.instrument_id)  # the commission's few: in the session already
    return f"мера {obligation.number} («{instrument.title_ru}»)"


def _require_runner(access: Access, commission_id: int) -> None:
    if not access.can_run_commission(commission_id):
        raise MeetingError(_("Заседания планирует и ведёт секретарь комиссии."))


@dataclass(frozen=True)
class Planned:
    """What a secretary says of a meeting: its protocol's number, day and time (Almaty), place or link."""

    number: str
    held_on: date
    starts_at: str = "10:00"
    place: str | None = None
    link: str | None = None


def plan(*, session: Session, commission: Commission, planned: Planned, actor: User, access: Access,
         now: datetime, ip: str | None = None) -> Meeting:
    """Plan a meeting with its agenda drafted from the day it is planned; audited. The caller commits."""
    _require_runner(access, commission.id)
    number, held_on, starts_at = (planned.number or "").strip(), planned.held_on, planned.starts_at
    place, link = (planned.place or "").strip(), (planned.link or "").strip()
    if not number:
        raise MeetingError(_("Укажите номер протокола заседания: решения будут на него ссылаться."))
    if session.exec(select(Meeting).where(Meeting.commission_id == commission.id, Meeting.number == number,
                                          Meeting.status != "cancelled")).first():
        raise MeetingError(_("Заседание с протоколом № %(number)s уже есть: выберите другой номер.", number=number))
    if not (place or link):
        raise MeetingError(_("Укажите место заседания или ссылку на видеосвязь."))
    meeting = Meeting(commission_id=commission.id, number=number, held_on=held_on, starts_at=starts_at,
                      place=place or None, link=link or None, created_by_id=actor.id, created_at=now, updated_at=now)
    session.add(meeting)
    session.flush()
    items = draft(session, commission, today_almaty(now))
    for item in items:
        item.meeting_id = meeting.id
        session.add(item)
    audit.record(session=session, now=now, action="meeting.plan", object_type="meeting", object_id=str(meeting.id),
                 after={"commission": commission.key, "number": number, "held_on": held_on, "starts_at": starts_at,
                        "place": place, "link": link, "agenda": [item.title for item in items]},
                 by=audit.Actor(user_id=actor.id, ip=ip))
    session.flush()
    return meeting


def agenda(session: Session, meeting: Meeting) -> list[AgendaItem]:
    """The meeting's agenda in its order."""
    return list(session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                             .order_by(AgendaItem.position)))


def _changing(session: Session, meeting: Meeting, access: Access, seen_version: int, now: datetime) -> None:
    """Refuse a change by someone who may not, of a meeting already held or cancelled, or seen before a change."""
    _require_runner(access, meeting.commission_id)
    if meeting.status == "cancelled":
        raise MeetingError(_("Заседание отменено: его повестка не меняется."))
    if meeting.version != seen_version:
        raise StaleMeeting(_("Повестку только что изменили: обновите страницу и повторите."))
    meeting.version += 1
    meeting.updated_at = now
    session.add(meeting)


def move(*, session: Session, meeting: Meeting, item_id: int, up: bool, seen_version: int, actor: User,
         access: Access, now: datetime, ip: str | None = None) -> None:
    """Move an item one place up or down; the numbers follow. Audited."""
    _changing(session, meeting, access, seen_version, now)
    items = agenda(session, meeting)
    index = next((i for i, item in enumerate(items) if item.id == item_id), None)
    if index is None:
        raise MeetingError(_("Такого пункта в повестке нет."))
    other = index - 1 if up else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        _renumber(session, items)
    audit.record(session=session, now=now, action="meeting.agenda.move", object_type="meeting",
                 object_id=str(meeting.id), after={"order": [item.title for item in items]},
                 by=audit.Actor(user_id=actor.id, ip=ip))


def remove(*, session: Session, meeting: Meeting, item_id: int, seen_version: int, actor: User, access: Access,
           now: datetime, ip: str | None = None) -> None:
    """Take an item off the agenda (one with a decision stays). Audited."""
    _changing(session, meeting, access, seen_version, now)
    item = session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        raise MeetingError(_("Такого пункта в повестке нет."))
    if session.exec(select(Decision).where(Decision.agenda_item_id == item.id)).first():
        raise MeetingError(_("По этому пункту уже записано решение: он остаётся в протоколе."))
    session.delete(item)
    session.flush()
    _renumber(session, agenda(session, meeting))
    audit.record(session=session, now=now, action="meeting.agenda.remove", object_type="meeting",
                 object_id=str(meeting.id), before={"item": item.title}, by=audit.Actor(user_id=actor.id, ip=ip))


def add(*, session: Session, meeting: Meeting, title: str, details: str | None, seen_version: int, actor: User,
        access: Access, now: datetime, ip: str | None = None) -> AgendaItem:
    """Add an item of the secretary's own at the end. Audited."""
    title = (title or "").strip()
    if not title:
        raise MeetingError(_("Напишите, о чём пункт повестки."))
    _changing(session, meeting, access, seen_version, now)
    item = AgendaItem(meeting_id=meeting.id, kind="other", title=title[:2000], details=(details or "").strip() or None,
                      position=len(agenda(session, meeting)) + 1)
    session.add(item)
    audit.record(session=session, now=now, action="meeting.agenda.add", object_type="meeting",
                 object_id=str(meeting.id), after={"item": item.title}, by=audit.Actor(user_id=actor.id, ip=ip))
    session.flush()
    return item


def _renumber(session: Session, items: list[AgendaItem]) -> None:
    for position, item in enumerate(items, 1):
        if item.position != position:
            item.position = position
            session.add(item)
    session.flush()
