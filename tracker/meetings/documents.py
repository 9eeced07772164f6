"""A meeting's papers as Word documents: the agenda sent before it, and the protocol — its decisions item by item,
each with what Mindet applied. A4 landscape, page numbers, header rows repeated (insight.docx_layout)."""

from __future__ import annotations

from typing import BinaryIO

from docx import Document
from docx.shared import Pt
from flask_babel import gettext as _

from tracker.insight import docx_layout as layout
from tracker.languages import format_day
from tracker.models import AgendaItem, Commission, Decision, Meeting

_AGENDA_COLUMNS = [1.2, 14.0, 11.5]  # №, item, details
_PROTOCOL_COLUMNS = [1.2, 9.0, 10.0, 6.5]  # №, item, decision, what was applied


def _document(commission: Commission, meeting: Meeting, heading: str):
    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    layout.landscape_a4(document.sections[0])
    layout.page_numbers(document.sections[0])
    document.add_heading(commission.name_ru, level=1)
    where = " · ".join(part for part in (meeting.place, meeting.link) if part)
    document.add_paragraph(f"{heading} № {meeting.number} — {format_day(meeting.held_on)}, {meeting.starts_at}"
                           + (f" · {where}" if where else ""))
    return document


def write_agenda(commission: Commission, meeting: Meeting, items: list[AgendaItem], stream: BinaryIO) -> None:
    """The agenda: one row per item, in its order."""
    document = _document(commission, meeting, _("Повестка заседания"))
    grid = layout.table(document, [_("№"), _("Вопрос"), _("Подробности")], _AGENDA_COLUMNS)
    for item in items:
        layout.row(grid, [str(item.position), item.title, item.details or ""], _AGENDA_COLUMNS)
    document.save(stream)


def applied(decision: Decision) -> str:
    """What Mindet did with a decision, in words (the protocol's last column)."""
    if decision.kind == "deadline":
        return _("Срок перенесён на %(day)s", day=format_day(decision.new_due_on))
    if decision.kind == "event":
        return _("Открыта контрольная точка со сроком %(day)s", day=format_day(decision.new_due_on))
    if decision.kind == "not_applicable":
        return _("Отчёты отмечены как неприменимые")
    if decision.kind == "cancelled":
        return _("Отчёты отменены")
    if decision.kind == "owner":
        return _("Головной исполнитель меры сменён: применена новая версия документа")
    if decision.kind == "new":
        return _("Поставлено на контроль: срок %(day)s", day=format_day(decision.new_due_on))
    return _("Принято к сведению")


def write_protocol(commission: Commission, meeting: Meeting, rows: list[tuple[AgendaItem, Decision | None]],
                   stream: BinaryIO) -> None:
    """The protocol: each agenda item with the decision recorded on it and what it changed."""
    document = _document(commission, meeting, _("Протокол заседания"))
    grid = layout.table(document, [_("№"), _("Вопрос"), _("Решение"), _("Исполнение в Mindet")], _PROTOCOL_COLUMNS)
    for item, decision in rows:
        layout.row(grid, [str(item.position), item.title, decision.text if decision else _("решение не записано"),
                          applied(decision) if decision else "—"], _PROTOCOL_COLUMNS)
    document.save(stream)
