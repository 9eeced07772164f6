"""The audit trail, read-only: as a whole with filters, and per obligation."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlmodel import func, or_, select

from tracker.db import get_session
from tracker.models import AuditEvent, Obligation, User
from tracker.people.permissions import current_access, require

bp = Blueprint("audit", __name__)
PAGE_SIZE = 100


def _page(query, page: int):
    session = get_session()
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
                        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return rows, total


def _base():
    return select(AuditEvent, User).join(User, User.id == AuditEvent.actor_id, isouter=True)


@bp.get("/audit")
def index():
    """Every change, newest first; filter by action, object type, object and person."""
    require(current_access().can_read_audit())
    query = _base()
    filters = {k: request.args.get(k, "").strip() for k in ("action", "object_type", "object_id", "actor")}
    if filters["action"]:
        query = query.where(AuditEvent.action.startswith(filters["action"]))
    if filters["object_type"]:
        query = query.where(AuditEvent.object_type == filters["object_type"])
    if filters["object_id"]:
        query = query.where(AuditEvent.object_id == filters["object_id"])
    if filters["actor"]:
        query = query.where(or_(User.email.contains(filters["actor"].lower()),
                                AuditEvent.actor_label.contains(filters["actor"])))
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = _page(query, page)
    return render_template("audit/index.html", rows=rows, total=total, page=page, filters=filters,
                           pages=(total + PAGE_SIZE - 1) // PAGE_SIZE, obligation=None)


@bp.get("/obligations/<path:key>/history")
def obligation(key: str):
    """The audit trail of one obligation, for the secretaries of its instrument and administrators."""
    session = get_session()
    ob = session.exec(select(Obligation).where(Obligation.key == key)).first()
    require(ob is not None)
    access = current_access()
    require(access.is_admin or ob.instrument_id in access.secretary_of)
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = _page(_base().where(AuditEvent.object_type == "obligation", AuditEvent.object_id == key), page)
    return render_template("audit/index.html", rows=rows, total=total, page=page, filters={},
                           pages=(total + PAGE_SIZE - 1) // PAGE_SIZE, obligation=ob)
