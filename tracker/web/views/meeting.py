"""The quarterly execution report of an instrument for the commission meeting: printable HTML and DOCX."""

from __future__ import annotations

import io

from flask import Blueprint, render_template, request, send_file
from flask_babel import gettext as _

from tracker.as_of import Moment
from tracker.db import get_session
from tracker.insight import execution_report
from tracker.languages import format_day
from tracker.statuses import AWAITING
from tracker.statuses import label as status_label
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
    when = report_moment(quarter, today)
    session = get_session()
    return (instrument, quarter, when.past, execution_report.build(session, instrument, quarter, when),
            execution_report.overdue_by_organization(session, instrument, when))


def report_moment(quarter, today) -> Moment:
    """When the report stands: the end of a past quarter unless ?as_of=today asks for today's state (the current
    quarter is always today's)."""
    if request.args.get("as_of") == "today" or quarter.ends_on >= today:
        return Moment.today(today)
    return Moment.end_of(quarter.ends_on)


@bp.get("/instruments/<key>/execution-report")
def report(key: str):
    """The report as a page (print it from the browser: the layout is made for paper)."""
    instrument, quarter, as_of, content, late = _content(key)
    return render_template("dashboards/execution_report.html", instrument=instrument, quarter=quarter,
                           content=content, late=late, as_of=as_of)


@bp.get("/instruments/<key>/execution-report.docx")
def report_docx(key: str):
    """The report as a Word document."""
    instrument, quarter, as_of, content, late = _content(key)
    labels = {"as_of": _("По состоянию на конец дня %(day)s", day=format_day(as_of or today_almaty())),
              "report": _("Отчёт об исполнении на конец"), "co_executors": _("Соисполнители отчитались"),
              "measure": _("Мера"), "evidence": _("Подтверждения"),
              "overdue": _("Просрочено"), "moved": _("Срок перенесён"),
              "statuses": {s: status_label(s) for s in (*AWAITING, "submitted")}
              | {"done": _("исполнено"), "overdue": _("просрочено"), "awaiting_event": _("по событию")},
              "measure_columns": [_("№"), _("Мера"), _("Статус"), _("Соисполнители отчитались"), _("Что сделано")],
              "late_title": _("Просрочено по организациям"),
              "late_columns": [_("Мера"), _("Текст меры"), _("Период"), _("Срок"), _("Дней"), _("Причина")]}
    buffer = io.BytesIO()
    execution_report.write_docx(instrument, quarter, content, late, labels, buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"{instrument.key}-{quarter.label}.docx",
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
