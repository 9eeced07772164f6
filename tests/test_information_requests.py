"""Requests for information on a measure (issue 21, item 5; seed 001): a party's focal point asks an owner from
the measure's page, the owner's focal points are emailed and answer there within ten working days, the asker is
told; both stay on the measure and on the public page of a public instrument; anyone else is refused with
nothing written."""

from datetime import date

from sqlmodel import select

from tracker.catalog.lookups import organization_by_code
from tracker.models import AuditEvent, InformationRequest, OutboxMessage
from tracker.periods import add_working_days
from tracker.timeutil import today_almaty

from .conftest import csrf_token, make_user, signed_in

MEASURE = "/obligations/world/1.1"  # owners МТСЗН (lead), РОП, РОР; the world's parties: МТСЗН, РОП, РОР


def _org(db, code: str) -> int:
    return organization_by_code(db, code).id


def _ask(client, organization_id: int, question: str):
    return client.post(f"{MEASURE}/requests", data={"csrf_token": csrf_token(client, MEASURE),
                                                    "organization": organization_id, "question": question})


def test_ten_working_days_skip_weekends_and_holidays():
    """From a Friday, one working day is the Monday; 16 December (Independence Day) is not a working day."""
    assert add_working_days(date(2026, 12, 11), 1) == date(2026, 12, 14)
    assert add_working_days(date(2026, 12, 15), 1) == date(2026, 12, 17)
    assert add_working_days(date(2026, 11, 20), 10) == date(2026, 12, 4)


def test_a_party_asks_the_owner_answers_and_both_stay_on_the_measure(app, db, world):
    """РОП's focal point asks МТСЗН; МТСЗН's focal point gets an email and answers on the page; the asker gets an
    email; the page, the audit trail and the public page show both with their dates; a second answer is refused."""
    union = make_user(db, "rop@example.kz", "focal_point", orgs=["РОП"])
    ministry = make_user(db, "mtszn@example.kz", "focal_point", orgs=["МТСЗН"])
    asker = signed_in(app, union)
    page = asker.get(MEASURE).get_data(as_text=True)
    assert "Запросить информацию у исполнителя" in page
    mtszn = _org(db, "МТСЗН")
    assert _ask(asker, mtszn, "Сколько проверок проведено в 2025 году?").status_code == 302
    request = db.exec(select(InformationRequest)).one()
    assert request.due_on == add_working_days(today_almaty(request.asked_at), 10)
    assert request.asked_for_id == _org(db, "РОП")
    told = db.exec(select(OutboxMessage).where(OutboxMessage.kind == "information_request")).all()
    assert [m.to_email for m in told] == ["mtszn@example.kz"] and "Сколько проверок" in told[0].body_text
    assert "запрос информации по мере 1.1" in told[0].subject

    owner = signed_in(app, ministry)
    shown = owner.get(MEASURE).get_data(as_text=True)
    assert "Сколько проверок проведено в 2025 году?" in shown and f"/information-requests/{request.id}/answer" in shown
    token = csrf_token(owner, MEASURE)
    assert owner.post(f"/information-requests/{request.id}/answer",
                      data={"csrf_token": token, "answer": "Проведено 412 проверок."}).status_code == 302
    db.refresh(request)
    assert request.answer == "Проведено 412 проверок." and request.answered_at is not None
    answered = db.exec(select(OutboxMessage).where(OutboxMessage.kind == "information_answer")).one()
    assert answered.to_email == "rop@example.kz" and "412 проверок" in answered.body_text
    again = owner.post(f"/information-requests/{request.id}/answer", data={"csrf_token": token, "answer": "Иначе"})
    assert again.status_code == 302 and db.get(InformationRequest, request.id).answer == "Проведено 412 проверок."
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.object_type == "information_request")).all()
    assert sorted(actions) == ["information_request.answer", "information_request.ask"]
    public = app.test_client().get("/public/world").get_data(as_text=True)
    assert "Сколько проверок проведено в 2025 году?" in public and "Проведено 412 проверок." in public
    assert "rop@example.kz" not in public and "mtszn" not in public  # no people on the public page


def test_whoever_may_not_ask_or_answer_is_refused_with_nothing_written(app, db, world):
    """A focal point of an organization that is no party to the instrument cannot ask (404, no form); an owner's
    request cannot go to an organization that owns nothing of the measure; another organization cannot answer."""
    outsider = signed_in(app, make_user(db, "mju@example.kz", "focal_point", orgs=["МЮ"]))
    assert "Запросить информацию у исполнителя" not in outsider.get(MEASURE).get_data(as_text=True)
    token = csrf_token(outsider, MEASURE)
    refused = outsider.post(f"{MEASURE}/requests", data={"csrf_token": token, "question": "?",
                                                        "organization": _org(db, "МТСЗН")})
    assert refused.status_code == 404
    union = signed_in(app, make_user(db, "rop@example.kz", "focal_point", orgs=["РОП"]))
    assert _ask(union, _org(db, "МЮ"), "Вопрос не тому").status_code == 302  # МЮ owns nothing of 1.1
    assert db.exec(select(InformationRequest)).first() is None
    assert _ask(union, _org(db, "МТСЗН"), "Вопрос").status_code == 302
    request = db.exec(select(InformationRequest)).one()
    stranger = signed_in(app, make_user(db, "ror@example.kz", "focal_point", orgs=["РОР"]))
    answer = stranger.post(f"/information-requests/{request.id}/answer",
                           data={"csrf_token": csrf_token(stranger, MEASURE), "answer": "Не наш вопрос"})
    assert answer.status_code == 404 and db.get(InformationRequest, request.id).answer is None


def test_the_time_to_answer_is_a_setting(app, db, world):
    """TRACKER_INFORMATION_REQUEST_DAYS changes the due day of new requests."""
    app.config["INFORMATION_REQUEST_DAYS"] = 3
    union = signed_in(app, make_user(db, "rop@example.kz", "focal_point", orgs=["РОП"]))
    _ask(union, _org(db, "МТСЗН"), "Срочно: сколько?")
    request = db.exec(select(InformationRequest)).one()
    assert request.due_on == add_working_days(today_almaty(request.asked_at), 3)
