"""The quarterly execution report of an instrument for the commission meeting: printable HTML and DOCX."""

from __future__ import annotations

import io

from flask import Blueprint, render_template, send_file
from flask_babel import gettext as _

from tracker.db import get_session
from tracker.insight import execution_report
from tracker.people.permissions import current_access, require
from tracker.statuses import AWAITING
from tracker.statuses import label as status_label
from tracker.timeutil import today_almaty
from tracker.web.arguments import instrument_or_404, quarter_arg

bp = Blueprint("meeting", __name__)


def _content(key: str):
    instrument = instrument_or_404(key)
    access = current_access()
    # it quotes every lead executor's latest note, drafts included: the instrument's secretaries and admins only
    require(access.is_admin or access.can_manage_instrument(instrument))
    today = today_almaty()
    quarter = quarter_arg(today)
    return instrument, quarter, execution_report.build(get_session(), instrument, quarter, today)


@bp.get("/instruments/<key>/execution-report")
def report(key: str):
    """The report as a page (print it from the browser: the layout is made for paper)."""
    instrument, quarter, content = _content(key)
    return render_template("dashboards/execution_report.html", instrument=instrument, quarter=quarter,
                           content=content)


@bp.get("/instruments/<key>/execution-report.docx")
def report_docx(key: str):
    """The report as a Word document."""
    instrument, quarter, content = _content(key)
    labels = {"report": _("Отчёт об исполнении на конец"), "measure": _("Мера"), "evidence": _("Подтверждения"),
              "overdue": _("Просрочено"), "moved": _("Срок перенесён"),
              "statuses": {s: status_label(s) for s in (*AWAITING, "submitted")}
              | {"done": _("исполнено"), "overdue": _("просрочено"), "awaiting_event": _("по событию")}}
    buffer = io.BytesIO()
    execution_report.write_docx(instrument, quarter, content, labels, buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"{instrument.key}-{quarter.label}.docx",
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
