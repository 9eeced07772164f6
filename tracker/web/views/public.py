"""The public view of instruments marked `public: true`: progress, measures, accepted statuses, public evidence,
requests for information and their answers.

Nothing else is shown: no notes, no drafts, no statuses a secretary has not accepted, no people.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, send_file

from tracker.as_of import Moment
from tracker.db import get_session
from tracker.insight import indicators, public, rating
from tracker.insight.report_docx import write_docx
from tracker.stores import evidence_store
from tracker.timeutil import today_almaty
from tracker.web.arguments import asked_quarter
from tracker.web.indicator_pages import chart_of
from tracker.web.kept import render_kept

bp = Blueprint("public", __name__, url_prefix="/public")


@bp.get("/")
def index():
    """Public instruments with their published progress."""
    def shown() -> dict:
        session = get_session()
        instruments = public.public_instruments(session)
        when = Moment.today(today_almaty())
        judged = indicators.judged(session, when, public_only=True)
        return dict(instruments=instruments, progress=public.progress_of_all(session, instruments),
                    indicators=indicators.views_of(session, when, judged[:SHOWN_INDICATORS]),
                    indicators_more=len(judged) - SHOWN_INDICATORS, indicator_tally_counts=indicators.tally(judged))

    return render_kept("public/index.html", ("public", SHOWN_INDICATORS), shown)


#: the public index lists the indicators worst first up to here; the rest are a link away
SHOWN_INDICATORS = 20


def _public_indicators() -> list:
    # the lists show each indicator's latest value and judgement: its latest period alone is read and judged
    return indicators.worst_first(indicators.indicator_views(get_session(), Moment.today(today_almaty()),
                                                             public_only=True, latest_only=True))


@bp.get("/indicators")
def indicator_list():
    """Every public indicator, worst first, with its latest accepted value and judgement."""
    measured = _public_indicators()
    return render_template("public/indicators.html", indicators=measured,
                           indicator_tally_counts=indicators.tally(measured))


@bp.get("/indicators/<path:key>")
def indicator(key: str):
    """A public indicator: its baseline, targets, chart and accepted values (nothing awaiting a verdict)."""
    found = indicators.indicator_views(get_session(), Moment.today(today_almaty()), keys=[key], public_only=True)
    if not found:
        abort(404)
    return render_template("public/indicator.html", view=found[0], ind=found[0].indicator, chart=chart_of(found[0]))


@bp.get("/rating")
def commission_rating():
    """The commissions ranked for a quarter (?quarter=2026-Q3; by default the last one over), regions and industries
    side by side, with the method and each commission's trend."""
    today = today_almaty()
    quarter = asked_quarter()
    if quarter is None or "Q" not in quarter.label:
        quarter = Moment.today(today).last_complete_quarter()
    rated = rating.rating(get_session(), quarter, today)
    return render_template("public/rating.html", quarter=quarter, today=today, rated=rated,
                           levels={level: [r for r in rated if r.commission.level == level]
                                   for level in ("regional", "industry", "republican")})


@bp.get("/<key>")
def instrument(key: str):
    """A public instrument: its measures with accepted checkpoints and public evidence."""
    session = get_session()
    inst = public.public_instrument(session, key)
    if inst is None:
        abort(404)
    years = range(inst.valid_from.year, min(inst.valid_to.year, today_almaty().year) + 1)
    measured = indicators.indicator_views(session, Moment.today(today_almaty()), instrument_ids=[inst.id],
                                          public_only=True)
    return render_template("public/instrument.html", instrument=inst, years=years, indicators=measured,
                           **public.instrument_page(session, inst))


@bp.get("/<key>/report-<int:year>.docx")
def annual_report(key: str, year: int):
    """A public instrument's execution report for a year, as a Word document (what the public view shows only)."""
    session = get_session()
    inst = public.public_instrument(session, key)
    today = today_almaty()
    if inst is None or not inst.valid_from.year <= year <= min(inst.valid_to.year, today.year):
        abort(404)
    buffer = io.BytesIO()
    write_docx(public.annual_report(session, inst, year, today), buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"{inst.key}-{year}.docx", max_age=0,
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@bp.get("/evidence/<int:evidence_id>")
def evidence(evidence_id: int):
    """A published evidence file (see `insight.public.published`); 404 for anything else."""
    row = public.published_file(get_session(), evidence_id)
    if row is None or not evidence_store().exists(row.storage_key):
        abort(404)
    return send_file(evidence_store().open(row.storage_key), mimetype=row.content_type, as_attachment=True,
                     download_name=row.file_name, max_age=0)
