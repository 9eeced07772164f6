"""The secretary's review queue: what awaits a verdict, oldest first; bulk accept after a confirmation, all or
nothing; the review page's two actions; the return seen by the focal point."""

import re
from datetime import timedelta

from sqlmodel import select

from tracker.models import AuditEvent, Checkpoint, Membership, Report

from .conftest import NOW, csrf_token, login, make_user, redirect_target, signed_in
from .reporting_helpers import PDF, post, report_of

INSTRUMENT = "world"


def _submitted(app, db, user, keys):
    reports = []
    for minutes, (key, period) in enumerate(keys):
        report = report_of(db, f"{INSTRUMENT}/{key}", period, "МТСЗН")
        post(app, db, report.id, user, "submitted", note=f"Сделано по {key}", files=[("a.pdf", PDF)],
             now=NOW + timedelta(minutes=minutes))
        reports.append(db.get(Report, report.id))
    return reports


def _setup(app, db):
    focal = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=[INSTRUMENT])
    reports = _submitted(app, db, focal, [("1.1", "2025"), ("1.2", "2025-H1")])
    return focal, secretary, reports


def test_the_queue_lists_what_awaits_a_verdict_oldest_first_with_a_count_in_the_menu(app, db, world):
    """Two submitted reports: the secretary lands on the queue, sees both oldest first with their notes, and the
    navigation says 2; a focal point has no queue."""
    focal, secretary, reports = _setup(app, db)
    client = app.test_client()
    assert login(client, secretary.email).location == "/review"
    page = client.get("/review").get_data(as_text=True)
    assert page.index(f"/reports/{reports[0].id}") < page.index(f"/reports/{reports[1].id}")
    assert "Сделано по 1.1" in page and re.search(r'class="count">\s*2\s*<', page)
    filtered = client.get("/review?organization=Министерство+юстиции").get_data(as_text=True)
    assert "Нет отчётов, ожидающих решения" in filtered
    assert signed_in(app, focal).get("/review").status_code == 404


def test_the_menu_counts_a_long_queue_up_to_its_limit(app, db, world, monkeypatch):
    """A national queue holds 35,000 reports: the menu counts up to a limit and says "99+" (here the limit is made
    2, so two waiting reports read "1+"), while the queue itself still lists them all."""
    from tracker.reporting import review

    _focal, secretary, _reports = _setup(app, db)
    monkeypatch.setattr(review, "NAVIGATION_COUNT_LIMIT", 2)
    page = signed_in(app, secretary).get("/review").get_data(as_text=True)
    assert re.search(r'class="count">\s*1\+\s*<', page)
    assert page.count('type="checkbox" name="reports"') == 2


def _queue(client) -> tuple[int, int]:
    """(the total the queue's title says, the reports it lists)."""
    page = client.get("/review").get_data(as_text=True)
    total = re.search(r'Ждут вашего решения <small class="muted">(\d+)</small>', page)
    return int(total.group(1)), page.count('type="checkbox" name="reports"')


def test_the_queue_total_is_what_awaits_this_secretary_after_verdicts_and_retirements(app, db, world):
    """The queue's total (read from the kept tally) is the number of reports it lists: less those of the secretary's
    own organization, after a verdict, after a checkpoint is retired."""
    focal, secretary, reports = _setup(app, db)
    reports += _submitted(app, db, focal, [("1.4", "2025-Q1")])
    also_focal = make_user(db, "sec2@example.kz", "secretary", instruments=[INSTRUMENT])
    db.add(Membership(user_id=also_focal.id, organization_id=reports[0].organization_id))
    db.commit()
    client, own = signed_in(app, secretary), signed_in(app, also_focal)
    assert _queue(client) == (3, 3) and _queue(own) == (0, 0)  # a secretary never judges their own organization
    post(app, db, reports[0].id, secretary, "accepted")
    assert _queue(client) == (2, 2)
    checkpoint = db.get(Checkpoint, reports[1].checkpoint_id)
    checkpoint.retired_at = NOW
    db.commit()
    assert _queue(client) == (1, 1)


def test_the_queue_pages_by_key_oldest_first_forward_and_back(app, db, world, monkeypatch):
    """With a page of one, "дальше" leads from the oldest submission to the next by key and stops there; "назад"
    leads back; a forged key shows the first page."""
    import html

    from tracker.reporting import review

    _focal, secretary, reports = _setup(app, db)
    monkeypatch.setattr(review, "PAGE_SIZE", 1)
    client = signed_in(app, secretary)
    first = client.get("/review").get_data(as_text=True)
    assert f"/reports/{reports[0].id}" in first and "Страница 1 из 2" in first and "назад" not in first
    second = client.get(html.unescape(re.search(r'href="([^"]+)">дальше', first).group(1))).get_data(as_text=True)
    assert f"/reports/{reports[1].id}" in second and f"/reports/{reports[0].id}\"" not in second
    assert "Страница 2 из 2" in second and "дальше" not in second
    back = client.get(html.unescape(re.search(r'href="([^"]+)">← назад', second).group(1))).get_data(as_text=True)
    assert f"/reports/{reports[0].id}" in back and "Страница 1 из 2" in back
    assert "Страница 1 из 2" in client.get("/review?after=%%%&page=7").get_data(as_text=True)


def test_bulk_accept_asks_for_confirmation_then_accepts_all(app, db, world):
    """Ticking two reports shows them for confirmation (nothing changes yet); confirming accepts both, audited."""
    _focal, secretary, reports = _setup(app, db)
    client = signed_in(app, secretary)
    token = csrf_token(client, "/review")
    ticked = [f"{r.id}:{r.version}" for r in reports]
    confirm = client.post("/review/accept", data={"csrf_token": token, "reports": ticked, "note": "Спасибо"})
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Принять 2 отчётов?" in page
    db.expire_all()
    assert {db.get(Report, r.id).status for r in reports} == {"submitted"}
    done = client.post("/review/accept", data={"csrf_token": token, "reports": ticked, "note": "Спасибо",
                                               "confirmed": "yes"})
    assert redirect_target(done) == "/review"
    db.expire_all()
    assert {db.get(Report, r.id).status for r in reports} == {"accepted"}
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "report.accepted")).all()) == 2


def test_bulk_accept_is_all_or_nothing_when_one_report_changed(app, db, world):
    """One of the two was taken back by its focal point meanwhile: nothing is accepted and the message names it."""
    focal, secretary, reports = _setup(app, db)
    post(app, db, reports[1].id, focal, "in_progress", note="Забираю")
    client = signed_in(app, secretary)
    token = csrf_token(client, "/review")
    response = client.post("/review/accept", follow_redirects=True, data={
        "csrf_token": token, "reports": [f"{r.id}:{r.version}" for r in reports], "confirmed": "yes"})
    assert "Ничего не принято" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(Report, reports[0].id).status == "submitted"


def test_the_review_page_shows_the_submission_first_and_returning_needs_a_reason(app, db, world):
    """The submission comes before the two actions; "return" without a reason is refused; with one it is
    returned, and the focal point sees the reason at the top with their previous note in the form."""
    focal, secretary, reports = _setup(app, db)
    client = signed_in(app, secretary)
    page = client.get(f"/reports/{reports[0].id}").get_data(as_text=True)
    assert page.index("Что прислал исполнитель") < page.index("Ваше решение")
    assert 'value="accepted"' in page and 'value="returned"' in page
    token = csrf_token(client, f"/reports/{reports[0].id}")
    refused = client.post(f"/reports/{reports[0].id}", data={"csrf_token": token, "version": reports[0].version,
                                                            "status": "returned", "reason": ""})
    assert refused.status_code == 400 and "Укажите причину" in refused.get_data(as_text=True)
    client.post(f"/reports/{reports[0].id}", data={"csrf_token": token, "version": reports[0].version,
                                                  "status": "returned", "reason": "Нет протокола",
                                                  "note": "Приложите протокол РТК"})
    db.expire_all()
    assert db.get(Report, reports[0].id).status == "returned"
    mine = signed_in(app, focal).get(f"/reports/{reports[0].id}").get_data(as_text=True)
    assert mine.index("Нет протокола") < mine.index("Обновить отчёт") and "Приложите протокол РТК" in mine
    assert re.search(r'<textarea[^>]*name="note"[^>]*>\s*Сделано по 1.1</textarea>', mine)


def test_done_late_is_marked_on_the_obligation_page_and_in_my_work(app, db, world):
    """A report due 30.06.2025, first submitted on 21.11.2026 and accepted: "на 509 дн. позже срока" on the
    obligation page's checkpoint and in the focal point's done list."""
    focal, secretary, _reports = _setup(app, db)
    report = report_of(db, f"{INSTRUMENT}/1.2", "2025-H1", "МТСЗН")
    post(app, db, report.id, secretary, "accepted")
    late = "на 509 дн. позже срока"
    assert late in signed_in(app, secretary).get(f"/obligations/{INSTRUMENT}/1.2").get_data(as_text=True)
    mine = signed_in(app, focal).get("/reports").get_data(as_text=True)
    assert late in mine.split('id="done"')[1]


def test_a_verdict_opens_the_next_report_waiting_and_the_secretary_sees_no_reporter_hint(app, db, world):
    """After accepting, the secretary stayed on the report: now the next one in the queue opens (the queue when
    none is left). The page of a report she returned no longer tells her to «fix the report below», and her other
    decisions start with none chosen (it opened with «неприменимо» ticked)."""
    _focal, secretary, reports = _setup(app, db)
    client = signed_in(app, secretary)

    def decide(report, status, **fields):
        url = f"/reports/{report.id}"
        version = re.search(r'name="version" type="hidden" value="(\d+)"', client.get(url).get_data(as_text=True))
        return client.post(url, data={"csrf_token": csrf_token(client, url), "version": version.group(1),
                                      "status": status, **fields})

    page = client.get(f"/reports/{reports[0].id}").get_data(as_text=True)
    assert not re.search(r'name="status" value="[a-z_]+" required checked', page)
    assert redirect_target(decide(reports[0], "returned", reason="Нет протокола")) == f"/reports/{reports[1].id}"
    returned = client.get(f"/reports/{reports[0].id}").get_data(as_text=True)
    assert "Нет протокола" in returned and "Исправьте отчёт ниже" not in returned
    assert redirect_target(decide(reports[1], "accepted")) == "/review"
