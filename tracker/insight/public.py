"""The public view's data: instruments marked `public: true`, their accepted progress and published evidence.

One rule decides what is published (`published`): the pages, the download and the observer's access all use it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date

from sqlalchemy import and_, func
from sqlmodel import Session, select

from tracker.as_of import Moment
from tracker.insight.execution_report import LateReport, build
from tracker.models import (
    Checkpoint,
    Evidence,
    InformationRequest,
    Instrument,
    Obligation,
    Organization,
    Report,
    Section,
    SectionClassTally,
    StatusUpdate,
    is_live,
)
from tracker.periods import Period


def shared():
    """The condition for an evidence row to be shown to observers: marked public by its reporters, on an accepted
    report of a live checkpoint of a live obligation of a live instrument (joins: evidence → … → instrument)."""
    return and_(Evidence.is_public, Report.status == "accepted", is_live(Report), is_live(Checkpoint),
                is_live(Obligation), is_live(Instrument))


def published():
    """The condition for an evidence row to be public (anyone, no sign-in): shared, on the lead report, of an
    instrument marked public."""
    return and_(shared(), Report.is_lead, Instrument.is_public)


def _evidence_with_context(*columns):
    return (select(*columns).select_from(Evidence).join(Report, Report.id == Evidence.report_id)
            .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
            .join(Obligation, Obligation.id == Checkpoint.obligation_id)
            .join(Instrument, Instrument.id == Obligation.instrument_id))


def published_file(session: Session, evidence_id: int, *, condition=published) -> Evidence | None:
    """The evidence file with this id if it is published (or meets `condition`, e.g. `shared`), else None."""
    return session.exec(_evidence_with_context(Evidence).where(Evidence.id == evidence_id, Evidence.kind == "file",
                                                               condition())).first()


def accepted_notes(session: Session, report_ids) -> dict[int, StatusUpdate]:
    """What was done, for accepted reports: the reporters' last submission (its note), per report id — never the
    secretary's verdict."""
    ids = list(report_ids)
    if not ids:
        return {}
    latest = (select(func.max(StatusUpdate.id).label("id")).where(StatusUpdate.report_id.in_(ids),
                                                                  StatusUpdate.status == "submitted")
              .group_by(StatusUpdate.report_id).subquery())
    return {u.report_id: u for u in session.exec(select(StatusUpdate).join(latest, latest.c.id == StatusUpdate.id))}


def shared_evidence(session: Session, report_id: int) -> list[Evidence]:
    """The evidence of an accepted report its reporters marked public, for observers."""
    return list(session.exec(_evidence_with_context(Evidence).where(Evidence.report_id == report_id, shared())
                             .order_by(Evidence.id)))


def public_instruments(session: Session) -> list[Instrument]:
    """Live instruments marked public, by key."""
    return list(session.exec(select(Instrument).where(Instrument.is_public, is_live(Instrument))
                             .order_by(Instrument.key)))


def public_instrument(session: Session, key: str) -> Instrument | None:
    """The live public instrument with this key."""
    return session.exec(select(Instrument).where(Instrument.key == key, Instrument.is_public,
                                                 is_live(Instrument))).first()


def accepted_lead_reports(session: Session, instrument: Instrument) -> list[tuple]:
    """(obligation id, checkpoint id, report id, period or label, organization code) of the accepted lead reports on
    live checkpoints of live obligations of an instrument, in due order."""
    return list(session.exec(
        select(Checkpoint.obligation_id, Checkpoint.id, Report.id, func.coalesce(Checkpoint.label, Checkpoint.period),
               Organization.code).select_from(Report)
        .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
        .join(Obligation, Obligation.id == Checkpoint.obligation_id)
        .join(Organization, Organization.id == Report.organization_id)
        .where(Obligation.instrument_id == instrument.id, Report.is_lead, Report.status == "accepted",
               is_live(Report), is_live(Checkpoint), is_live(Obligation))
        .order_by(Checkpoint.due_on, Checkpoint.id, Organization.code)).all())


def published_by_report(session: Session, instrument: Instrument) -> dict[int, list[Evidence]]:
    """Report id → its published evidence, for one instrument."""
    found = defaultdict(list)
    for item in session.exec(_evidence_with_context(Evidence).where(Instrument.id == instrument.id, published())
                             .order_by(Evidence.id)):
        found[item.report_id].append(item)
    return found


def progress(session: Session, instrument: Instrument, accepted=None) -> tuple[int, int]:
    """(checkpoints with an accepted lead report, all live checkpoints) of live obligations of the instrument."""
    accepted = accepted_lead_reports(session, instrument) if accepted is None else accepted
    total = session.exec(select(func.count()).select_from(Checkpoint).join(Obligation).where(
        Obligation.instrument_id == instrument.id, is_live(Obligation), is_live(Checkpoint))).one()
    return len({cp for _ob, cp, *_rest in accepted}), total


def progress_of_all(session: Session, instruments: list[Instrument]) -> dict[int, tuple[int, int]]:
    """`progress` of every instrument given, in one grouped query whatever their number (the public index), read
    from the kept tally per section and lead class: twenty rows per instrument, not every checkpoint and accepted
    report."""
    ids = [instrument.id for instrument in instruments]
    kept = {instrument_id: (accepted, total) for instrument_id, accepted, total in session.exec(
        select(Section.instrument_id, func.sum(SectionClassTally.accepted), func.sum(SectionClassTally.checkpoints))
        .join(Section, Section.id == SectionClassTally.section_id)
        .where(Section.instrument_id.in_(ids)).group_by(Section.instrument_id))}
    return {i: kept.get(i, (0, 0)) for i in ids}


def instrument_page(session: Session, instrument: Instrument) -> dict:
    """What the public page of an instrument shows: measures, checkpoints, accepted ones, published evidence."""
    obligations = session.exec(select(Obligation, Section).join(Section, Section.id == Obligation.section_id)
                               .where(Obligation.instrument_id == instrument.id, is_live(Obligation))
                               .order_by(Section.position, Obligation.position)).all()
    checkpoints = defaultdict(list)
    for cp in session.exec(select(Checkpoint).join(Obligation).where(Obligation.instrument_id == instrument.id,
                                                                     is_live(Checkpoint))
                           .order_by(Checkpoint.due_on)):
        checkpoints[cp.obligation_id].append(cp)
    accepted = accepted_lead_reports(session, instrument)
    evidence = defaultdict(list)
    for item, obligation_id in session.exec(_evidence_with_context(Evidence, Obligation.id)
                                            .where(Instrument.id == instrument.id, published())
                                            .order_by(Evidence.id)):
        evidence[obligation_id].append(item)
    notes = accepted_notes(session, (report for _o, _cp, report, *_rest in accepted))
    requests = defaultdict(list)  # requests for information and their answers are public with the instrument
    for request, code in session.exec(
            select(InformationRequest, Organization.code)
            .join(Organization, Organization.id == InformationRequest.organization_id)
            .join(Obligation, Obligation.id == InformationRequest.obligation_id)
            .where(Obligation.instrument_id == instrument.id)
            .order_by(InformationRequest.asked_at, InformationRequest.id)):
        requests[request.obligation_id].append((request, code))
    # `leads` and `report_notes` per report (a group lead fans out: several lead reports to a checkpoint)
    return {"obligations": obligations, "requests": requests, "checkpoints": checkpoints, "leads": accepted,
            "report_notes": notes,
            "accepted": {cp for _o, cp, *_rest in accepted},
            "notes": {cp: notes[report] for _o, cp, report, *_rest in accepted if report in notes},
            "evidence": evidence, "progress": progress(session, instrument, accepted)}


def annual_report(session: Session, instrument: Instrument, year: int, today: date):
    """The execution report of a public instrument for a year, as published (seed 001: «такие отчеты должны
    опубликовываться на интернет-ресурсах»): as it stood at the year's end (or today, for the year under way), with
    what the public view shows only — notes of accepted lead reports, published evidence, no reasons of overdue
    reports."""
    end = date(year, 12, 31)
    when = Moment.end_of(end) if end < today else Moment.today(today)
    report = build(session, instrument, Period.parse(f"{year}-Q4"), when)
    accepted = set(session.exec(select(Report.id).where(Report.status == "accepted", Report.is_lead,
                                                        is_live(Report))))
    shown = set(session.exec(_evidence_with_context(Evidence.id).where(Instrument.id == instrument.id,
                                                                       published())))
    for _section, measures in report.sections:
        for measure in measures:
            measure.notes = [(code, update) for code, update in measure.notes if update.report_id in accepted]
            measure.more_notes = 0
            measure.evidence = [item for item in measure.evidence if item.id in shown]
    late = [(organization, [LateReport(item.row, None) for item in items]) for organization, items in report.late]
    return replace(report, late=late)
