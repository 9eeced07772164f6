"""The agenda sent to a commission's members: an email each, with a calendar invitation (.ics) for the meeting.

Members are the people of the commission's parties (their focal points, alternates and heads; a group's members'
people too), its secretaries and the secretaries of its instruments. Sending again after the agenda changed sends
the new one; the invitation keeps its UID and carries a higher SEQUENCE, so calendars update the event.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Flask
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlmodel import Session, select

from tracker import audit
from tracker.meetings.agenda import MeetingError, agenda, commission_instruments
from tracker.models import (
    AgendaItem,
    Commission,
    CommissionSecretaryship,
    GroupMembership,
    Meeting,
    Membership,
    Organization,
    Secretaryship,
    User,
)
from tracker.notify import outbox
from tracker.people.permissions import Access
from tracker.timeutil import ALMATY

#: how long a meeting is taken to last, for calendars
DURATION = timedelta(hours=2)


def members(session: Session, commission: Commission) -> list[User]:
    """The active people who hear of the commission's meetings, by email."""
    codes = {code for side in commission.parties.values() for code in side}
    organizations = set(session.exec(select(Organization.id).where(Organization.code.in_(codes))))
    organizations |= set(session.exec(select(GroupMembership.member_id)
                                      .where(GroupMembership.group_id.in_(organizations))))
    instruments = [instrument.id for instrument in commission_instruments(session, commission)]
    ids = set(session.exec(select(Membership.user_id).where(Membership.organization_id.in_(organizations))))
    ids |= set(session.exec(select(CommissionSecretaryship.user_id)
                            .where(CommissionSecretaryship.commission_id == commission.id)))
    ids |= set(session.exec(select(Secretaryship.user_id).where(Secretaryship.instrument_id.in_(instruments))))
    return list(session.exec(select(User).where(User.id.in_(ids), User.active).order_by(User.email)))


def calendar_invitation(commission: Commission, meeting: Meeting, items: list[AgendaItem], link: str) -> str:
    """The meeting as an iCalendar event (its agenda in the description), to be added to a calendar."""
    hours, minutes = (int(part) for part in meeting.starts_at.split(":"))
    starts = datetime.combine(meeting.held_on, time(hours, minutes), ALMATY)
    calendar = Calendar()
    calendar.add("prodid", "-//Mindet//Commission meetings//RU")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@mindet")
    event.add("sequence", meeting.version)
    event.add("dtstamp", meeting.updated_at)
    event.add("dtstart", starts)
    event.add("dtend", starts + DURATION)
    event.add("summary", f"{commission.short_ru or commission.name_ru}: заседание, протокол № {meeting.number}")
    if meeting.place or meeting.link:
        event.add("location", meeting.place or meeting.link)
    event.add("url", link)
    event.add("description", "\n".join(f"{item.position}. {item.title}" for item in items) + f"\n\n{link}")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def invite(*, session: Session, app: Flask, meeting: Meeting, actor: User, access: Access, now: datetime,
           ip: str | None = None) -> int:
    """Queue the agenda with its invitation for every member; how many were queued. Audited; the caller commits."""
    commission = session.get(Commission, meeting.commission_id)
    if not access.can_run_commission(commission.id):
        raise MeetingError(_("Повестку рассылает секретарь комиссии."))
    if meeting.status == "cancelled":
        raise MeetingError(_("Заседание отменено: повестку не рассылают."))
    items = agenda(session, meeting)
    link = f"{app.config['BASE_URL']}/meetings/{meeting.id}"
    invitation = outbox.Attachment(f"meeting-{meeting.number}.ics", "text/calendar",
                                   calendar_invitation(commission, meeting, items, link))
    people = members(session, commission)
    for user in people:
        subject, text, html = outbox.render_email(app, "meeting", user, commission=commission, meeting=meeting,
                                                  items=items, link=link)
        outbox.enqueue(session, kind="meeting", user=user, subject=subject, text=text, html=html,
                       sender=app.config["MAIL_SENDER"], now=now, attachment=invitation)
    meeting.invited_at = now
    session.add(meeting)
    audit.record(session=session, now=now, action="meeting.invite", object_type="meeting", object_id=str(meeting.id),
                 after={"recipients": [user.email for user in people], "version": meeting.version},
                 by=audit.Actor(user_id=actor.id, ip=ip))
    return len(people)
