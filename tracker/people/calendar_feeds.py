"""Calendar feeds (iCalendar): checkpoints as all-day events behind a secret, revocable token."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple

from icalendar import Calendar, Event
from sqlalchemy import func
from sqlmodel import Session, select

from tracker import audit
from tracker.catalog.obligations import live_reports
from tracker.models import (
    AuditEvent,
    CalendarFeed,
    Checkpoint,
    Instrument,
    Obligation,
    Organization,
    Report,
    User,
    is_live,
)
from tracker.people.permissions import Access

SCOPES = ("user", "organization", "instrument")


class FeedError(ValueError):
    """A feed that cannot be made; the message says why."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def allowed(session: Session, access: Access, scope: str, key: str | None) -> bool:
    """Whom a feed may cover: oneself; an organization one reports for (or administers, or is secretary of an
    instrument it owes); any live instrument (every signed-in person can read them)."""
    if scope == "user":
        return key is None
    if scope == "organization":
        org = session.exec(select(Organization).where(Organization.code == key)).first()
        return org is not None and access.can_follow_organization(org.id)
    if scope == "instrument":
        return session.exec(select(Instrument.id).where(Instrument.key == key,
                                                        is_live(Instrument))).first() is not None
    return False


def create_feed(session: Session, *, user: User, access: Access, scope: str, key: str | None, now: datetime,
                ip: str | None = None) -> tuple[CalendarFeed, str]:
    """A new feed and its token (shown once; only its hash is stored)."""
    key = key or None
    if scope not in SCOPES or not allowed(session, access, scope, key):
        raise FeedError("no such calendar for you")
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=user.id, scope=scope, scope_key=key, token_hash=_hash(token), created_at=now)
    session.add(feed)
    session.flush()
    audit.record(session=session, now=now, action="calendar.create", object_type="calendar_feed",
                 object_id=str(feed.id), after={"scope": scope, "key": key}, by=audit.Actor(user_id=user.id, ip=ip))
    return feed, token


def revoke_feed(session: Session, feed: CalendarFeed, *, user: User, now: datetime, ip: str | None = None) -> None:
    """End a feed's address for good."""
    feed.revoked_at = now
    session.add(feed)
    audit.record(session=session, now=now, action="calendar.revoke", object_type="calendar_feed",
                 object_id=str(feed.id), by=audit.Actor(user_id=user.id, ip=ip))


def find_feed(session: Session, token: str) -> tuple[CalendarFeed, User] | None:
    """The live feed of a token, with its owner (None if unknown, revoked, or the owner is disabled)."""
    row = session.exec(select(CalendarFeed, User).join(User, User.id == CalendarFeed.user_id)
                       .where(CalendarFeed.token_hash == _hash(token), CalendarFeed.revoked_at.is_(None))).first()
    if row is None or not row[1].active:
        return None
    return row


class FeedEntry(NamedTuple):
    """One checkpoint as a calendar shows it: plain values (a secretary's national feed has thousands)."""

    checkpoint_id: int
    due_on: date
    period: str
    number: str
    text: str
    instrument_title: str
    organizations: list[str]


def _checkpoints(session: Session, feed: CalendarFeed, access: Access) -> Iterable[FeedEntry]:
    """The feed's live checkpoints in due order, each with the organizations reporting on it: one query of plain
    columns, no rows loaded as objects."""
    query = live_reports(Checkpoint.id, Checkpoint.due_on, func.coalesce(Checkpoint.label, Checkpoint.period),
                         Obligation.number, Obligation.text, Instrument.title_ru, Organization.code)
    if feed.scope == "user":
        query = query.where(Report.organization_id.in_(access.organization_ids)
                            | Instrument.id.in_(access.secretary_of))
    elif feed.scope == "organization":
        query = query.where(Organization.code == feed.scope_key)
    else:
        query = query.where(Instrument.key == feed.scope_key)
    grouped: dict[int, FeedEntry] = {}
    for checkpoint_id, due_on, period, number, text, title, code in session.exec(
            query.order_by(Checkpoint.due_on, Checkpoint.id)):
        entry = grouped.setdefault(checkpoint_id, FeedEntry(checkpoint_id, due_on, period, number, text, title, []))
        entry.organizations.append(code)
    return grouped.values()


def feed_version(session: Session, feed: CalendarFeed, today: date, base_url: str) -> str:
    """A tag that changes whenever the feed's content may: every change to the data is audited, so the newest
    audit row's id says whether anything changed; the day counts too (what is overdue depends on it)."""
    newest = session.exec(select(func.max(AuditEvent.id))).one() or 0
    return hashlib.sha256(f"{feed.id}:{feed.token_hash}:{newest}:{today.isoformat()}:{base_url}".encode()).hexdigest()


def _scope_name(session: Session, feed: CalendarFeed) -> str:
    """The feed's name in a calendar: the document's title for an instrument, the organization's code (the name
    people use) for an organization, «мои сроки» for a person's own."""
    if feed.scope == "instrument":
        instrument = session.exec(select(Instrument).where(Instrument.key == feed.scope_key)).first()
        return instrument.title_ru if instrument else feed.scope_key
    return feed.scope_key or "мои сроки"


def render_feed(session: Session, feed: CalendarFeed, access: Access, base_url: str, now: datetime) -> bytes:
    """The feed as iCalendar bytes: one all-day event per checkpoint, on its due date."""
    calendar = Calendar()
    calendar.add("prodid", "-//Mindet//Obligations tracker//RU")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Mindet · {_scope_name(session, feed)}")
    calendar.add("x-wr-timezone", "Asia/Almaty")
    for entry in _checkpoints(session, feed, access):
        event = Event()
        event.add("uid", f"checkpoint-{entry.checkpoint_id}@mindet")
        event.add("dtstamp", now)
        event.add("dtstart", entry.due_on)
        event.add("dtend", entry.due_on + timedelta(days=1))
        # what a person reads in a calendar: the measure, its period and the document's title, never its key
        event.add("summary", f"Мера {entry.number} · {entry.period} · {entry.instrument_title}")
        link = f"{base_url}/checkpoints/{entry.checkpoint_id}"
        event.add("description", f"{entry.text}\n\nИсполнители: {', '.join(sorted(set(entry.organizations)))}\n{link}")
        event.add("url", link)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
