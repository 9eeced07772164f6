"""The public view of instruments marked `public: true`: progress, measures, accepted statuses, public evidence.

Nothing else is shown: no notes, no drafts, no statuses a secretary has not accepted, no people.
"""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, abort, render_template, send_file
from sqlalchemy import func
from sqlmodel import select

from tracker.db import get_session
from tracker.models import Checkpoint, Evidence, Instrument, Obligation, Report, Section
from tracker.reporting.storage import evidence_store

bp = Blueprint("public", __name__, url_prefix="/public")


def _public_instruments():
    return select(Instrument).where(Instrument.is_public, Instrument.retired_at.is_(None))


@bp.get("/")
def index():
    """Public instruments with their published progress."""
    session = get_session()
    instruments = session.exec(_public_instruments().order_by(Instrument.key)).all()
    progress = {i.id: _progress(session, i, _accepted_leads(session, i)) for i in instruments}
    return render_template("public/index.html", instruments=instruments, progress=progress)


def _accepted_leads(session, instrument):
    return session.exec(select(Checkpoint.obligation_id, Checkpoint.id, Report.id).select_from(Report)
                        .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
                        .join(Obligation, Obligation.id == Checkpoint.obligation_id)
                        .where(Obligation.instrument_id == instrument.id, Report.is_lead, Report.status == "accepted",
                               Report.retired_at.is_(None), Checkpoint.retired_at.is_(None))).all()


def _progress(session, instrument, accepted) -> tuple[int, int]:
    """(checkpoints with an accepted lead report, all live checkpoints) of the instrument."""
    total = session.exec(select(func.count()).select_from(Checkpoint).join(Obligation).where(
        Obligation.instrument_id == instrument.id, Obligation.retired_at.is_(None),
        Checkpoint.retired_at.is_(None))).one()
    return len({cp for _ob, cp, _r in accepted}), total


@bp.get("/<key>")
def instrument(key: str):
    """A public instrument: its measures with accepted checkpoints and public evidence."""
    session = get_session()
    inst = session.exec(_public_instruments().where(Instrument.key == key)).first()
    if inst is None:
        abort(404)
    obligations = session.exec(select(Obligation, Section).join(Section, Section.id == Obligation.section_id)
                               .where(Obligation.instrument_id == inst.id, Obligation.retired_at.is_(None))
                               .order_by(Section.position, Obligation.position)).all()
    checkpoints = defaultdict(list)
    for cp in session.exec(select(Checkpoint).join(Obligation).where(Obligation.instrument_id == inst.id,
                                                                     Checkpoint.retired_at.is_(None))
                           .order_by(Checkpoint.due_on)):
        checkpoints[cp.obligation_id].append(cp)
    accepted = _accepted_leads(session, inst)
    accepted_checkpoints = {cp for _ob, cp, _r in accepted}
    evidence = defaultdict(list)
    report_to_obligation = {r: ob for ob, _cp, r in accepted}
    for item in session.exec(select(Evidence).where(Evidence.report_id.in_(list(report_to_obligation)),
                                                    Evidence.is_public).order_by(Evidence.id)):
        evidence[report_to_obligation[item.report_id]].append(item)
    return render_template("public/instrument.html", instrument=inst, obligations=obligations,
                           checkpoints=checkpoints, accepted=accepted_checkpoints, evidence=evidence,
                           progress=_progress(session, inst, accepted))


@bp.get("/evidence/<int:evidence_id>")
def evidence(evidence_id: int):
    """A public evidence file of an accepted report of a public instrument; 404 for anything else."""
    session = get_session()
    row = session.exec(select(Evidence).join(Report, Report.id == Evidence.report_id)
                       .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
                       .join(Obligation, Obligation.id == Checkpoint.obligation_id)
                       .join(Instrument, Instrument.id == Obligation.instrument_id)
                       .where(Evidence.id == evidence_id, Evidence.is_public, Evidence.kind == "file",
                              Report.status == "accepted", Instrument.is_public,
                              Instrument.retired_at.is_(None))).first()
    if row is None or not evidence_store().exists(row.storage_key):
        abort(404)
    return send_file(evidence_store().open(row.storage_key), mimetype=row.content_type, as_attachment=True,
                     download_name=row.file_name, max_age=0)
