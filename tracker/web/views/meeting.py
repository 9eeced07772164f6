"""The quarterly execution report of an instrument for the commission meeting: printable HTML and DOCX."""

from __future__ import annotations

import io

from flask import Blueprint, render_template, request, send_file
from flask_babel import format_percent

from tracker.as_of import Moment
from tracker.db import get_session
from tracker.insight import execution_report
from tracker.insight.report_docx import write_docx
from tracker.timeutil import today_almaty
from tracker.web.access import current_access, require
from tracker.web.arguments import instrument_or_404, quarter_arg

bp = Blueprint("meeting", __name__)


def _content(key: str):
    instrument = instrument_or_404(key)
    access = current_access()
    # it quotes every lead executor's latest note, drafts included: the instrument's secretaries and admins only
    require(access.can_oversee(instrument.id))
    today = today_almaty()
    quarter = quarter_arg(today)
    return execution_report.build(get_session(), instrument, quarter, report_moment(quarter, today))


def report_moment(quarter, today) -> Moment:
    """When the report stands: the end of a past quarter unless ?as_of=today asks for today's state (the current
    quarter is always today's)."""
    if request.args.get("as_of") == "today" or quarter.ends_on >= today:
        return Moment.today(today)
    return Moment.end_of(quarter.ends_on)


@bp.get("/instruments/<key>/execution-report")
def report(key: str):
    """The report as a page (print it from the browser: the layout is made for paper)."""
    content = _content(key)
    return render_template("dashboards/execution_report.html", instrument=content.instrument, report=content,
                           quarter=content.quarter, as_of=content.when.past, percent=_percent)


def _percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value / 100)


@bp.get("/instruments/<key>/execution-report.docx")
def report_docx(key: str):
    """The report as a Word document (A4 landscape, summary first, header rows repeated, page numbers)."""
    content = _content(key)
    buffer = io.BytesIO()
    write_docx(content, buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"{content.instrument.key}-{content.quarter.label}.docx",
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
