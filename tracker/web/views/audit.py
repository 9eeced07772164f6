"""The audit trail, read-only: as a whole with filters, and per obligation."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from tracker import audit
from tracker.catalog.lookups import obligation_by_key
from tracker.db import get_session
from tracker.pagination import page_number
from tracker.web.access import current_access, require
from tracker.web.audit_words import ACTIONS, OBJECT_TYPES, action_label, object_label

bp = Blueprint("audit", __name__)


@bp.get("/audit")
def index():
    """Every change, newest first; filter by action, object type, object and person."""
    require(current_access().can_oversee_any())
    filters = {k: request.args.get(k, "").strip() for k in audit.TRAIL_FILTERS}
    page = audit.trail(get_session(), filters=filters, number=page_number(request.args.get("page")))
    return render_template("audit/index.html", rows=page.rows, total=page.total, page=page.number, filters=filters,
                           pages=page.pages, obligation=None, audit_actions=sorted(ACTIONS, key=action_label),
                           audit_types=sorted(OBJECT_TYPES, key=object_label))


@bp.get("/obligations/<path:key>/history")
def obligation(key: str):
    """The audit trail of one obligation, for the secretaries of its instrument and administrators."""
    session = get_session()
    ob = obligation_by_key(session, key)
    require(ob is not None)
    access = current_access()
    require(access.can_oversee(ob.instrument_id))
    page = audit.trail(session, filters={"object_type": "obligation", "object_id": key},
                       number=page_number(request.args.get("page")))
    return render_template("audit/index.html", rows=page.rows, total=page.total, page=page.number, filters={},
                           pages=page.pages, obligation=ob)
