"""The audit trail: one append-only row per change, written in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, or_, select

from tracker.models import AuditEvent, User
from tracker.pagination import Page, paginate


def _jsonable(value):
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class Actor:
    """Who made a change: a person (their id) or a command (a label such as "roadmaps sync"), and from where."""

    user_id: int | None = None
    label: str | None = None
    ip: str | None = None


def record(*, session: Session, now: datetime, action: str, object_type: str, object_id: str | None = None,
           before: dict | None = None, after: dict | None = None, by: Actor | None = None,
           organization_id: int | None = None) -> AuditEvent:
    """Add an audit row to the session (the caller's transaction commits or rolls it back with the change)."""
    by = by or Actor()
    event = AuditEvent(
        occurred_at=now, action=action, object_type=object_type, object_id=object_id,
        before=_jsonable(before), after=_jsonable(after), actor_id=by.user_id, actor_label=by.label,
        organization_id=organization_id, ip=by.ip,
    )
    session.add(event)
    return event


#: rows per page of the audit trail
TRAIL_PAGE_SIZE = 100
TRAIL_FILTERS = ("action", "object_type", "object_id", "actor")


def trail(session: Session, *, filters: dict[str, str], number: int) -> Page:
    """A page of the trail, newest first, with each row's person: filtered by action prefix, object and person."""
    query = select(AuditEvent, User).join(User, User.id == AuditEvent.actor_id, isouter=True)
    if filters.get("action"):
        query = query.where(AuditEvent.action.startswith(filters["action"]))
    if filters.get("object_type"):
        query = query.where(AuditEvent.object_type == filters["object_type"])
    if filters.get("object_id"):
        query = query.where(AuditEvent.object_id == filters["object_id"])
    if filters.get("actor"):
        query = query.where(or_(User.email.contains(filters["actor"].lower()),
                                AuditEvent.actor_label.contains(filters["actor"])))
    return paginate(session, query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()), number,
                    TRAIL_PAGE_SIZE)
