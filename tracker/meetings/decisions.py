"""Decisions written back: for each agenda item the secretary records what the commission decided, and Mindet
applies it in the same transaction, citing the protocol («Протокол РТК № 5 от 29.12.2025, п. 3») as its source.

A decision is one of: noted; a deadline moved; a checkpoint opened for an event-driven measure; a checkpoint marked
not applicable or cancelled; or a new commission decision, itself tracked as an obligation (owner, deadline,
evidence, reminders) of the commission's own instrument of decisions.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func
from sqlmodel import Session, select

from tracker import audit
from tracker.catalog import apply, versions
from tracker.catalog.lookups import organization_by_code
from tracker.catalog.sync import responsible_reports
from tracker.meetings.agenda import MeetingError, agenda
from tracker.models import (
    KEPT_IN_APP,
    AgendaItem,
    Checkpoint,
    Commission,
    Decision,
    GroupMembership,
    Instrument,
    Meeting,
    Obligation,
    ObligationOwner,
    Organization,
    Report,
    Section,
    User,
    is_live,
)
from tracker.people.permissions import Access
from tracker.reporting import workflow
from tracker.reporting.checkpoints import open_event_checkpoint, reschedule
from tracker.reporting.storage import EvidenceStore
from tracker.reporting.workflow import OPEN

#: the kinds of decision, in the order the form offers them
KINDS = ("noted", "deadline", "event", "not_applicable", "cancelled", "new", "owner")


@dataclass(frozen=True)
class Asked:
    """What the secretary recorded: the kind, the decision's words, and what the kind needs."""

    kind: str
    text: str
    checkpoint_id: int | None = None  #: deadline, not applicable, cancelled: which checkpoint
    due_on: date | None = None  #: deadline: the new date; event: the opened checkpoint's; new: the decision's
    owner: str | None = None  #: new: the organization that executes it; owner: the measure's new lead (a code)


def protocol_source(commission: Commission, meeting: Meeting, item: AgendaItem) -> str:
    """How a change made by this decision cites it: «Протокол РТК № 5 от 29.12.2025, п. 3»."""
    return f"Протокол {commission.short_ru or commission.name_ru} № {meeting.number} от {meeting.held_on:%d.%m.%Y}, " \
           f"п. {item.position}"


def candidates(session: Session, item: AgendaItem) -> list[Checkpoint]:
    """The live checkpoints of its commission's instruments a decision on this item may move, or mark not
    applicable or cancelled."""
    return candidates_of(session, [item])[item.id]


def candidates_of(session: Session, items: list[AgendaItem]) -> dict[int, list[Checkpoint]]:
    """Item id → `candidates`, for items of one meeting in three queries (not one per item): the item's own
    checkpoint, its measure's checkpoints, or the checkpoints of an organization's open reports."""
    if not items:
        return {}
    meeting = session.get(Meeting, items[0].meeting_id)
    ours = select(Instrument.id).where(Instrument.commission_id == meeting.commission_id)
    found: dict[int, list[Checkpoint]] = {item.id: [] for item in items}
    by_checkpoint = {item.checkpoint_id: item.id for item in items if item.checkpoint_id is not None}
    by_measure = defaultdict(list)
    by_organization = defaultdict(list)
    for item in items:
        if item.checkpoint_id is None and item.obligation_id is not None:
            by_measure[item.obligation_id].append(item.id)
        elif item.checkpoint_id is None and item.organization_id is not None:
            by_organization[item.organization_id].append(item.id)
    live = (select(Checkpoint).join(Obligation, Obligation.id == Checkpoint.obligation_id)
            .where(is_live(Checkpoint), Obligation.instrument_id.in_(ours)).order_by(Checkpoint.due_on, Checkpoint.id))
    for checkpoint in session.exec(live.where(Checkpoint.id.in_(list(by_checkpoint)))):
        found[by_checkpoint[checkpoint.id]].append(checkpoint)
    for checkpoint in session.exec(live.where(Checkpoint.obligation_id.in_(list(by_measure)))):
        for item_id in by_measure[checkpoint.obligation_id]:
            found[item_id].append(checkpoint)
    open_reports = (select(Report.organization_id, Checkpoint)
                    .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
                    .join(Obligation, Obligation.id == Checkpoint.obligation_id)
                    .where(Report.organization_id.in_(list(by_organization)), Report.status.in_(OPEN),
                           is_live(Report), is_live(Checkpoint), Obligation.instrument_id.in_(ours))
                    .order_by(Obligation.key, Checkpoint.due_on))
    for organization_id, checkpoint in session.exec(open_reports):
        for item_id in by_organization[organization_id]:
            found[item_id].append(checkpoint)
    return found


def record(*, session: Session, meeting: Meeting, item: AgendaItem, asked: Asked, actor: User, access: Access,
           store: EvidenceStore, now: datetime, ip: str | None = None, roadmaps_dir: Path | None = None) -> Decision:
    """Record the decision on `item` and apply it; audited; the caller commits (or rolls everything back)."""
    commission = session.get(Commission, meeting.commission_id)
    if not access.can_run_commission(commission.id):
        raise MeetingError(_("Решения записывает секретарь комиссии."))
    if item.meeting_id != meeting.id:
        raise MeetingError(_("Такого пункта в повестке нет."))
    if meeting.status == "cancelled":
        raise MeetingError(_("Заседание отменено: решений по нему нет."))
    if session.exec(select(Decision).where(Decision.agenda_item_id == item.id)).first():
        raise MeetingError(_("Решение по этому пункту уже записано."))
    if asked.kind not in KINDS:
        raise MeetingError(_("Выберите, что решила комиссия."))
    text = (asked.text or "").strip()
    if not text:
        raise MeetingError(_("Запишите решение так, как оно будет в протоколе."))
    source = protocol_source(commission, meeting, item)
    decision = Decision(meeting_id=meeting.id, agenda_item_id=item.id, kind=asked.kind, text=text, source=source,
                        obligation_id=item.obligation_id, checkpoint_id=item.checkpoint_id, recorded_by_id=actor.id,
                        created_at=now)
    applies = {"deadline": _move_deadline, "event": _open_checkpoint, "not_applicable": _close_checkpoint,
             "cancelled": _close_checkpoint, "new": _new_decision, "owner": _reassign_owner}.get(asked.kind)
    if applies is not None:
        applies(session, decision, item, asked, commission=commission, meeting=meeting, actor=actor, access=access,
              store=store, now=now, ip=ip, roadmaps_dir=roadmaps_dir)
    session.add(decision)
    meeting.status, meeting.version, meeting.updated_at = "held", meeting.version + 1, now
    session.add(meeting)
    session.flush()
    audit.record(session=session, now=now, action="decision.record", object_type="meeting",
                 object_id=str(meeting.id),
                 after={"item": item.position, "kind": asked.kind, "text": text, "source": source,
                        "checkpoint": decision.checkpoint_id, "new_due_on": decision.new_due_on,
                        "opened_checkpoint": decision.opened_checkpoint_id,
                        "decision_obligation": decision.decision_obligation_id,
                        "new_owner": asked.owner if asked.kind == "owner" else None},
                 by=audit.Actor(user_id=actor.id, ip=ip))
    return decision


def _chosen_checkpoint(session: Session, item: AgendaItem, asked: Asked) -> Checkpoint:
    allowed = {checkpoint.id: checkpoint for checkpoint in candidates(session, item)}
    checkpoint = allowed.get(asked.checkpoint_id or (next(iter(allowed)) if len(allowed) == 1 else -1))
    if checkpoint is None:
        raise MeetingError(_("Выберите контрольную точку, к которой относится решение."))
    return checkpoint


def _instrument_of(session: Session, checkpoint_or_obligation) -> tuple[Obligation, Instrument]:
    obligation = (checkpoint_or_obligation if isinstance(checkpoint_or_obligation, Obligation)
                  else session.get(Obligation, checkpoint_or_obligation.obligation_id))
    return obligation, session.get(Instrument, obligation.instrument_id)


def _move_deadline(session, decision, item, asked, *, actor, access, now, ip, **_context) -> None:
    checkpoint = _chosen_checkpoint(session, item, asked)
    if asked.due_on is None:
        raise MeetingError(_("Укажите новый срок."))
    obligation, instrument = _instrument_of(session, checkpoint)
    reschedule(session=session, checkpoint=checkpoint, instrument=instrument, actor=actor, access=access,
               new_due_on=asked.due_on, reason=decision.text, source=decision.source, now=now, ip=ip)
    decision.checkpoint_id, decision.obligation_id, decision.new_due_on = checkpoint.id, obligation.id, asked.due_on


def _open_checkpoint(session, decision, item, asked, *, actor, access, now, ip, **_context) -> None:
    obligation = session.get(Obligation, item.obligation_id) if item.obligation_id else None
    if obligation is None or obligation.deadline_kind != "event":
        raise MeetingError(_("Контрольная точка по решению открывается только для меры со сроком «по событию»."))
    if asked.due_on is None:
        raise MeetingError(_("Укажите срок открываемой контрольной точки."))
    _obligation, instrument = _instrument_of(session, obligation)
    checkpoint = open_event_checkpoint(session=session, obligation=obligation, instrument=instrument, actor=actor,
                                       access=access, label=decision.source, due_on=asked.due_on,
                                       source=decision.source, now=now, ip=ip)
    decision.opened_checkpoint_id, decision.new_due_on = checkpoint.id, asked.due_on


def _reassign_owner(session, decision, item, asked, *, actor, access, now, ip, roadmaps_dir, **_context) -> None:
    """The measure's lead becomes `asked.owner`: a new version of its instrument with the owners changed, applied
    through the same path as a version from the web and citing the protocol, so that no later sync undoes it."""
    obligation = session.get(Obligation, item.obligation_id) if item.obligation_id else None
    if obligation is None:
        obligation = session.get(Obligation, _chosen_checkpoint(session, item, asked).obligation_id)
    owner = organization_by_code(session, (asked.owner or "").strip())
    if owner is None:
        raise MeetingError(_("Укажите нового исполнителя: код организации из справочника."))
    _obligation, instrument = _instrument_of(session, obligation)
    kept = versions.versions_of(session, instrument)
    text = owners_replaced(kept[0].text, obligation.number, owner.code) if kept and roadmaps_dir else None
    if text is None:
        raise MeetingError(_("Исполнителей этой меры нельзя сменить решением: измените их новой версией документа."))
    try:
        apply.apply(session=session, roadmaps_dir=roadmaps_dir, text=text, source=decision.source, actor=actor,
                    access=access, now=now, ip=ip)
    except apply.ApplyError as exc:
        raise MeetingError(str(exc)) from exc
    decision.obligation_id, decision.new_owner_id = obligation.id, owner.id


#: an obligation's first line and its owners as the roadmaps write them: `- number: "3"` … `owners: [A, B]`
_NUMBER = re.compile(r'^(\s*)- number:\s*"?([^"\s#]+)"?')
_OWNERS = re.compile(r"^(\s*owners:\s*)\[(.*)\](\s*(#.*)?)$")


def owners_replaced(text: str, number: str, lead: str) -> str | None:
    """The YAML with measure `number`'s lead owner replaced by `lead` (who leaves the co-executors if there), the
    other owners kept; None when the measure or a one-line owners list is not found."""
    lines, inside, indent = text.split("\n"), False, None
    for index, line in enumerate(lines):
        if match := _NUMBER.match(line):
            if inside and len(match.group(1)) <= indent:
                return None
            inside, indent = match.group(2) == number, len(match.group(1))
            continue
        owners = _OWNERS.match(line) if inside else None
        if owners:
            listed = [o.strip() for o in owners.group(2).split(",") if o.strip()]
            rest = [o for o in listed[1:] if o.strip('"').split(" (")[0] != lead]
            lines[index] = f'{owners.group(1)}[{", ".join([json.dumps(lead, ensure_ascii=False), *rest])}]' \
                           f"{owners.group(3)}"
            return "\n".join(lines)
    return None


def _close_checkpoint(session, decision, item, asked, *, actor, access, store, now, ip, **_context) -> None:
    """Every open report of the checkpoint becomes not applicable (or cancelled), with the decision as reason."""
    checkpoint = _chosen_checkpoint(session, item, asked)
    picked = [(report.id, report.version) for report in session.exec(
        select(Report).where(Report.checkpoint_id == checkpoint.id, Report.status.in_(OPEN), is_live(Report)))]
    if not picked:
        raise MeetingError(_("У этой контрольной точки нет открытых отчётов."))
    try:
        workflow.post_to_each(session=session, store=store, actor=actor, access=access, picked=picked, now=now,
                              ip=ip, submission=workflow.Submission(target=asked.kind, expected_version=0,
                                                                    reason=decision.text,
                                                                    reason_source=decision.source))
    except workflow.ReportingError as exc:
        raise MeetingError(str(exc)) from exc
    decision.checkpoint_id, decision.obligation_id = checkpoint.id, checkpoint.obligation_id


def _new_decision(session, decision, item, asked, *, commission, meeting, actor, now, ip, **_context) -> None:
    """The decision as an obligation of the commission's instrument of decisions: one checkpoint, due when the
    commission said, with a report for its executor (a group's members each)."""
    owner = session.exec(select(Organization).where(Organization.code == (asked.owner or "").strip(),
                                                    is_live(Organization))).first()
    if owner is None:
        raise MeetingError(_("Выберите организацию, которая исполняет решение."))
    if asked.due_on is None or asked.due_on < meeting.held_on:
        raise MeetingError(_("Укажите срок исполнения решения (не раньше даты заседания)."))
    instrument = decisions_instrument(session, commission, meeting, asked.due_on, now)
    section = _protocol_section(session, instrument, commission, meeting, now)
    number = f"{meeting.number}.{item.position}"
    position = session.exec(select(func.count()).select_from(Obligation)
                            .where(Obligation.instrument_id == instrument.id)).one() + 1
    obligation = Obligation(key=f"{instrument.key}/{number}", instrument_id=instrument.id, section_id=section.id,
                            number=number, position=position, text=decision.text, result=None,
                            deadline_text=f"до {asked.due_on:%d.%m.%Y}", deadline_kind="one_off",
                            starts_on=meeting.held_on, owners_text=owner.code, source_document=decision.source,
                            content_hash="", created_at=now, updated_at=now)
    session.add(obligation)
    session.flush()
    owner_row = ObligationOwner(obligation_id=obligation.id, organization_id=owner.id, position=0, is_lead=True)
    session.add(owner_row)
    checkpoint = Checkpoint(obligation_id=obligation.id, period=f"decision-{number}", starts_on=meeting.held_on,
                            due_on=asked.due_on, original_due_on=asked.due_on, label=decision.source,
                            created_at=now)
    session.add(checkpoint)
    session.flush()
    members = defaultdict(list)
    for membership in session.exec(select(GroupMembership).where(GroupMembership.group_id == owner.id)
                                   .order_by(GroupMembership.position)):
        members[membership.group_id].append(membership.member_id)
    for organization_id, attributes in responsible_reports([owner_row], {owner.id: owner}, members).items():
        session.add(Report(checkpoint_id=checkpoint.id, organization_id=organization_id, updated_at=now, **attributes))
    audit.record(session=session, now=now, action="obligation.create", object_type="obligation",
                 object_id=obligation.key, after={"text": decision.text, "owner": owner.code,
                                                  "due_on": asked.due_on, "source": decision.source},
                 by=audit.Actor(user_id=actor.id, ip=ip))
    decision.decision_obligation_id, decision.opened_checkpoint_id = obligation.id, checkpoint.id
    decision.new_due_on = asked.due_on


def decisions_instrument(session: Session, commission: Commission, meeting: Meeting, due_on: date,
                         now: datetime) -> Instrument:
    """The commission's instrument of decisions, made at its first decision; its validity grows with them."""
    key = f"{commission.key}-decisions"
    instrument = session.exec(select(Instrument).where(Instrument.key == key)).first()
    if instrument is None:
        instrument = Instrument(key=key, kind=KEPT_IN_APP, title_ru=f"Решения: {commission.name_ru}",
                                title_kk=commission.name_kk and f"Шешімдер: {commission.name_kk}",
                                title_en=commission.name_en and f"Decisions: {commission.name_en}",
                                valid_from=meeting.held_on, valid_to=due_on, completeness="complete",
                                language="ru", source="Протоколы заседаний комиссии", file_name="",
                                parties=sorted({code for side in commission.parties.values() for code in side}),
                                commission_id=commission.id, created_at=now, updated_at=now)
        session.add(instrument)
        session.flush()
    instrument.valid_from = min(instrument.valid_from, meeting.held_on)
    instrument.valid_to = max(instrument.valid_to, due_on)
    session.add(instrument)
    return instrument


def _protocol_section(session: Session, instrument: Instrument, commission: Commission, meeting: Meeting,
                      now: datetime) -> Section:
    """The section of the instrument of decisions that holds one meeting's decisions."""
    section = session.exec(select(Section).where(Section.instrument_id == instrument.id,
                                                 Section.number == meeting.number)).first()
    if section is None:
        position = session.exec(select(func.count()).select_from(Section)
                                .where(Section.instrument_id == instrument.id)).one() + 1
        section = Section(instrument_id=instrument.id, number=meeting.number, position=position,
                          title_ru=f"Протокол {commission.short_ru or commission.name_ru} № {meeting.number} "
                                   f"от {meeting.held_on:%d.%m.%Y}")
        session.add(section)
        session.flush()
    return section


def of_meeting(session: Session, meeting: Meeting) -> dict[int, Decision]:
    """Agenda item id → its decision."""
    return {d.agenda_item_id: d for d in session.exec(select(Decision).where(Decision.meeting_id == meeting.id))}


def touching(session: Session, obligation_id: int) -> list[tuple[Decision, Meeting]]:
    """The decisions that touched a measure (its checkpoints' deadlines, opened or closed ones), oldest first."""
    return list(session.exec(
        select(Decision, Meeting).join(Meeting, Meeting.id == Decision.meeting_id)
        .where((Decision.obligation_id == obligation_id) | (Decision.decision_obligation_id == obligation_id))
        .order_by(Meeting.held_on, Decision.id)))


def tracked_keys(session: Session, found: list[Decision]) -> dict[int, str]:
    """Obligation id → key of the obligations these decisions put under control."""
    ids = [decision.decision_obligation_id for decision in found if decision.decision_obligation_id]
    return dict(session.exec(select(Obligation.id, Obligation.key).where(Obligation.id.in_(ids))).all())


def agenda_with_decisions(session: Session, meeting: Meeting) -> list[tuple[AgendaItem, Decision | None]]:
    """Each agenda item with the decision recorded on it, if any."""
    decided = of_meeting(session, meeting)
    return [(item, decided.get(item.id)) for item in agenda(session, meeting)]
