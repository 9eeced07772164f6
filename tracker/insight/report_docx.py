"""The execution report as a Word document for a meeting: A4 landscape, page numbers, a one-page summary first,
then tables whose header row repeats on every page and whose columns are as wide as their content needs."""

from __future__ import annotations

from typing import BinaryIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from flask_babel import format_percent
from flask_babel import gettext as _

from tracker.insight.docx_text import add_markdown
from tracker.insight.execution_report import Answers, ExecutionReport, Measure
from tracker.languages import format_day
from tracker.statuses import label as status_label

# column widths in cm: each table's add up to A4 landscape less two margins of 1.5 cm (26.7)
_MEASURE_COLUMNS = [1.3, 8.4, 4.2, 4.4, 8.4]  # №, measure, status, who answered, what was done
_LATE_COLUMNS = [6.0, 2.2, 18.5]  # organization, reports, measures with periods and days
_SUMMARY_COLUMNS = [9.0, 3.0]
_WORST_COLUMNS = [14.0, 4.0, 4.0]
#: how many missing members a row names before "…"
_MISSING_SHOWN = 8


def write_docx(report: ExecutionReport, stream: BinaryIO) -> None:
    """Write the report (its texts in the request's language; the measures verbatim) to `stream`."""
    document = Document()
    document.styles["Normal"].font.size = Pt(9.5)
    _landscape_a4(document.sections[0])
    _page_numbers(document.sections[0])
    instrument = report.instrument
    document.add_heading(instrument.title_ru, level=1)
    day = report.when.past or report.when.day
    document.add_paragraph(_("Отчёт об исполнении на конец %(quarter)s. По состоянию на конец дня %(day)s.",
                             quarter=report.quarter.label, day=format_day(day)))
    _summary(document, report)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for section, measures in report.sections:
        document.add_heading(f"{section.number}. {section.title_ru}", level=2)
        table = _table(document, [_("№"), _("Мера"), _("Статус"), _("Кто отчитался"), _("Что сделано")],
                       _MEASURE_COLUMNS)
        for measure in measures:
            _row(table, [measure.view.obligation.number, measure.view.obligation.text,
                         lambda cell, m=measure: _status(cell, m), lambda cell, m=measure: _answers(cell, m.answers),
                         lambda cell, m=measure: _what_was_done(cell, m)], _MEASURE_COLUMNS)
    if report.late:
        document.add_heading(_("Просрочено по организациям"), level=2)
        table = _table(document, [_("Организация"), _("Отчётов"), _("Меры: период — дней просрочки")], _LATE_COLUMNS)
        for organization, items in report.late:
            _row(table, [f"{organization.code} — {organization.name_ru}", str(len(items)),
                         "; ".join(_late(item.row) for item in items)], _LATE_COLUMNS)
    document.save(stream)


def _late(row) -> str:
    """«7 (2025-Q3) — 45»: the measure, the period and the days it is overdue."""
    return f"{row.obligation.number} ({row.checkpoint.label or row.checkpoint.period}) — {row.days}"


def _summary(document, report: ExecutionReport) -> None:
    summary = report.summary
    document.add_heading(_("Сводка"), level=2)
    table = _table(document, [_("Контрольные точки со сроком до конца квартала"), _("Число")], _SUMMARY_COLUMNS)
    for status in ("done", "submitted", "in_progress", "returned", "not_started", "overdue"):
        _row(table, [status_label(status), str(summary.counts.get(status, 0))], _SUMMARY_COLUMNS)
    document.add_paragraph()
    document.add_paragraph(_("Отчёты, сданные в срок: %(quarter)s — %(rate)s; %(previous)s — %(before)s.",
                             quarter=report.quarter.label, rate=_percent(summary.on_time),
                             previous=report.quarter.previous().label, before=_percent(summary.previous_on_time)))
    if summary.worst:
        document.add_paragraph().add_run(_("Больше всего просроченных отчётов")).bold = True
        table = _table(document, [_("Организация"), _("Просрочено отчётов"), _("Наибольшая просрочка, дней")],
                       _WORST_COLUMNS)
        for organization, count, days in summary.worst:
            _row(table, [f"{organization.code} — {organization.name_ru}", str(count), str(days)], _WORST_COLUMNS)


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


def _landscape_a4(section) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.5)


def _page_numbers(section) -> None:
    """«Страница N из M» in the footer, as Word fields (the reader's program fills them in)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(_("Страница") + " ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" " + _("из") + " ")
    _field(paragraph, "NUMPAGES")


def _field(paragraph, instruction: str) -> None:
    """A field such as PAGE: begin, its instruction, a placeholder result, end."""
    def char(kind: str):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)
    char("separate")
    paragraph.add_run("1")
    char("end")


def _table(document, header: list[str], widths: list[float]):
    """A grid table with a bold header row that repeats on every page, and fixed column widths."""
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    row = table.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(repeat)
    for cell, text, width in zip(row.cells, header, widths, strict=True):
        cell.width = Cm(width)
        cell.paragraphs[0].add_run(text).bold = True
    return table


def _row(table, values: list, widths: list[float]) -> None:
    for cell, value, width in zip(table.add_row().cells, values, widths, strict=True):
        cell.width = Cm(width)
        if callable(value):
            value(cell)
        else:
            cell.text = str(value)
