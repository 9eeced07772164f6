"""The quarterly execution report for a commission meeting: per section, each measure's status, what was done,
evidence, overdue checkpoints with reasons, deadline changes. Built once, shown as HTML or written as DOCX."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import BinaryIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt
from sqlmodel import Session, select

from tracker.as_of import Moment, not_retired
from tracker.catalog.obligations import ObligationView, obligation_views
from tracker.insight.docx_text import add_markdown
from tracker.insight.figures import checkpoint_states
from tracker.insight.overdue import Filters as OverdueFilters
from tracker.insight.overdue import OverdueRow, overdue_page
from tracker.models import (
    Checkpoint,
    DeadlineChange,
    Evidence,
    Instrument,
    Obligation,
    Organization,
    Report,
    Section,
    StatusUpdate,
    is_live,
)
from tracker.periods import Period


@dataclass
class Measure:
    """One obligation as the meeting report shows it."""

    view: ObligationView
    notes: list[tuple[str, StatusUpdate]] = field(default_factory=list)  # (period, latest update with a note)
    evidence: list[Evidence] = field(default_factory=list)
    overdue: list[tuple[Checkpoint, str]] = field(default_factory=list)  # (checkpoint, reason)
    changes: list[DeadlineChange] = field(default_factory=list)
    co_answered: int = 0  #: co-executors' reports answered on the checkpoints due by the quarter's end
    co_total: int = 0


def build(session: Session, instrument: Instrument, quarter: Period,
          when: Moment) -> list[tuple[Section, list[Measure]]]:
    """The report's content: checkpoints due up to the end of `quarter`, lead executors' updates; six queries.

    At a past day's end (by default the views pass the end of a past quarter), everything as it stood then:
    measures that existed, statuses, notes, evidence and deadline changes written by then, nothing later."""
    measures = {v.obligation.id: Measure(v) for v in obligation_views(session=session, when=when,
                                                                      instrument=instrument)}
    at = when.at
    written = (lambda column: column < at) if at else (lambda column: column.is_not(None))
    # the checkpoints due by the quarter's end, as the views judged them (as of the day, if one is asked for)
    checkpoints = {cp.id: cp for m in measures.values() for cp, _s in m.view.checkpoints
                   if cp.due_on <= quarter.ends_on}
    for state in checkpoint_states(session, when, [instrument.id]):
        if state.checkpoint_id in checkpoints:
            measure = measures[checkpoints[state.checkpoint_id].obligation_id]
            measure.co_answered += state.co_answered
            measure.co_total += state.co_total
    latest = _latest_lead_updates(session, checkpoints, at, written)
    for checkpoint, update in latest.values():
        if update.note:
            measures[checkpoint.obligation_id].notes.append((checkpoint.label or checkpoint.period, update))
    for item in session.exec(select(Evidence).where(Evidence.report_id.in_(list(latest)),
                                                    written(Evidence.created_at)).order_by(Evidence.id)):
        measures[latest[item.report_id][0].obligation_id].evidence.append(item)
    _add_changes(session, instrument, measures, written)
    returned = {cp.id: update.reason for cp, update in latest.values() if update.status == "returned"}
    for measure in measures.values():
        for checkpoint, status in measure.view.checkpoints:
            if status == "overdue" and checkpoint.due_on <= quarter.ends_on:
                measure.overdue.append((checkpoint, returned.get(checkpoint.id) or ""))
    by_section = defaultdict(list)
    for measure in measures.values():
        by_section[measure.view.section.id].append(measure)
    sections = session.exec(select(Section).where(Section.instrument_id == instrument.id, is_live(Section))
                            .order_by(Section.position)).all()
    return [(s, by_section[s.id]) for s in sections if by_section[s.id]]


def _latest_lead_updates(session: Session, checkpoints: dict, at,
                         written) -> dict[int, tuple[Checkpoint, StatusUpdate]]:
    """Report id → (its checkpoint, its latest update with a note or a reason, written by `at`): lead reports only;
    reports with no such update are present too (with their latest update), so that their evidence is found."""
    latest = {}
    for update, report in session.exec(
            select(StatusUpdate, Report).join(Report, Report.id == StatusUpdate.report_id)
            .where(Report.checkpoint_id.in_(list(checkpoints)), Report.is_lead,
                   is_live(Report) if at is None else not_retired(Report, at), written(StatusUpdate.created_at))
            .order_by(StatusUpdate.report_version)):
        if report.id not in latest or update.note or update.reason:
            latest[report.id] = (checkpoints[report.checkpoint_id], update)
    return latest


def _add_changes(session: Session, instrument: Instrument, measures: dict, written) -> None:
    """Each measure's deadline changes written by then, oldest first."""
    for change, checkpoint in session.exec(
            select(DeadlineChange, Checkpoint).join(Checkpoint, Checkpoint.id == DeadlineChange.checkpoint_id)
            .join(Obligation, Obligation.id == Checkpoint.obligation_id)
            .where(Obligation.instrument_id == instrument.id, written(DeadlineChange.created_at))
            .order_by(DeadlineChange.created_at)):
        if checkpoint.obligation_id in measures:
            measures[checkpoint.obligation_id].changes.append(change)


@dataclass(frozen=True)
class LateReport:
    """An overdue report of the instrument, for the per-organization list: how late, and the reason given."""

    row: OverdueRow
    reason: str | None


def overdue_by_organization(session: Session, instrument: Instrument,
                            when: Moment) -> list[tuple[Organization, list[LateReport]]]:
    """Every overdue report of the instrument, grouped by organization (most overdue reports first), each with its
    days and the latest reason or note its people or the secretary wrote (by then, at a past day's end)."""
    found, _totals = overdue_page(session, OverdueFilters(instrument=instrument.key), when, page_size=None)
    reasons = _latest_reasons(session, [row.report.id for row in found.rows], when.at)
    grouped: dict[int, list[LateReport]] = defaultdict(list)
    organizations = {}
    for row in found.rows:
        grouped[row.organization.id].append(LateReport(row, reasons.get(row.report.id)))
        organizations[row.organization.id] = row.organization
    order = sorted(grouped, key=lambda org_id: (-len(grouped[org_id]), organizations[org_id].code))
    return [(organizations[org_id], sorted(grouped[org_id], key=lambda late: -late.row.days)) for org_id in order]


def _latest_reasons(session: Session, report_ids: list[int], at) -> dict[int, str]:
    reasons = {}
    if not report_ids:
        return reasons
    query = select(StatusUpdate).where(StatusUpdate.report_id.in_(report_ids),
                                       (StatusUpdate.reason.is_not(None)) | (StatusUpdate.note.is_not(None)))
    if at is not None:
        query = query.where(StatusUpdate.created_at < at)
    for update in session.exec(query.order_by(StatusUpdate.id)):
        reasons[update.report_id] = update.reason or update.note
    return reasons


def _table(document, header: list[str], widths: list[float]):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text, width in zip(table.rows[0].cells, header, widths, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
        cell.width = Cm(width)
    return table


def _row(table, values: list, widths: list[float]):
    cells = table.add_row().cells
    for cell, value, width in zip(cells, values, widths, strict=True):
        cell.width = Cm(width)
        if callable(value):
            value(cell)
        else:
            cell.text = str(value)
    return cells


_MEASURE_WIDTHS = [1.2, 7.5, 2.6, 2.4, 8.0]
_LATE_WIDTHS = [2.5, 8.5, 2.2, 2.4, 1.4, 4.7]


def write_docx(instrument: Instrument, quarter: Period, content, late, labels: dict, stream: BinaryIO) -> None:
    """The same report as a Word document: per section a table of its measures (number, text, status,
    co-executors, what was done with Markdown rendered), then the overdue reports of each organization with their
    days and reasons (labels carry the translated headings and status names)."""
    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    landscape = document.sections[0]
    landscape.orientation = WD_ORIENT.LANDSCAPE
    landscape.page_width, landscape.page_height = landscape.page_height, landscape.page_width
    landscape.left_margin = landscape.right_margin = Cm(1.5)
    document.add_heading(instrument.title_ru, level=1)
    document.add_paragraph(f"{labels['report']} {quarter.label}. {labels['as_of']}.")
    for section, measures in content:
        document.add_heading(f"{section.number}. {section.title_ru}", level=2)
        table = _table(document, labels["measure_columns"], _MEASURE_WIDTHS)
        for measure in measures:
            _row(table, [measure.view.obligation.number, measure.view.obligation.text,
                         labels["statuses"].get(measure.view.status, measure.view.status),
                         f"{measure.co_answered} / {measure.co_total}" if measure.co_total else "—",
                         lambda cell, m=measure: _what_was_done(cell, m, labels)], _MEASURE_WIDTHS)
        for measure in measures:
            for checkpoint, reason in measure.overdue:
                document.add_paragraph(f"{labels['measure']} {measure.view.obligation.number}. {labels['overdue']}: "
                                       f"{checkpoint.label or checkpoint.period} ({checkpoint.due_on:%d.%m.%Y})"
                                       f"{' — ' + reason if reason else ''}", style="List Bullet")
            for change in measure.changes:
                document.add_paragraph(f"{labels['measure']} {measure.view.obligation.number}. {labels['moved']}: "
                                       f"{change.old_due_on:%d.%m.%Y} → {change.new_due_on:%d.%m.%Y} — "
                                       f"{change.reason} ({change.source})", style="List Bullet")
    if late:
        document.add_heading(labels["late_title"], level=2)
        for organization, items in late:
            document.add_heading(f"{organization.code} — {organization.name_ru}: {len(items)}", level=3)
            table = _table(document, labels["late_columns"], _LATE_WIDTHS)
            for item in items:
                row = item.row
                _row(table, [row.obligation.key.split("/")[-1], row.obligation.text[:300],
                             row.checkpoint.label or row.checkpoint.period, f"{row.due_on:%d.%m.%Y}", row.days,
                             lambda cell, reason=item.reason: add_markdown(cell, reason)], _LATE_WIDTHS)
    document.save(stream)


def _what_was_done(cell, measure: Measure, labels: dict) -> None:
    for period, update in measure.notes:
        cell.add_paragraph().add_run(f"{period}:").bold = True
        add_markdown(cell, update.note, update.note_html)
    if measure.evidence:
        cell.add_paragraph(f"{labels['evidence']}: " + "; ".join(e.file_name or e.url or "" for e in measure.evidence))
