"""The execution report as a Word document for a meeting: A4 landscape, page numbers, a one-page summary first,
then tables whose header row repeats on every page and whose columns are as wide as their content needs."""

from __future__ import annotations

from typing import BinaryIO

from docx import Document
from docx.enum.text import WD_BREAK
from docx.shared import Pt
from flask_babel import format_percent
from flask_babel import gettext as _

from tracker.insight import docx_layout as layout
from tracker.insight.charts import number
from tracker.insight.docx_text import add_markdown
from tracker.insight.execution_report import Answers, ExecutionReport, Measure
from tracker.insight.indicators import JUDGEMENT_NAMES, UNIT_NAMES
from tracker.languages import format_day
from tracker.statuses import label as status_label

# column widths in cm: each table's add up to A4 landscape less two margins of 1.5 cm (26.7)
_MEASURE_COLUMNS = [1.3, 8.4, 4.2, 4.4, 8.4]  # №, measure, status, who answered, what was done
_LATE_COLUMNS = [6.0, 2.2, 18.5]  # organization, reports, measures with periods and days
_INDICATOR_COLUMNS = [11.0, 6.0, 5.2, 4.5]  # indicator, latest value, planned, judgement
_SUMMARY_COLUMNS = [9.0, 3.0]
_WORST_COLUMNS = [14.0, 4.0, 4.0]
_DECISION_COLUMNS = [18.0, 4.0]
#: how many missing members a row names before "…"
_MISSING_SHOWN = 8


def write_docx(report: ExecutionReport, stream: BinaryIO) -> None:
    """Write the report (its texts in the request's language; the measures verbatim) to `stream`."""
    document = Document()
    document.styles["Normal"].font.size = Pt(9.5)
    layout.landscape_a4(document.sections[0])
    layout.page_numbers(document.sections[0])
    instrument = report.instrument
    document.add_heading(instrument.title_ru, level=1)
    day = report.when.past or report.when.day
    document.add_paragraph(_("Отчёт об исполнении на конец %(quarter)s. По состоянию на конец дня %(day)s.",
                             quarter=report.quarter.label, day=format_day(day)))
    _summary(document, report)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for section, measures in report.sections:
        document.add_heading(f"{section.number}. {section.title_ru}", level=2)
        grid = layout.table(document, [_("№"), _("Мера"), _("Статус"), _("Кто отчитался"), _("Что сделано")],
                       _MEASURE_COLUMNS)
        for measure in measures:
            layout.row(grid, [measure.view.obligation.number, measure.view.obligation.text,
                         lambda cell, m=measure: _status(cell, m), lambda cell, m=measure: _answers(cell, m.answers),
                         lambda cell, m=measure: _what_was_done(cell, m)], _MEASURE_COLUMNS)
    if report.late:
        document.add_heading(_("Просрочено по организациям"), level=2)
        grid = layout.table(document, [_("Организация"), _("Отчётов"), _("Меры: период — дней просрочки")],
                            _LATE_COLUMNS)
        for organization, items in report.late:
            layout.row(grid, [f"{organization.code} — {organization.name_ru}", str(len(items)),
                         "; ".join(_late(item.row) for item in items)], _LATE_COLUMNS)
    if report.lagging:
        document.add_heading(_("Целевые индикаторы: отстают и под угрозой"), level=2)
        grid = layout.table(document, [_("Индикатор"), _("Последнее значение"), _("По плану"), _("Оценка")],
                            _INDICATOR_COLUMNS)
        for view in report.lagging:
            unit = str(UNIT_NAMES[view.indicator.unit])
            expected = view.latest.expected
            layout.row(grid, [view.indicator.name_ru, f"{number(view.latest.value)} {unit} ({view.latest.period})",
                              f"{number(round(expected, 2))} {unit}" if expected is not None else
                              f"{number(view.indicator.band_low)}–{number(view.indicator.band_high)} {unit}",
                              str(JUDGEMENT_NAMES[view.judgement])], _INDICATOR_COLUMNS)
    document.save(stream)


def _late(row) -> str:
    """«7 (2025-Q3) — 45»: the measure, the period and the days it is overdue."""
    return f"{row.obligation.number} ({row.checkpoint.label or row.checkpoint.period}) — {row.days}"


def _summary(document, report: ExecutionReport) -> None:
    summary = report.summary
    document.add_heading(_("Сводка"), level=2)
    grid = layout.table(document, [_("Контрольные точки со сроком до конца квартала"), _("Число")], _SUMMARY_COLUMNS)
    for status in ("done", "submitted", "in_progress", "returned", "not_started", "overdue"):
        layout.row(grid, [status_label(status), str(summary.counts.get(status, 0))], _SUMMARY_COLUMNS)
    document.add_paragraph()
    document.add_paragraph(_("Отчёты, сданные в срок: %(quarter)s — %(rate)s; %(previous)s — %(before)s.",
                             quarter=report.quarter.label, rate=_percent(summary.on_time),
                             previous=report.quarter.previous().label, before=_percent(summary.previous_on_time)))
    if summary.worst:
        document.add_paragraph().add_run(_("Больше всего просроченных отчётов")).bold = True
        grid = layout.table(document, [_("Организация"), _("Просрочено отчётов"), _("Наибольшая просрочка, дней")],
                       _WORST_COLUMNS)
        for organization, count, days in summary.worst:
            layout.row(grid, [f"{organization.code} — {organization.name_ru}", str(count), str(days)], _WORST_COLUMNS)
    _last_meeting(document, summary)


def _last_meeting(document, summary) -> None:
    """The last meeting's decisions, each with whether it was executed."""
    meeting = summary.last_meeting
    if meeting is None:
        document.add_paragraph(_("Заседаний комиссии с решениями к этой дате не было."))
        return
    document.add_paragraph().add_run(_("Решения заседания № %(number)s от %(day)s", number=meeting.number,
                                       day=format_day(meeting.held_on))).bold = True
    grid = layout.table(document, [_("Решение"), _("Исполнено")], _DECISION_COLUMNS)
    for decision, executed in summary.decisions:
        layout.row(grid, [decision.text, "—" if executed is None else _("да") if executed else _("нет")],
                   _DECISION_COLUMNS)


def _percent(value: float | None) -> str:
    return "—" if value is None else format_percent(value / 100)


def _status(cell, measure: Measure) -> None:
    cell.text = status_label(measure.view.status)
    for checkpoint, days in measure.overdue:
        cell.add_paragraph(_("просрочено: %(period)s — %(days)d дн.", period=checkpoint.label or checkpoint.period,
                             days=days))
    for change in measure.changes:
        cell.add_paragraph(_("срок перенесён: %(old)s → %(new)s (%(source)s)", old=format_day(change.old_due_on),
                             new=format_day(change.new_due_on), source=change.source))


def _answers(cell, answers: list[Answers]) -> None:
    cell.text = "" if answers else "—"
    for answer in answers:
        text = _("%(who)s: %(n)d из %(total)d", who=answer.label or _("соисполнители"), n=answer.answered,
                 total=answer.total)
        if answer.missing:
            named = ", ".join(answer.missing[:_MISSING_SHOWN]) + (" …" if len(answer.missing) > _MISSING_SHOWN else "")
            text += "; " + _("не отчитались: %(names)s", names=named)
        paragraph = cell.paragraphs[0] if not cell.paragraphs[0].text else cell.add_paragraph()
        paragraph.add_run(text)


def _what_was_done(cell, measure: Measure) -> None:
    for code, update in measure.notes:
        cell.add_paragraph().add_run(f"{code}:").bold = True
        add_markdown(cell, update.note, update.note_html)
    if measure.more_notes:
        cell.add_paragraph(_("и ещё %(n)d", n=measure.more_notes))
    if measure.evidence:
        cell.add_paragraph(_("Подтверждения") + ": " + "; ".join(e.file_name or e.url or "" for e in measure.evidence))
    if not measure.notes and not measure.evidence:
        cell.text = "—"
