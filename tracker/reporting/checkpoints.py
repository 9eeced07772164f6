"""A secretary's work on checkpoints: rescheduling with reason and source, opening event checkpoints, timelines."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, select

from tracker import audit
from tracker.catalog.sync import responsible_reports
from tracker.models import (
    Checkpoint,
    DeadlineChange,
    Evidence,
    GroupMembership,
    Instrument,
    Obligation,
    ObligationOwner,
    Organization,
    Report,
    StatusUpdate,
    User,
)
from tracker.people.permissions import Access
from tracker.reporting.workflow import ReportingError


def _require_secretary(access: Access, instrument: Instrument) -> None:
    if not access.can_manage_instrument(instrument):
        raise ReportingError(_("Это может сделать только секретарь инструмента."))


def _require_reason(reason: str | None, source: str | None) -> tuple[str, str]:
    reason, source = (reason or "").strip(), (source or "").strip()
    if not reason or not source:
        raise ReportingError(_("Укажите причину и основание (например, протокол заседания РТК)."))
    return reason, source


def reschedule(*, session: Session, checkpoint: Checkpoint, instrument: Instrument, actor: User, access: Access,
               new_due_on: date, reason: str | None, source: str | None, now: datetime,
               ip: str | None = None) -> DeadlineChange:
    """Move a checkpoint's due date; the instrument's original date stays on the checkpoint (slippage)."""
    _require_secretary(access, instrument)
    if checkpoint.retired_at is not None:
        raise ReportingError(_("Контрольная точка исключена из дорожной карты: её срок не переносится."))
    reason, source = _require_reason(reason, source)
    if new_due_on == checkpoint.due_on:
        raise ReportingError(_("Новый срок совпадает с текущим."))
    change = DeadlineChange(checkpoint_id=checkpoint.id, old_due_on=checkpoint.due_on, new_due_on=new_due_on,
                            reason=reason, source=source, changed_by_id=actor.id, created_at=now)
    session.add(change)
    audit.record(session=session, now=now, action="checkpoint.reschedule", object_type="checkpoint",
                 object_id=str(checkpoint.id), before={"due_on": checkpoint.due_on},
                 after={"due_on": new_due_on, "reason": reason, "source": source,
                        "slippage_days": (new_due_on - checkpoint.original_due_on).days},
                 by=audit.Actor(user_id=actor.id, ip=ip))
    checkpoint.due_on = new_due_on
    session.add(checkpoint)
    session.flush()
    return change


def open_event_checkpoint(*, session: Session, obligation: Obligation, instrument: Instrument, actor: User,
                          access: Access, label: str | None, due_on: date, source: str | None, now: datetime,
                          ip: str | None = None) -> Checkpoint:
    """Open a checkpoint of an event-driven obligation when its event happens, with reports for every owner."""
    _require_secretary(access, instrument)
    label, source = _require_reason(label, source)
    if obligation.deadline_kind != "event" or obligation.retired_at is not None:
        raise ReportingError(_("Контрольные точки по событию открываются только для мер со сроком «по событию»."))
    count = session.exec(select(func.count()).select_from(Checkpoint)
                         .where(Checkpoint.obligation_id == obligation.id, Checkpoint.is_event)).one()
    checkpoint = Checkpoint(obligation_id=obligation.id, period=f"event-{count + 1}", starts_on=now.date(),
                            due_on=due_on, original_due_on=due_on, is_event=True, label=label, created_at=now)
    session.add(checkpoint)
    session.flush()
    owners = session.exec(select(ObligationOwner).where(ObligationOwner.obligation_id == obligation.id)
                          .order_by(ObligationOwner.position)).all()
    orgs = {o.id: o for o in session.exec(select(Organization))}
    members = defaultdict(list)
    for m in session.exec(select(GroupMembership).order_by(GroupMembership.position)):
        members[m.group_id].append(m.member_id)
    for org_id, attrs in responsible_reports(owners, orgs, members).items():
        session.add(Report(checkpoint_id=checkpoint.id, organization_id=org_id, updated_at=now, **attrs))
    audit.record(session=session, now=now, action="checkpoint.open", object_type="checkpoint",
                 object_id=str(checkpoint.id), after={"obligation": obligation.key, "period": checkpoint.period,
                                                      "label": label, "due_on": due_on, "source": source},
                 by=audit.Actor(user_id=actor.id, ip=ip))
    session.flush()
    return checkpoint


@dataclass
class TimelineEntry:
    """One line of a timeline: a status update (with its evidence) or a deadline change."""

    at: datetime
    author: User | None
    update: StatusUpdate | None = None
    organization: Organization | None = None
    evidence: list[Evidence] = field(default_factory=list)
    change: DeadlineChange | None = None


def timeline(session: Session, checkpoint: Checkpoint, reports: list[Report]) -> list[TimelineEntry]:
    """Updates of the given reports and the checkpoint's deadline changes, newest first."""
    orgs = {r.id: r.organization_id for r in reports}
    names = {o.id: o for o in session.exec(select(Organization).where(Organization.id.in_(set(orgs.values()))))}
    entries = []
    updates = session.exec(select(StatusUpdate, User).join(User, User.id == StatusUpdate.author_id, isouter=True)
                           .where(StatusUpdate.report_id.in_(list(orgs)))).all()
    evidence = defaultdict(list)
    for e in session.exec(select(Evidence).where(Evidence.report_id.in_(list(orgs))).order_by(Evidence.id)):
        evidence[e.status_update_id].append(e)
    for update, author in updates:
        entries.append(TimelineEntry(update.created_at, author, update=update,
                                     organization=names.get(orgs[update.report_id]), evidence=evidence[update.id]))
    for change, author in session.exec(
            select(DeadlineChange, User).join(User, User.id == DeadlineChange.changed_by_id, isouter=True)
            .where(DeadlineChange.checkpoint_id == checkpoint.id)):
        entries.append(TimelineEntry(change.created_at, author, change=change))
    return sorted(entries, key=lambda e: (e.at, e.update.id if e.update else 0), reverse=True)
