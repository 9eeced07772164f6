"""Status transitions (every allowed one, every refused one), verification, stale edits, carry-forward, audit."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from tracker.models import AuditEvent, Evidence, Membership, Organization, Report, StatusUpdate
from tracker.people.permissions import access_for
from tracker.reporting import workflow
from tracker.reporting.storage import LocalStore
from tracker.reporting.workflow import MOVES, SECRETARY, ReportingError, StaleReport

from .conftest import NOW, make_user, signed_in
from .reporting_helpers import PDF, post, report_of

STATUSES = ["not_started", "in_progress", "submitted", "returned", "accepted", "not_applicable", "cancelled"]
#: what each kind of move is given so that its requirements are met
COMPLETE = dict(note="Сделано", reason="Причина", reason_source="Протокол РТК от 29.12.2025",
                links=["https://enbek.kz/ru/news/1"])


@pytest.fixture
def cast(db, world):
    """A focal point of МТСЗН, the conflict roadmap's secretary, and МТСЗН's report on measure 3 (2025)."""
    return dict(
        fp=make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"]),
        secretary=make_user(db, "sec@example.kz", "secretary", instruments=["world"]),
        report=report_of(db, "world/1.1", "2025", "МТСЗН"),
    )


def _force_status(db, report, status):
    report.status = status
    db.add(report)
    db.commit()


@pytest.mark.parametrize("move", MOVES, ids=lambda m: f"{m.source}->{m.target}")
def test_every_allowed_move_works_for_its_role_only(app, db, cast, move):
    """Each move of the table succeeds for its role, is refused for the other, and is audited."""
    report = cast["report"]
    _force_status(db, report, move.source)
    actor, other = (cast["secretary"], cast["fp"]) if move.by == SECRETARY else (cast["fp"], cast["secretary"])
    with pytest.raises(ReportingError):
        post(app, db, report.id, other, move.target, **COMPLETE)
    entry = post(app, db, report.id, actor, move.target, **COMPLETE)
    db.refresh(report)
    assert (report.status, report.version, entry.previous_status) == (move.target, 1, move.source)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == f"report.{move.target}")).one()
    assert event.actor_id == actor.id and event.before["status"] == move.source


@pytest.mark.parametrize("source", STATUSES)
def test_moves_outside_the_table_are_refused_for_everyone(app, db, cast, source):
    """No role can make a move the table does not list (e.g. a focal point accepting their own report)."""
    report = cast["report"]
    _force_status(db, report, source)
    allowed = {(m.source, m.target) for m in MOVES}
    for target in STATUSES:
        if (source, target) in allowed:
            continue
        for actor in (cast["fp"], cast["secretary"]):
            with pytest.raises(ReportingError, match="Нельзя перевести"):
                post(app, db, report.id, actor, target, **COMPLETE)
    db.refresh(report)
    assert report.version == 0 and db.exec(select(StatusUpdate)).first() is None


def test_submitting_needs_evidence_or_a_reason(app, db, cast):
    """Submit without evidence is refused; with an explicit reason, or a file, it goes through."""
    report, fp = cast["report"], cast["fp"]
    with pytest.raises(ReportingError, match="подтверждение"):
        post(app, db, report.id, fp, "submitted", note="Готово")
    post(app, db, report.id, fp, "submitted", note="Готово", no_evidence_reason="Документ под грифом ДСП")
    other = report_of(db, "world/1.4", "2025-Q1", "МТСЗН")
    post(app, db, other.id, fp, "submitted", files=[("Приказ №12.pdf", PDF)])
    assert db.exec(select(Evidence).where(Evidence.report_id == other.id)).one().file_name == "Приказ №12.pdf"


@pytest.mark.parametrize("target,missing", [("returned", "reason"), ("not_applicable", "reason_source"),
                                            ("cancelled", "reason")])
def test_secretary_moves_need_reason_and_source(app, db, cast, target, missing):
    """A return needs a reason; not applicable / cancelled need a reason and the act it rests on."""
    report = cast["report"]
    _force_status(db, report, "submitted")
    fields = {k: v for k, v in COMPLETE.items() if k != missing}
    with pytest.raises(ReportingError, match="Укажите"):
        post(app, db, report.id, cast["secretary"], target, **fields)


def test_a_secretary_never_verifies_their_own_organization(app, db, cast):
    """A secretary who is also МТСЗН's focal point reports for МТСЗН but cannot accept МТСЗН's report."""
    both = make_user(db, "both@example.kz", "secretary", instruments=["world"])
    mtszn = db.exec(select(Organization).where(Organization.code == "МТСЗН")).one()
    db.add(Membership(user_id=both.id, organization_id=mtszn.id, role="focal_point"))
    db.commit()
    report = cast["report"]
    post(app, db, report.id, both, "submitted", note="Сделано", links=["https://enbek.kz"])
    with pytest.raises(ReportingError):
        post(app, db, report.id, both, "accepted")
    post(app, db, report.id, cast["secretary"], "accepted")


def test_a_stale_version_is_refused_with_what_changed(app, db, cast):
    """Opened at version 0, saved after someone else's update: refused, and told who changed what."""
    report, fp = cast["report"], cast["fp"]
    colleague = make_user(db, "fp2@example.kz", "alternate", orgs=["МТСЗН"])
    post(app, db, report.id, colleague, "in_progress", note="Собираем данные от регионов")
    with pytest.raises(StaleReport) as caught:
        post(app, db, report.id, fp, "submitted", version=0, note="Мой текст", links=["https://enbek.kz"])
    [(update, author)] = caught.value.updates
    assert author.id == colleague.id and update.note == "Собираем данные от регионов"
    assert "fp2" in str(caught.value)
    db.refresh(report)
    assert (report.status, report.version) == ("in_progress", 1)


def test_concurrent_writers_with_the_same_version_one_wins(app, db, cast):
    """Two sessions load version 0 and both write: the conditional UPDATE lets exactly one through."""
    report_id, fp = cast["report"].id, cast["fp"]
    engine = app.extensions["engine"]
    results = []
    with Session(engine, expire_on_commit=False) as first, Session(engine, expire_on_commit=False) as second:
        contexts = [workflow.load_report(s, report_id) for s in (first, second)]  # both see version 0
        for session, ctx, note in ((first, contexts[0], "первый"), (second, contexts[1], "второй")):
            with app.test_request_context():
                try:
                    workflow.post_update(session=session, store=LocalStore(app.config["EVIDENCE_DIR"]), ctx=ctx,
                                          actor=fp, access=access_for(session, fp), now=NOW,
                                          submission=workflow.Submission("in_progress", 0, note=note))
                    session.commit()
                    results.append("ok")
                except StaleReport:
                    session.rollback()
                    results.append("stale")
    assert results == ["ok", "stale"]
    notes = db.exec(select(StatusUpdate.note).where(StatusUpdate.report_id == report_id)).all()
    assert notes == ["первый"]


def test_returned_then_resubmitted_then_accepted(app, db, cast):
    """The verification loop: submit, return with a reason, answer and resubmit, accept; every step audited."""
    report, fp, sec = cast["report"], cast["fp"], cast["secretary"]
    post(app, db, report.id, fp, "submitted", note="Проведён анализ", files=[("анализ.pdf", PDF)])
    post(app, db, report.id, sec, "returned", reason="Нет данных по регионам")
    post(app, db, report.id, fp, "submitted", note="Добавлены данные по 20 регионам")
    post(app, db, report.id, sec, "accepted")
    db.refresh(report)
    assert (report.status, report.version) == ("accepted", 4)
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.object_type == "report")
                      .order_by(AuditEvent.id)).all()
    assert actions == ["report.submitted", "report.returned", "report.submitted", "report.accepted"]


def test_carry_forward_brings_the_note_and_still_valid_evidence(app, db, cast):
    """Semi-annual measure 2: the 2025-H2 report repeats 2025-H1's note and its standing evidence, not the
    evidence that covered only 2025-H1."""
    fp = cast["fp"]
    first = report_of(db, "world/1.2", "2025-H1", "МТСЗН")
    post(app, db, first.id, fp, "submitted", note="Мониторинг ведётся", files=[("Приказ.pdf", PDF)])
    post(app, db, first.id, fp, "in_progress", note="Дополнение", evidence_period="2025-H1",
         links=["https://enbek.kz/h1"])
    post(app, db, first.id, fp, "submitted", note="Мониторинг ведётся", no_evidence_reason=None)
    post(app, db, first.id, cast["secretary"], "accepted")
    second = report_of(db, "world/1.2", "2025-H2", "МТСЗН")
    with app.test_request_context():
        ctx = workflow.load_report(db, second.id)
        entry = workflow.carry_forward(session=db, store=LocalStore(app.config["EVIDENCE_DIR"]), ctx=ctx, actor=fp,
                                        access=access_for(db, fp), expected_version=0, now=NOW)
        db.commit()
    assert entry.status == "submitted" and entry.note == "Мониторинг ведётся" and "2025-H1" in entry.reason
    carried = db.exec(select(Evidence).where(Evidence.report_id == second.id)).all()
    assert [(e.file_name, e.url) for e in carried] == [("Приказ.pdf", None)]
    assert carried[0].carried_from_id is not None


def test_carry_forward_is_only_for_recurring_measures(app, db, cast):
    """A one-off measure has no "previous period"."""
    fp = cast["fp"]
    with app.test_request_context(), pytest.raises(ReportingError, match="периодических"):
        workflow.carry_forward(session=db, store=LocalStore(app.config["EVIDENCE_DIR"]),
                                ctx=workflow.load_report(db, cast["report"].id), actor=fp,
                                access=access_for(db, fp), expected_version=0, now=NOW)


def test_links_must_be_http(app, db, cast):
    """A javascript: or file: link is refused as evidence."""
    for link in ("javascript:alert(1)", "file:///etc/passwd", "enbek.kz"):
        with pytest.raises(ReportingError, match="http"):
            post(app, db, cast["report"].id, cast["fp"], "in_progress", links=[link])


def test_submitted_at_is_set_on_submission(app, db, cast):
    """The on-time rate reads submitted_at: it is the time of the latest submission."""
    report = cast["report"]
    post(app, db, report.id, cast["fp"], "submitted", note="x", links=["https://a.kz"], now=NOW - timedelta(days=3))
    db.refresh(report)
    assert report.submitted_at == NOW - timedelta(days=3) and report.status == "submitted"


def test_one_update_to_several_reports_is_all_or_none_and_names_the_one_refused(app, db, cast):
    """The bulk update of my work and the secretary's bulk accept share one rule: a report that is gone or changed
    names itself, and nothing of the others is written (the caller rolls back)."""
    fp, report = cast["fp"], cast["report"]
    other = report_of(db, "world/1.4", "2025-Q1", "МТСЗН")
    with app.test_request_context():
        for picked, named in (([(report.id, report.version), (999_999, 0)], "999999"),
                              ([(report.id, report.version), (other.id, other.version + 5)], "world/1.4")):
            with pytest.raises(workflow.ReportingError, match=named):
                workflow.post_to_each(session=db, store=LocalStore(app.config["EVIDENCE_DIR"]), actor=fp,
                                      access=access_for(db, fp), picked=picked, now=NOW,
                                      submission=workflow.Submission(target="in_progress", expected_version=0))
            db.rollback()
    db.expire_all()
    assert db.get(Report, report.id).status == "not_started" and db.get(Report, other.id).status == "not_started"


def test_carry_forward_repeats_only_an_accepted_report(app, db, cast):
    """«No change since last period» copied a note still under review: now only a report the secretary accepted
    is repeated, and the page asks to confirm, saying which period is repeated."""
    fp = cast["fp"]
    first = report_of(db, "world/1.2", "2025-H1", "МТСЗН")
    post(app, db, first.id, fp, "submitted", note="Черновой вывод", no_evidence_reason="ДСП")
    second = report_of(db, "world/1.2", "2025-H2", "МТСЗН")
    with app.test_request_context(), pytest.raises(ReportingError, match="принятого"):
        workflow.carry_forward(session=db, store=LocalStore(app.config["EVIDENCE_DIR"]),
                               ctx=workflow.load_report(db, second.id), actor=fp, access=access_for(db, fp),
                               expected_version=0, now=NOW)
    db.rollback()
    client = signed_in(app, fp)
    assert "Без изменений с прошлого периода" not in client.get(f"/reports/{second.id}").get_data(as_text=True)
    post(app, db, first.id, cast["secretary"], "accepted")
    page = client.get(f"/reports/{second.id}").get_data(as_text=True)
    assert '<details class="carry">' in page and "принятого отчёта за 2025-H1" in page
    assert "Да, отправить без изменений" in page
