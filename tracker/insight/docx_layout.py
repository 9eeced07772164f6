"""Word page layout shared by the meeting documents: A4 landscape, page-number fields in the footer, tables with
fixed column widths whose header row repeats on every page."""

from __future__ import annotations

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from flask_babel import gettext as _


def landscape_a4(section) -> None:
    """A4 landscape with margins of 1.5 cm: 26.7 cm of width for tables."""
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.5)


def page_numbers(section) -> None:
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


def table(document, header: list[str], widths: list[float]):
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


def row(table, values: list, widths: list[float]) -> None:
    """A row of texts, or of callables that fill their cell."""
    for cell, value, width in zip(table.add_row().cells, values, widths, strict=True):
        cell.width = Cm(width)
        if callable(value):
            value(cell)
        else:
            cell.text = str(value)
