"""Read-only pages: instruments, an instrument's sections and obligations, an obligation's checkpoints."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, abort, render_template
from sqlmodel import select

from ..db import get_session
from ..models import Instrument, Report, Section
from ..obligations import instrument_overview, obligation_views
from ..timeutil import today_almaty

bp = Blueprint("catalog", __name__)


@bp.get("/")
def instruments():
    """Every instrument with its counts."""
    today = today_almaty()
    return render_template("catalog/instruments.html", rows=instrument_overview(session=get_session(), today=today),
                           today=today)


@bp.get("/instruments/<key>")
def instrument(key: str):
    """An instrument: header, then its sections with their obligations, owners and next due date."""
    session = get_session()
    inst = session.exec(select(Instrument).where(Instrument.key == key, Instrument.retired_at.is_(None))).first()
    if inst is None:
        abort(404)
    today = today_almaty()
    sections = session.exec(select(Section).where(Section.instrument_id == inst.id, Section.retired_at.is_(None))
                            .order_by(Section.position)).all()
    by_section = defaultdict(list)
    for view in obligation_views(session=session, today=today, instrument=inst):
        by_section[view.section.id].append(view)
    return render_template("catalog/instrument.html", instrument=inst, sections=sections, by_section=by_section,
                           today=today)


@bp.get("/obligations/<path:key>")
def obligation(key: str):
    """An obligation: verbatim text, result, owners, and every checkpoint with its reports."""
    session = get_session()
    today = today_almaty()
    views = obligation_views(session=session, today=today, keys=[key], include_retired=True)
    if not views:
        abort(404)
    view = views[0]
    checkpoint_ids = [cp.id for cp, _ in view.checkpoints]
    reported = defaultdict(lambda: [0, 0])  # checkpoint id → [reports, submitted or done]
    if checkpoint_ids:
        for report in session.exec(select(Report).where(Report.checkpoint_id.in_(checkpoint_ids),
                                                        Report.retired_at.is_(None))):
            reported[report.checkpoint_id][0] += 1
            if report.status in ("submitted", "accepted", "not_applicable", "cancelled"):
                reported[report.checkpoint_id][1] += 1
    return render_template("catalog/obligation.html", view=view, ob=view.obligation, reported=reported,
                           today=today)


