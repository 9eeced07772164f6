"""Requests for information on the execution of a measure (seed 001: «представители работников вправе запрашивать
информацию об исполнении соглашений»): a party's focal point or a secretary asks an owner, the owner's focal points
are told by email and answer within a number of working days; the request, the answer and their dates stay on the
measure, late ones go to the next meeting's agenda, and both are public when the instrument is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import Flask
from flask_babel import gettext as _
from sqlmodel import Session, select

from tracker import audit
from tracker.models import (
    InformationRequest,
    Instrument,
    Membership,
    Obligation,
    ObligationOwner,
    Organization,
    Report,
    User,
    is_live,
)
from tracker.models.catalog import Checkpoint
from tracker.notify import outbox
from tracker.people.permissions import Access
from tracker.periods import add_working_days
from tracker.timeutil import today_almaty

MAX_TEXT = 5_000


class RequestError(ValueError):
    """A request or answer refused: the message says why and what to do."""


@dataclass(frozen=True)
class RequestRow:
    """A request with who asked, whom, and who answered, for a page."""

    request: InformationRequest
    organization: Organization
    asker: User | None
    asked_for: Organization | None
    answerer: User | None

    def is_late(self, today: date) -> bool:
        """Unanswered after its due day."""
        return self.request.answer is None and self.request.due_on < today


def owners_of(session: Session, obligation: Obligation) -> list[Organization]:
    """The organizations an owner's request can go to: the measure's owners and the members a group fans out to."""
    listed = select(ObligationOwner.organization_id).where(ObligationOwner.obligation_id == obligation.id)
    reporting = (select(Report.organization_id).join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
                 .where(Checkpoint.obligation_id == obligation.id))
    return list(session.exec(select(Organization).where(Organization.id.in_(listed.union(reporting)))
                             .order_by(Organization.code)))


def party_ids(session: Session, instrument: Instrument) -> set[int]:
    """The organizations that are parties to the instrument (its `parties`, by code)."""
    codes = list(instrument.parties or [])
    return set(session.exec(select(Organization.id).where(Organization.code.in_(codes)))) if codes else set()


def may_ask(session: Session, access: Access, instrument: Instrument) -> bool:
    """Whether this person may ask the owners of the instrument's measures."""
    return access.can_request_information(instrument.id, party_ids(session, instrument))


def ask(*, session: Session, app: Flask, obligation: Obligation, organization_id: int, question: str, actor: User,
        access: Access, now: datetime, ip: str | None = None) -> InformationRequest:
    """Record the request, tell the owner's focal points by email, audit it; the caller commits."""
    instrument = session.get(Instrument, obligation.instrument_id)
    parties = party_ids(session, instrument)
    if not access.can_request_information(instrument.id, parties):
        raise RequestError(_("Запросить информацию могут секретарь документа и контактные лица его сторон."))
    owners = {o.id: o for o in owners_of(session, obligation)}
    if organization_id not in owners:
        raise RequestError(_("Запрос направляют исполнителю меры: выберите организацию из списка."))
    question = (question or "").strip()
    if not question or len(question) > MAX_TEXT:
        raise RequestError(_("Напишите вопрос (не длиннее %(n)d символов).", n=MAX_TEXT))
    asked_on = today_almaty(now)
    request = InformationRequest(
        obligation_id=obligation.id, organization_id=organization_id, question=question, asked_by_id=actor.id,
        asked_for_id=next(iter(sorted(access.organization_ids & parties)), None), asked_at=now,
        due_on=add_working_days(asked_on, app.config["INFORMATION_REQUEST_DAYS"], app.config["HOLIDAYS"]))
    session.add(request)
    session.flush()
    audit.record(session=session, now=now, action="information_request.ask", object_type="information_request",
                 object_id=str(request.id), organization_id=organization_id,
                 after={"question": question, "due_on": request.due_on.isoformat()},
                 by=audit.Actor(user_id=actor.id, ip=ip))
    for person in focal_points(session, organization_id):
        _tell(session, app, person, "information_request", request=request, obligation=obligation,
              instrument=instrument, organization=owners[organization_id], asker=actor, now=now,
              party=session.get(Organization, request.asked_for_id) if request.asked_for_id else None)
    return request


def answer(*, session: Session, app: Flask, request: InformationRequest, text: str, actor: User, access: Access,
           now: datetime, ip: str | None = None) -> InformationRequest:
    """Record the owner's answer (once), tell the person who asked, audit it; the caller commits."""
    if not access.can_report_for(request.organization_id):
        raise RequestError(_("Ответить может контактное лицо организации, которой направлен запрос."))
    if request.answer is not None:
        raise RequestError(_("На запрос уже ответили: ответ — ниже."))
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise RequestError(_("Напишите ответ (не длиннее %(n)d символов).", n=MAX_TEXT))
    request.answer, request.answered_by_id, request.answered_at = text, actor.id, now
    session.add(request)
    obligation = session.get(Obligation, request.obligation_id)
    audit.record(session=session, now=now, action="information_request.answer", object_type="information_request",
                 object_id=str(request.id), organization_id=request.organization_id,
                 after={"answer": text}, by=audit.Actor(user_id=actor.id, ip=ip))
    asker = session.get(User, request.asked_by_id) if request.asked_by_id else None
    if asker is not None and asker.active:
        _tell(session, app, asker, "information_answer", request=request, obligation=obligation,
              instrument=session.get(Instrument, obligation.instrument_id),
              organization=session.get(Organization, request.organization_id), asker=asker, now=now)
    return request


def focal_points(session: Session, organization_id: int) -> list[User]:
    """The active people who report for the organization."""
    return list(session.exec(select(User).join(Membership, Membership.user_id == User.id)
                             .where(Membership.organization_id == organization_id, User.active)
                             .order_by(User.id)))


def _tell(session: Session, app: Flask, user: User, template: str, *, now: datetime, **context) -> None:
    link = f"{app.config['BASE_URL']}/obligations/{context['obligation'].key}#requests"
    subject, text, html = outbox.render_email(app, template, user, link=link, **context)
    outbox.enqueue(session, kind=template, user=user, subject=subject, text=text, html=html,
                   sender=app.config["MAIL_SENDER"], now=now)


def requests_of(session: Session, obligation_id: int) -> list[RequestRow]:
    """A measure's requests, the newest first, with the people and organizations named."""
    rows = session.exec(select(InformationRequest).where(InformationRequest.obligation_id == obligation_id)
                        .order_by(InformationRequest.asked_at.desc(), InformationRequest.id.desc())).all()
    return _named(session, rows)


def _named(session: Session, rows) -> list[RequestRow]:
    users = {u.id: u for u in session.exec(select(User).where(User.id.in_(
        {r.asked_by_id for r in rows} | {r.answered_by_id for r in rows})))} if rows else {}
    organizations = {o.id: o for o in session.exec(select(Organization).where(Organization.id.in_(
        {r.organization_id for r in rows} | {r.asked_for_id for r in rows})))} if rows else {}
    return [RequestRow(r, organizations[r.organization_id], users.get(r.asked_by_id),
                       organizations.get(r.asked_for_id), users.get(r.answered_by_id)) for r in rows]


def late(session: Session, instrument_ids: list[int], today: date) -> list[tuple[InformationRequest, Obligation,
                                                                                 Organization]]:
    """Unanswered requests past their due day on the live measures of these instruments, the oldest first."""
    return list(session.exec(
        select(InformationRequest, Obligation, Organization)
        .join(Obligation, Obligation.id == InformationRequest.obligation_id)
        .join(Organization, Organization.id == InformationRequest.organization_id)
        .where(Obligation.instrument_id.in_(instrument_ids), is_live(Obligation),
               InformationRequest.answer.is_(None), InformationRequest.due_on < today)
        .order_by(InformationRequest.due_on, InformationRequest.id)).all())
