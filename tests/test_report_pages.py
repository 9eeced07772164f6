"""The reporting journey through the pages: report, return, resubmit, accept; stale edits; bulk; secretaries' tools."""

import io
import re
from datetime import date

import pytest
from sqlmodel import select

from tracker.models import AuditEvent, Checkpoint, DeadlineChange, Obligation, Organization, Report
from tracker.timeutil import today_almaty
from tracker.web.views import reports as reports_view

from .conftest import csrf_token, make_user, redirect_target, signed_in
from .reporting_helpers import PDF, report_of


@pytest.fixture
def people(db, world):
    return dict(fp=make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"]),
                colleague=make_user(db, "alt@example.kz", "alternate", orgs=["МТСЗН"]),
                secretary=make_user(db, "sec@example.kz", "secretary", instruments=["world"]))



def _version(client, report_id):
    page = client.get(f"/reports/{report_id}").get_data(as_text=True)
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def _post(client, report_id, status, version=None, files=(), **fields):
    data = {"csrf_token": csrf_token(client, f"/reports/{report_id}"), "status": status,
            "version": version if version is not None else _version(client, report_id), **fields,
            "files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(f"/reports/{report_id}", data=data, content_type="multipart/form-data")


def test_report_return_resubmit_accept(app, db, people):
    """Focal point submits with a file; the secretary returns it; the focal point sees why, answers; accepted."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    fp, sec = signed_in(app, people["fp"]), signed_in(app, people["secretary"])
    assert redirect_target(_post(fp, report.id, "submitted", note="Модель скоринга обновлена",
                 files=[("Справка.pdf", PDF)])) == f"/reports/{report.id}"
    checkpoint_page = sec.get(f"/checkpoints/{report.checkpoint_id}").get_data(as_text=True)
    assert "на проверке" in checkpoint_page and "1 из 3" in checkpoint_page  # МТСЗН lead, РОП and РОР co-executors
    # a verdict leads to the next report waiting for one: none here, so back to the (empty) queue
    assert redirect_target(_post(sec, report.id, "returned", reason="Приложите протокол")) == "/review"
    page = fp.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "возвращено" in page and "Приложите протокол" in page
    assert redirect_target(_post(fp, report.id, "submitted", note="Протокол приложен",
                                 files=[("Протокол.pdf", PDF + b"%2")]
                 )) == f"/reports/{report.id}"
    assert redirect_target(_post(sec, report.id, "accepted")) == "/review"
    db.refresh(report)
    assert (report.status, report.version) == ("accepted", 4)
    page = sec.get(f"/reports/{report.id}").get_data(as_text=True)
    # newest first: accepted, then the resubmission, the return, the first submission
    assert page.index("Протокол приложен") < page.index("Приложите протокол") < page.index("Модель скоринга")
    obligation_page = sec.get("/obligations/world/1.1").get_data(as_text=True)
    assert "исполнено" in obligation_page


def test_a_focal_point_cannot_accept_through_a_forged_form(app, db, people):
    """Posting status=accepted as the focal point is refused and changes nothing."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    fp = signed_in(app, people["fp"])
    _post(fp, report.id, "submitted", note="x", no_evidence_reason="ДСП")
    response = _post(fp, report.id, "accepted")
    assert response.status_code == 400
    db.refresh(report)
    assert report.status == "submitted"


def test_second_editor_sees_what_changed_and_keeps_their_text(app, db, people):
    """Both open version 0; the colleague saves first; the focal point's save is refused with the change shown
    and their text kept; resubmitting then works."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    fp, colleague = signed_in(app, people["fp"]), signed_in(app, people["colleague"])
    seen = _version(fp, report.id)
    written = _post(colleague, report.id, "in_progress", note="Черновик коллеги")
    assert redirect_target(written) == f"/reports/{report.id}"
    response = _post(fp, report.id, "in_progress", version=seen, note="Мой подробный отчёт")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "alt" in page and "Черновик коллеги" in page and "Мой подробный отчёт" in page
    assert re.search(r'name="version" type="hidden" value="1"', page)
    written = _post(fp, report.id, "in_progress", version="1", note="Мой подробный отчёт")
    assert redirect_target(written) == f"/reports/{report.id}"
    db.refresh(report)
    assert report.version == 2


def test_two_people_submitting_the_same_report_at_once(app, db, people):
    """Both open the not-started report and submit: the second is not told "invalid choice" (the report is no longer
    not started) but gets the 409 "changed by" panel with the other's update and their own text back."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    fp, colleague = signed_in(app, people["fp"]), signed_in(app, people["colleague"])
    seen = _version(fp, report.id)
    written = _post(colleague, report.id, "submitted", note="Отчёт коллеги", no_evidence_reason="ДСП")
    assert redirect_target(written) == f"/reports/{report.id}"
    response = _post(fp, report.id, "submitted", version=seen, note="Мой отчёт", no_evidence_reason="ДСП")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Неверный вариант" not in page
    assert "Отчёт коллеги" in page and "Мой отчёт" in page


def test_bulk_update_is_all_or_nothing(app, db, people):
    """Two reports moved in one action; with one of them stale, neither is changed."""
    fp = signed_in(app, people["fp"])
    a = report_of(db, "world/1.1", "2025", "МТСЗН")
    b = report_of(db, "world/1.4", "2025-Q1", "МТСЗН")
    page = fp.get("/reports").get_data(as_text=True)
    assert f'value="{a.id}:0"' in page and f'value="{b.id}:0"' in page
    token = csrf_token(fp, "/reports")
    response = fp.post("/reports/bulk", data={"csrf_token": token, "reports": [f"{a.id}:0", f"{b.id}:0"],
                                              "status": "in_progress", "note": "Работа начата"})
    assert redirect_target(response) == "/reports"
    db.refresh(a), db.refresh(b)
    assert (a.status, b.status) == ("in_progress", "in_progress")
    response = fp.post("/reports/bulk", data={"csrf_token": token, "reports": [f"{a.id}:1", f"{b.id}:0"],
                                              "status": "submitted", "no_evidence_reason": "ДСП"},
                       follow_redirects=True)
    assert "обновите страницу" in response.get_data(as_text=True)  # b's version 0 is stale: refused as a whole
    db.refresh(a), db.refresh(b)
    assert (a.status, b.status) == ("in_progress", "in_progress")


def _owed_overdue(db) -> list[int]:
    """МТСЗН's overdue reports still waiting for it (returned ones are a group of their own), due date first."""
    rows = db.exec(select(Report.id, Checkpoint.due_on, Obligation.key)
                   .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
                   .join(Obligation, Obligation.id == Checkpoint.obligation_id)
                   .join(Organization, Organization.id == Report.organization_id)
                   .where(Organization.code == "МТСЗН", Report.status.in_(("not_started", "in_progress")),
                          Report.retired_at.is_(None), Checkpoint.due_on < today_almaty())).all()
    return [report_id for report_id, *_ in sorted(rows, key=lambda row: (row[1], row[2], row[0]))]


def test_my_work_counts_whole_groups_and_lists_them_page_by_page(app, db, people, monkeypatch):
    """"My work" counts each group whole though it lists only its first rows; "and N more" leads to the whole group,
    page by page in due order; a report on a later page can be updated with the others."""
    monkeypatch.setattr(reports_view, "MY_WORK_SHOWN", 1)
    monkeypatch.setattr(reports_view, "MY_WORK_PAGE", 2)
    fp = signed_in(app, people["fp"])
    owed = _owed_overdue(db)
    assert len(owed) >= 3  # МТСЗН owes the world roadmap several overdue reports
    page = fp.get("/reports").get_data(as_text=True)
    assert re.search(r'show=overdue">[^<]*</a> <strong[^>]*>(\d+)</strong>', page).group(1) == str(len(owed))
    overdue = page.split('id="overdue"')[1].split("</table>")[0]
    assert re.findall(r'name="reports" value="(\d+):', overdue) == [str(owed[0])]
    assert f"и ещё {len(owed) - 1} — весь список" in page
    listed = []
    for number in range(1, (len(owed) + 1) // 2 + 1):
        shown = fp.get(f"/reports?show=overdue&page={number}").get_data(as_text=True)
        listed += [int(found) for found in re.findall(r'name="reports" value="(\d+):', shown)]
    assert listed == owed  # every overdue report once, in due order
    last = db.get(Report, owed[-1])
    response = fp.post("/reports/bulk", data={"csrf_token": csrf_token(fp, "/reports"), "status": "in_progress",
                                              "reports": [f"{last.id}:{last.version}"], "note": "Начали"})
    assert redirect_target(response) == "/reports"
    db.refresh(last)
    assert last.status == "in_progress"


def test_bulk_update_refuses_another_organizations_report(app, db, people):
    """A forged bulk form naming a report МТСЗН does not owe changes nothing."""
    fp = signed_in(app, people["fp"])
    theirs = db.exec(select(Report).join(Organization, Organization.id == Report.organization_id)
                     .where(Organization.code != "МТСЗН", Report.status == "not_started")).first()
    mine = report_of(db, "world/1.1", "2025", "МТСЗН")
    response = fp.post("/reports/bulk", data={"csrf_token": csrf_token(fp, "/reports"), "status": "in_progress",
                                              "reports": [f"{mine.id}:{mine.version}",
                                                          f"{theirs.id}:{theirs.version}"]},
                       follow_redirects=True)
    assert "обновите страницу" in response.get_data(as_text=True)
    db.refresh(mine), db.refresh(theirs)
    assert (mine.status, theirs.status) == ("not_started", "not_started")


def test_secretary_reschedules_with_reason_and_source(app, db, people):
    """The new date shows beside the struck original, with slippage; only the secretary can do it; audited."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    url = f"/checkpoints/{report.checkpoint_id}"
    fp, sec = signed_in(app, people["fp"]), signed_in(app, people["secretary"])
    form = {"due_on": "2026-03-31", "reason": "Перенос по просьбе МТСЗН", "source": "Протокол РТК от 29.12.2025"}
    assert fp.post(f"{url}/reschedule", data={"csrf_token": csrf_token(fp, "/reports"), **form}).status_code == 404
    assert redirect_target(sec.post(f"{url}/reschedule", data={"csrf_token": csrf_token(sec, url), **form})) == url
    checkpoint = db.get(Checkpoint, report.checkpoint_id)
    db.refresh(checkpoint)
    assert (checkpoint.original_due_on, checkpoint.due_on) == (date(2025, 12, 31), date(2026, 3, 31))
    page = sec.get(url).get_data(as_text=True)
    assert "<s>31.12.2025</s>" in page and "сдвиг 90" in page and "Протокол РТК от 29.12.2025" in page
    change = db.exec(select(DeadlineChange)).one()
    assert change.changed_by_id == people["secretary"].id
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "checkpoint.reschedule")).one().after[
        "slippage_days"] == 90
    missing = {"due_on": "2026-06-30", "reason": "", "source": ""}
    sec.post(f"{url}/reschedule", data={"csrf_token": csrf_token(sec, url), **missing})
    assert len(db.exec(select(DeadlineChange)).all()) == 1


def test_secretary_opens_an_event_checkpoint(app, db, people):
    """Measure 5 (on request): no checkpoint until the secretary opens one; then МТСЗН has a report to write."""
    url = "/obligations/world/1.3"
    sec = signed_in(app, people["secretary"])
    assert "Открыть контрольную точку по событию" in sec.get(url).get_data(as_text=True)
    response = sec.post(f"{url}/events", data={"csrf_token": csrf_token(sec, url), "due_on": "2026-12-15",
                                               "label": "Запрос ФПРК от 20.11.2026", "source": "Письмо №1-2/345"})
    assert (redirect_target(response) or "").startswith("/checkpoints/")
    checkpoint = db.exec(select(Checkpoint).join(Obligation).where(
        Obligation.key == "world/1.3")).one()
    assert checkpoint.is_event and checkpoint.label == "Запрос ФПРК от 20.11.2026"
    reports = db.exec(select(Report).where(Report.checkpoint_id == checkpoint.id)).all()
    assert len(reports) == 1 and reports[0].is_lead
    fp = signed_in(app, people["fp"])
    assert "Запрос ФПРК от 20.11.2026" in fp.get("/reports").get_data(as_text=True)
    one_off = "/obligations/world/1.1"
    sec.post(f"{one_off}/events", data={"csrf_token": csrf_token(sec, one_off), "due_on": "2026-12-15",
                                        "label": "x", "source": "y"})
    assert db.exec(select(Checkpoint).where(Checkpoint.is_event)).all() == [checkpoint]


def test_group_owners_are_counted_per_member(app, db, people):
    """Measure 2 is owned by МИО: the checkpoint counts the 20 akimats ("МИО: 1 из 20") as they report."""
    almaty = make_user(db, "almaty@example.kz", "focal_point", orgs=["АКИМАТ-АЛМАТЫ"])
    report = report_of(db, "world/1.2", "2025-H1", "АКИМАТ-АЛМАТЫ")
    client = signed_in(app, almaty)
    assert redirect_target(_post(client, report.id, "submitted", note="Мониторинг проведён", no_evidence_reason="ДСП"
                 )) == f"/reports/{report.id}"
    page = signed_in(app, people["secretary"]).get(f"/checkpoints/{report.checkpoint_id}").get_data(as_text=True)
    assert "МИО: 1 из 20 отчитались" in page


def test_answering_a_return_starts_from_everything_the_first_submission_carried(app, db, people):
    """After a return the form was pre-filled with the note only, set to «в работе»: the links and the «may be
    published» mark were silently dropped. Now it starts from the note, the links and the mark, set to go back for
    review."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    fp, sec = signed_in(app, people["fp"]), signed_in(app, people["secretary"])
    _post(fp, report.id, "submitted", note="Модель обновлена", public="y",
          links="https://enbek.gov.kz/ru/news/1\nhttps://adilet.zan.kz/rus/docs/V2500000001")
    _post(sec, report.id, "returned", reason="Приложите протокол")
    page = fp.get(f"/reports/{report.id}").get_data(as_text=True)
    links = re.search(r'<textarea[^>]*name="links"[^>]*>\s*(.*?)</textarea>', page, re.S).group(1)
    assert links.split() == ["https://enbek.gov.kz/ru/news/1", "https://adilet.zan.kz/rus/docs/V2500000001"]
    assert re.search(r'<input[^>]*checked[^>]*name="public"|<input[^>]*name="public"[^>]*checked', page)
    assert re.search(r'name="status" value="submitted" required checked', page)  # back for review, not «в работе»
    assert re.search(r'<textarea[^>]*name="note"[^>]*>\s*Модель обновлена</textarea>', page)
