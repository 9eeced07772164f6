"""Authorization in one place: what the signed-in person may see and change. Views ask here, nowhere else."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort, g
from flask_login import current_user
from sqlmodel import Session, select

from tracker.db import get_session
from tracker.models import GroupMembership, Instrument, Membership, Secretaryship, User

#: endpoints anyone may open without signing in
PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.invite", "auth.reset_request", "auth.reset", "health",
                    "calendar.feed", "public.index", "public.instrument", "public.evidence"}


@dataclass(frozen=True)
class Access:
    """A person's reach: roles, the organizations they act for, the instruments they are secretary of."""

    user: User | None
    is_admin: bool = False
    is_observer: bool = False
    #: organizations the person may report for: their own and the members of groups they represent
    organization_ids: frozenset[int] = field(default_factory=frozenset)
    secretary_of: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_secretary(self) -> bool:
        """Secretary of at least one instrument."""
        return bool(self.secretary_of)

    def can_manage_instrument(self, instrument: Instrument) -> bool:
        """Judge reports, reschedule, open checkpoints: the instrument's secretaries only."""
        return instrument.id in self.secretary_of

    def can_report_for(self, organization_id: int) -> bool:
        """Write to a report of this organization."""
        return organization_id in self.organization_ids

    def can_read_audit(self) -> bool:
        """The audit trail as a whole: administrators and secretaries."""
        return self.is_admin or self.is_secretary


def access_for(session: Session, user: User | None) -> Access:
    """Compute a person's Access from the database."""
    if user is None:
        return Access(None)
    own = set(session.exec(select(Membership.organization_id).where(Membership.user_id == user.id)))
    members = set()
    if own:
        members = set(session.exec(select(GroupMembership.member_id).where(GroupMembership.group_id.in_(own))))
    secretary_of = session.exec(select(Secretaryship.instrument_id).where(Secretaryship.user_id == user.id))
    return Access(user, is_admin=user.is_admin, is_observer=user.is_observer,
                  organization_ids=frozenset(own | members), secretary_of=frozenset(secretary_of))


def current_access() -> Access:
    """The Access of this request's user, computed once per request."""
    if "access" not in g:
        user = current_user if current_user.is_authenticated else None
        g.access = access_for(get_session(), user._get_current_object() if user else None)
    return g.access


def require(allowed: bool) -> None:
    """404 when not allowed: what you may not see does not exist for you."""
    if not allowed:
        abort(404)


def overdue_scope(access: Access) -> list[int] | None:
    """The instruments whose overdue reports this person may list: None for all (administrators), their own
    instruments for secretaries; 404 for anyone else."""
    require(access.is_admin or access.is_secretary)
    return None if access.is_admin else sorted(access.secretary_of)


def require_admin() -> None:
    """Only administrators pass."""
    require(current_access().is_admin)


def init_app(app) -> None:
    """Templates see the person's Access as `access` (None when signed out)."""
    app.context_processor(lambda: {"access": current_access() if current_user.is_authenticated else None})
