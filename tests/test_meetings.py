"""The commission's cycle: a meeting planned with a drafted agenda, the agenda kept by hand, and decisions written
back in the transaction that records them, each citing its protocol; refused with nothing written when not allowed."""

from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from tracker.as_of import Moment
from tracker.catalog.loader import load_catalog
from tracker.catalog.sync import sync_catalog
from tracker.insight.overdue import Filters, overdue_page
from tracker.meetings import agenda, decisions
from tracker.meetings.agenda import MeetingError, Planned, StaleMeeting
from tracker.meetings.decisions import Asked
from tracker.models import (
    AgendaItem,
    AuditEvent,
    Checkpoint,
    Commission,
    DeadlineChange,
    Decision,
    Instrument,
    InstrumentVersion,
    Meeting,
    Obligation,
    ObligationOwner,
    Organization,
    Report,
    StatusUpdate,
)
from tracker.people.permissions import access_for
from tracker.reporting import information_requests
from tracker.reporting.storage import LocalStore

from .conftest import NOW, make_user, write_instrument
from .reporting_helpers import post, report_of

KEY = "meetings-roadmap"
YAML = f"""\
instrument:
  key: {KEY}
  kind: roadmap
  title: {{ru: "Дорожная карта для заседаний"}}
  valid_from: 2025-01-01
  valid_to: 2026-12-31
  completeness: complete
sections:
  - number: "1"
    title: {{ru: "Раздел"}}
    obligations:
      - number: "1"
        text: "Ежеквартальная мера"
        deadline: "Ежеквартально"
        owners: ["МТСЗН", "МИО"]
      - number: "2"
        text: "Мера по итогам заседания"
        deadline: "По итогу проведения заседания"
        owners: ["МТСЗН"]
      - number: "3"
        text: "Заслушивание руководителей предприятий"
        deadline: "По итогу проведения заседания"
        heard_at_meetings: true
        owners: ["МТСЗН"]
      - number: "4"
        text: "Разовая мера"
        deadline: "4-й квартал 2025"
        owners: ["МЮ"]
"""
EVIDENCE = {"note": "Сделано", "no_evidence_reason": "ДСП"}


@pytest.fixture
def commission(app, db, roadmaps_dir):
    """The meetings roadmap synced (the republican commission's: it names none) and the people of the cycle."""
    write_instrument(roadmaps_dir, KEY, YAML)
    sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW - timedelta(days=700))
    db.commit()
    rtk = db.exec(select(Commission).where(Commission.key == "rtk")).one()
    people = dict(secretary=make_user(db, "rtk@example.kz", "secretary", commissions=["rtk"]),
                  ministry=make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"]),
                  justice=make_user(db, "mju@example.kz", "focal_point", orgs=["МЮ"]),
                  instrument_secretary=make_user(db, "one@example.kz", "secretary", instruments=[KEY]))
    return rtk, people


def _plan(db, rtk, secretary, number="7", held_on=date(2026, 12, 10)) -> Meeting:
    meeting = agenda.plan(session=db, commission=rtk, planned=Planned(number, held_on, "11:00", "Дом министерств"),
                          actor=secretary, access=access_for(db, secretary), now=NOW)
    db.commit()
    return meeting


def _request(app, db, person, number: str, code: str, asked):
    obligation = db.exec(select(Obligation).where(Obligation.key == f"{KEY}/{number}")).one()
    owner = db.exec(select(Organization).where(Organization.code == code)).one()
    made = information_requests.ask(session=db, app=app, obligation=obligation, organization_id=owner.id,
                                    question=f"Что сделано по мере {number}?", actor=person,
                                    access=access_for(db, person), now=asked)
    db.commit()
    return made


def _record(app, db, meeting, item, secretary, asked: Asked) -> Decision:
    decision = decisions.record(session=db, meeting=meeting, item=item, asked=asked, actor=secretary,
                                access=access_for(db, secretary), store=LocalStore(app.config["EVIDENCE_DIR"]), now=NOW)
    db.commit()
    return decision


def _return_twice(app, db, report_id, ministry, secretary):
    for reason in ("Нет приложения", "Снова нет приложения"):
        post(app, db, report_id, ministry, "submitted", **EVIDENCE)
        post(app, db, report_id, secretary, "returned", reason=reason)


def test_the_draft_holds_every_kind_of_item_nothing_overdue_left_out_and_nothing_done(app, db, commission):
    """Overdue reports by organization (longest first, every one of them counted), a report returned twice (one
    returned twice and then accepted is not), the measure heard at every meeting, the measure waiting for a
    meeting, an earlier decision not executed (and, once executed, not again); МЮ's report, accepted, is gone."""
    rtk, people = commission
    secretary, ministry = people["secretary"], people["ministry"]
    twice = report_of(db, f"{KEY}/1", "2025-Q1", "МТСЗН").id
    _return_twice(app, db, twice, ministry, secretary)
    settled = report_of(db, f"{KEY}/1", "2025-Q2", "МТСЗН").id
    _return_twice(app, db, settled, ministry, secretary)
    post(app, db, settled, ministry, "submitted", **EVIDENCE)
    post(app, db, settled, secretary, "accepted")
    mju = report_of(db, f"{KEY}/4", "2025-Q4", "МЮ").id
    post(app, db, mju, people["justice"], "submitted", **EVIDENCE)
    post(app, db, mju, secretary, "accepted")
    first = _plan(db, rtk, secretary, "6", date(2026, 11, 1))
    noted = agenda.agenda(db, first)[0]
    earlier = _record(app, db, first, noted, secretary, Asked("new", "Представить план по снижению просрочек",
                                                              due_on=date(2026, 12, 1), owner="МТСЗН"))
    late = _request(app, db, secretary, "1", "МТСЗН", asked=NOW - timedelta(days=30))
    answered = _request(app, db, secretary, "2", "МТСЗН", asked=NOW - timedelta(days=30))
    information_requests.answer(session=db, app=app, request=answered, text="Ответ", actor=ministry,
                                access=access_for(db, ministry), now=NOW)
    _request(app, db, secretary, "4", "МЮ", asked=NOW)  # not yet due
    db.commit()

    items = agenda.draft(db, rtk, NOW.date())
    kinds = [item.kind for item in items]
    order = ["overdue", "returned", "heard", "event", "decision", "request"]
    assert set(kinds) == set(order) and kinds == sorted(kinds, key=order.index)
    assert [(i.obligation_id, i.organization_id) for i in items if i.kind == "request"] == [
        (late.obligation_id, late.organization_id)]
    assert not any(KEY in item.title or KEY in (item.details or "") for item in items)  # names, never keys
    found, totals = overdue_page(db, Filters(), Moment.today(NOW.date()), page_size=None,
                                 instrument_ids=[i.id for i in agenda.commission_instruments(db, rtk)])
    overdue = [item for item in items if item.kind == "overdue"]
    assert {item.organization_id for item in overdue} == {row.organization.id for row in found.rows}
    assert sum(int(item.title.rsplit("(", 1)[1].split(",")[0]) for item in overdue) == found.total
    longest = [max(row.days for row in found.rows if row.organization.id == item.organization_id) for item in overdue]
    assert longest == sorted(longest, reverse=True)
    justice = db.get(Report, mju).organization_id
    assert justice not in {item.organization_id for item in overdue}  # МЮ's only report was accepted
    returned = [item for item in items if item.kind == "returned"]
    assert [item.report_id for item in returned] == [twice]
    assert [item.obligation_id for item in items if item.kind == "heard"] == [
        db.exec(select(Obligation.id).where(Obligation.key == f"{KEY}/3")).one()]
    assert [item.obligation_id for item in items if item.kind == "event"] == [
        db.exec(select(Obligation.id).where(Obligation.key == f"{KEY}/2")).one()]
    assert [item.obligation_id for item in items if item.kind == "decision"] == [earlier.decision_obligation_id]
    executed = db.exec(select(Report).where(Report.checkpoint_id == earlier.opened_checkpoint_id)).one()
    post(app, db, executed.id, ministry, "submitted", **EVIDENCE)
    post(app, db, executed.id, secretary, "accepted")
    assert "decision" not in {item.kind for item in agenda.draft(db, rtk, NOW.date())}


def test_each_kind_of_decision_is_written_back_citing_its_protocol_and_audited(app, db, commission):
    """Noted; a deadline moved; an event checkpoint opened; a checkpoint not applicable; one cancelled; a new
    decision with an owner and a deadline — each applied with «Протокол РТК № 7 от 10.12.2025, п. N» as source."""
    rtk, people = commission
    secretary = people["secretary"]
    meeting = _plan(db, rtk, secretary)
    items = {item.kind: item for item in reversed(agenda.agenda(db, meeting))}
    by_kind = lambda kind: next(i for i in agenda.agenda(db, meeting) if i.kind == kind)  # noqa: E731
    overdue = [i for i in agenda.agenda(db, meeting) if i.kind == "overdue"]
    source = lambda item: f"Протокол РТК № 7 от 10.12.2026, п. {item.position}"  # noqa: E731

    _record(app, db, meeting, overdue[0], secretary, Asked("noted", "Принять к сведению"))
    moved_item = overdue[1]
    checkpoint = decisions.candidates(db, moved_item)[0]
    old = checkpoint.due_on
    moved = _record(app, db, meeting, moved_item, secretary,
                    Asked("deadline", "Перенести срок", checkpoint_id=checkpoint.id, due_on=date(2027, 3, 31)))
    change = db.exec(select(DeadlineChange).where(DeadlineChange.checkpoint_id == checkpoint.id)).one()
    assert (change.old_due_on, change.new_due_on, change.source) == (old, date(2027, 3, 31), source(moved_item))
    assert moved.new_due_on == date(2027, 3, 31)

    event = _record(app, db, meeting, by_kind("event"), secretary,
                    Asked("event", "Открыть контрольную точку", due_on=date(2027, 1, 31)))
    opened = db.get(Checkpoint, event.opened_checkpoint_id)
    assert opened.is_event and opened.due_on == date(2027, 1, 31) and opened.label == source(by_kind("event"))

    for kind, item in (("not_applicable", overdue[2]), ("cancelled", overdue[3])):
        target = decisions.candidates(db, item)[0]
        _record(app, db, meeting, item, secretary, Asked(kind, "Не требуется", checkpoint_id=target.id))
        reports = db.exec(select(Report).where(Report.checkpoint_id == target.id)).all()
        assert {r.status for r in reports} == {kind}
        updates = db.exec(select(StatusUpdate).where(StatusUpdate.report_id.in_([r.id for r in reports]),
                                                     StatusUpdate.status == kind)).all()
        assert updates and {u.reason_source for u in updates} == {source(item)}

    new = _record(app, db, meeting, items["heard"], secretary,
                  Asked("new", "Заслушать руководителей предприятий Карагандинской области", due_on=date(2027, 2, 28),
                        owner="МИО"))
    obligation = db.get(Obligation, new.decision_obligation_id)
    instrument = db.get(Instrument, obligation.instrument_id)
    assert (instrument.key, instrument.kind, instrument.commission_id) == ("rtk-decisions", "decisions", rtk.id)
    assert obligation.source_document == source(items["heard"]) and obligation.number == f"7.{items['heard'].position}"
    assert db.exec(select(func.count()).select_from(Report).where(
        Report.checkpoint_id == new.opened_checkpoint_id)).one() == 20  # МИО: each akimat reports
    assert db.get(Meeting, meeting.id).status == "held"
    audited = db.exec(select(AuditEvent).where(AuditEvent.action == "decision.record")).all()
    assert len(audited) == 6 and {a.after["kind"] for a in audited} == {"noted", "deadline", "event",
                                                                        "not_applicable", "cancelled", "new"}


def test_a_refused_decision_writes_nothing(app, db, commission):
    """A focal point and a secretary of a single instrument may not record decisions; a deadline decision without
    a date, or on an item already decided, is refused — and nothing of it is written."""
    rtk, people = commission
    secretary = people["secretary"]
    meeting = _plan(db, rtk, secretary)
    item = next(i for i in agenda.agenda(db, meeting) if i.kind == "overdue")
    checkpoint = decisions.candidates(db, item)[0]
    store = LocalStore(app.config["EVIDENCE_DIR"])
    before = (db.exec(select(func.count()).select_from(DeadlineChange)).one(),
              db.exec(select(func.count()).select_from(AuditEvent)).one())
    move = Asked("deadline", "Перенести", checkpoint.id, date(2027, 1, 1))
    for who, asked in ((people["ministry"], move), (people["instrument_secretary"], move),
                       (secretary, Asked("deadline", "Перенести", checkpoint.id)),
                       (secretary, Asked("new", "Решение без исполнителя", due_on=date(2027, 1, 1)))):
        with pytest.raises(MeetingError):
            decisions.record(session=db, meeting=meeting, item=item, asked=asked, actor=who,
                             access=access_for(db, who), store=store, now=NOW)
        db.rollback()
    assert db.exec(select(func.count()).select_from(Decision)).one() == 0
    assert (db.exec(select(func.count()).select_from(DeadlineChange)).one(),
            db.exec(select(func.count()).select_from(AuditEvent)).one()) == before
    _record(app, db, meeting, item, secretary, Asked("noted", "Принять к сведению"))
    with pytest.raises(MeetingError, match="уже записано"):
        decisions.record(session=db, meeting=meeting, item=item, asked=Asked("noted", "Ещё раз"), actor=secretary,
                         access=access_for(db, secretary), store=store, now=NOW)


def test_the_agenda_is_kept_by_hand_and_a_stale_change_is_refused(app, db, commission, roadmaps_dir):
    """Move an item up, remove one, add one of the secretary's own: numbers follow; a change made from a page seen
    before the last change is refused; the decisions instrument survives the next sync of roadmaps/."""
    rtk, people = commission
    secretary = people["secretary"]
    meeting = _plan(db, rtk, secretary)
    access = access_for(db, secretary)
    second = agenda.agenda(db, meeting)[1]
    agenda.move(session=db, meeting=meeting, item_id=second.id, up=True, seen_version=0, actor=secretary,
                access=access, now=NOW)
    db.commit()
    assert agenda.agenda(db, meeting)[0].id == second.id
    with pytest.raises(StaleMeeting):
        agenda.remove(session=db, meeting=meeting, item_id=second.id, seen_version=0, actor=secretary,
                      access=access, now=NOW)
    db.rollback()
    count = len(agenda.agenda(db, meeting))
    agenda.remove(session=db, meeting=meeting, item_id=second.id, seen_version=1, actor=secretary, access=access,
                  now=NOW)
    added = agenda.add(session=db, meeting=meeting, title="О плане работы на 2027 год", details=None, seen_version=2,
                       actor=secretary, access=access, now=NOW)
    db.commit()
    items = agenda.agenda(db, meeting)
    assert [i.position for i in items] == list(range(1, count + 1)) and items[-1].id == added.id
    assert second.id not in {i.id for i in items}
    with pytest.raises(MeetingError):
        agenda.add(session=db, meeting=meeting, title="Чужой пункт", details=None, seen_version=3,
                   actor=people["ministry"], access=access_for(db, people["ministry"]), now=NOW)
    db.rollback()
    _record(app, db, meeting, items[0], secretary, Asked("new", "Решение", due_on=date(2027, 1, 1), owner="МТСЗН"))
    sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW)
    db.commit()
    assert db.exec(select(Instrument).where(Instrument.key == "rtk-decisions")).one().retired_at is None
    assert db.exec(select(func.count()).select_from(AgendaItem)).one() == len(items)


def test_the_execution_report_lists_the_last_meetings_decisions_and_whether_each_was_executed(app, db, commission):
    """The meeting report's summary names the commission's last meeting held: a noted item (nothing to execute),
    a new decision (not executed until its report is accepted, then executed)."""
    from tracker.insight.execution_report import build
    from tracker.periods import Period

    rtk, people = commission
    secretary, ministry = people["secretary"], people["ministry"]
    meeting = _plan(db, rtk, secretary, "8", date(2026, 11, 10))
    first, second = agenda.agenda(db, meeting)[:2]
    _record(app, db, meeting, first, secretary, Asked("noted", "Принять к сведению"))
    new = _record(app, db, meeting, second, secretary,
                  Asked("new", "Представить план", due_on=date(2026, 12, 1), owner="МТСЗН"))
    instrument = db.exec(select(Instrument).where(Instrument.key == KEY)).one()

    def summary():
        return build(db, instrument, Period.parse("2026-Q4"), Moment.today(NOW.date())).summary

    assert summary().last_meeting.number == "8"
    assert [(d.text, executed) for d, executed in summary().decisions] == [
        ("Принять к сведению", None), ("Представить план", False)]
    report = db.exec(select(Report).where(Report.checkpoint_id == new.opened_checkpoint_id)).one()
    post(app, db, report.id, ministry, "submitted", **EVIDENCE)
    post(app, db, report.id, secretary, "accepted")
    assert [executed for _d, executed in summary().decisions] == [None, True]


def test_a_decision_reaches_only_its_own_commissions_checkpoints(app, db, roadmaps_dir):
    """МТСЗН also owes a report to the regional commission's agreement: the РТК meeting's item on МТСЗН's overdue
    reports offers only the РТК instruments' checkpoints, and the meeting page asks for them in one go."""
    write_instrument(roadmaps_dir, KEY, YAML)
    regional = YAML.replace(f"key: {KEY}", "key: regional-roadmap\n  commission: almaty-region-example")
    write_instrument(roadmaps_dir, "regional-roadmap", regional)
    sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW - timedelta(days=700))
    db.commit()
    rtk = db.exec(select(Commission).where(Commission.key == "rtk")).one()
    secretary = make_user(db, "rtk@example.kz", "secretary", commissions=["rtk"])
    meeting = _plan(db, rtk, secretary)
    mtszn = next(i for i in agenda.agenda(db, meeting) if i.kind == "overdue" and "МТСЗН" in i.title)
    offered = {db.get(Obligation, cp.obligation_id).key.split("/")[0] for cp in decisions.candidates(db, mtszn)}
    assert offered == {KEY}
    every = decisions.candidates_of(db, agenda.agenda(db, meeting))
    assert every[mtszn.id] == decisions.candidates(db, mtszn)


def test_an_owner_reassigned_by_a_decision_is_a_new_version_no_sync_undoes(app, db, commission, roadmaps_dir):
    """«Сменить головного исполнителя» on the item heard at every meeting (measure 3, led by МТСЗН): МЮ leads it
    now, through a new version of the roadmap citing the protocol; the roadmap's file synced again does not undo it;
    an organization that is not in the directory is refused with nothing written."""
    rtk, people = commission
    secretary = people["secretary"]
    meeting = _plan(db, rtk, secretary)
    heard = next(i for i in agenda.agenda(db, meeting) if i.kind == "heard")
    store = LocalStore(app.config["EVIDENCE_DIR"])
    with pytest.raises(MeetingError):
        decisions.record(session=db, meeting=meeting, item=heard, asked=Asked("owner", "Сменить", owner="НЕТ-ТАКОЙ"),
                         actor=secretary, access=access_for(db, secretary), store=store, now=NOW,
                         roadmaps_dir=roadmaps_dir)
    db.rollback()
    decision = decisions.record(session=db, meeting=meeting, item=heard, actor=secretary,
                                asked=Asked("owner", "Поручить заслушивание Минюсту", owner="МЮ"),
                                access=access_for(db, secretary), store=store, now=NOW, roadmaps_dir=roadmaps_dir)
    db.commit()
    measure = db.exec(select(Obligation).where(Obligation.key == f"{KEY}/3")).one()
    lead = db.exec(select(Organization.code).join(ObligationOwner, ObligationOwner.organization_id == Organization.id)
                   .where(ObligationOwner.obligation_id == measure.id, ObligationOwner.is_lead)).one()
    assert lead == "МЮ" and decision.new_owner_id is not None
    latest = db.exec(select(InstrumentVersion).order_by(InstrumentVersion.number.desc())).first()
    assert latest.source == f"Протокол РТК № 7 от 10.12.2026, п. {heard.position}"
    assert 'owners: ["МЮ"]' in latest.text
    sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW)  # the folder's file still says МТСЗН
    db.commit()
    db.refresh(measure)
    assert db.exec(select(Organization.code).join(ObligationOwner, ObligationOwner.organization_id == Organization.id)
                   .where(ObligationOwner.obligation_id == measure.id, ObligationOwner.is_lead)).one() == "МЮ"


def test_owners_replaced_keeps_the_others_and_the_file_as_written():
    """Only the measure's one-line owners list changes: the new lead first, the old lead gone, co-executors kept."""
    text = ('sections:\n  - number: "1"\n    obligations:\n      - number: "1"\n        owners: ["МТСЗН", "РОР"]'
            '  # as in the source\n      - number: "2"\n        owners: ["МТСЗН"]\n')
    assert decisions.owners_replaced(text, "1", "МЮ") == text.replace('["МТСЗН", "РОР"]', '["МЮ", "РОР"]')
    assert decisions.owners_replaced(text, "1", "РОР") == text.replace('["МТСЗН", "РОР"]', '["РОР"]')
    assert decisions.owners_replaced(text, "9", "МЮ") is None
