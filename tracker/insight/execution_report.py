"""The quarterly execution report for a commission meeting: per section, each measure's status, what was done,
evidence, overdue checkpoints with reasons, deadline changes. Built once, shown as HTML or written as DOCX."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from docx import Document
from docx.shared import Pt
from sqlmodel import Session, select

from tracker.as_of import moment, not_retired
from tracker.catalog.obligations import ObligationView, obligation_views
from tracker.insight.figures import checkpoint_states
from tracker.models import (
    Checkpoint,
    DeadlineChange,
    Evidence,
    Instrument,
    Obligation,
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


def build(session: Session, instrument: Instrument, quarter: Period, today: date,
          as_of: date | None = None) -> list[tuple[Section, list[Measure]]]:
    """The report's content: checkpoints due up to the end of `quarter`, lead executors' updates; six queries.

    With `as_of` (by default the views pass the end of a past quarter), everything as it stood at the end of that
    day: measures that existed, statuses, notes, evidence and deadline changes written by then, nothing later."""
    measures = {v.obligation.id: Measure(v) for v in obligation_views(session=session, today=today,
                                                                      instrument=instrument, as_of=as_of)}
    at = moment(as_of) if as_of else None
    written = (lambda column: column < at) if at else (lambda column: column.is_not(None))
    # the checkpoints due by the quarter's end, as the views judged them (as of the day, if one is asked for)
    checkpoints = {cp.id: cp for m in measures.values() for cp, _s in m.view.checkpoints
                   if cp.due_on <= quarter.ends_on}
    for state in checkpoint_states(session, today, [instrument.id], as_of=as_of):
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


def write_docx(instrument: Instrument, quarter: Period, content, labels: dict, stream: BinaryIO) -> None:
    """The same report as a Word document (labels carry the translated headings and status names)."""
    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(instrument.title_ru, level=1)
    document.add_paragraph(f"{labels['report']} {quarter.label}. {labels['as_of']}.")
    for section, measures in content:
        document.add_heading(f"{section.number}. {section.title_ru}", level=2)
        for measure in measures:
            ob = measure.view.obligation
            status = labels["statuses"].get(measure.view.status, measure.view.status)
            document.add_heading(f"{labels['measure']} {ob.number} — {status}", level=3)
            document.add_paragraph(ob.text)
            if measure.co_total:
                document.add_paragraph(f"{labels['co_executors']}: {measure.co_answered} / {measure.co_total}")
            for period, update in measure.notes:
                document.add_paragraph(f"{period}: {update.note}", style="List Bullet")
            if measure.evidence:
                document.add_paragraph(f"{labels['evidence']}: " + "; ".join(
                    e.file_name or e.url or "" for e in measure.evidence))
            for checkpoint, reason in measure.overdue:
                document.add_paragraph(f"{labels['overdue']}: {checkpoint.label or checkpoint.period} "
                                       f"({checkpoint.due_on:%d.%m.%Y}){' — ' + reason if reason else ''}")
            for change in measure.changes:
                document.add_paragraph(f"{labels['moved']}: {change.old_due_on:%d.%m.%Y} → {change.new_due_on:%d.%m.%Y}"
                                       f" — {change.reason} ({change.source})")
    document.save(stream)
