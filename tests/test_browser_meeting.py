"""A commission's meeting in headless Chromium, as its secretary lives it: plan the meeting, read the drafted
agenda, record three decisions (a deadline moved, an event checkpoint opened, a new decision with an owner), see
them on the measures' pages, download the protocol and the execution report."""

import pytest
from docx import Document

from .browser_helpers import BROWSER_MARKS, shot, sign_in
from .conftest import make_user

pytestmark = [*BROWSER_MARKS, pytest.mark.deep]  # seven seconds: in the deep tier (make test-deep, CI)


def _decide(page, item, kind: str, text: str, due_on: str, owner: str | None = None) -> None:
    """Open the item's decision form, fill it in and submit it; back on the meeting's page."""
    item.locator("summary", has_text="Записать решение").click()
    form = item.locator("form").last
    form.locator("select[name$=kind]").select_option(kind)
    form.locator("textarea[name$=text]").fill(text)
    checkpoints = form.locator("select[name$=checkpoint_id] option")
    if kind == "deadline":
        form.locator("select[name$=checkpoint_id]").select_option(checkpoints.nth(1).get_attribute("value"))
    form.locator("input[name$=due_on]").fill(due_on)
    if owner:
        form.locator("input[name$=owner]").fill(owner)
    form.locator("button", has_text="Записать и применить").click()
    page.wait_for_load_state()
    assert "записано и применено" in page.content(), page.locator(".flash").all_inner_texts()


def test_plan_a_meeting_record_decisions_see_them_and_download_the_papers(app, db, synced, live_server, browser):
    make_user(db, "rtk@example.kz", "secretary", commissions=["rtk"])
    page = sign_in(browser, live_server, "rtk@example.kz")
    page.click("header >> text=Комиссии")
    page.click("text=Республиканская трехсторонняя комиссия")
    page.fill("input[name=number]", "12")
    page.fill("input[name=held_on]", "2026-12-15")
    page.fill("input[name=starts_at]", "11:30")
    page.fill("input[name=place]", "Астана, Дом министерств")
    page.click("text=Запланировать и составить повестку")
    page.wait_for_load_state()
    assert "Заседание № 12: 15.12.2026, 11:30" in page.content()
    shot(page, "meeting-agenda")
    items = page.locator("ol.agenda > li")
    overdue = items.filter(has_text="О просроченных отчётах")
    assert overdue.count() >= 2 and items.filter(has_text="Заслушивание: мера").count() == 1

    _decide(page, overdue.nth(0), "deadline", "Перенести срок отчёта", "2027-03-31")
    _decide(page, page.locator("ol.agenda > li").filter(has_text="Заслушивание: мера"), "event",
            "Заслушать руководителей предприятий с высокими рисками", "2027-02-15")
    _decide(page, page.locator("ol.agenda > li").filter(has_text="О просроченных отчётах").nth(1), "new",
            "Представить в РТК план устранения просрочек", "2027-01-31", owner="МТСЗН")
    decided = page.locator(".decision")
    assert decided.count() == 3 and "Протокол РТК № 12 от 15.12.2026, п." in decided.first.inner_text()

    page.click("text=на контроле")  # the new decision, tracked as an obligation of the commission's decisions
    page.wait_for_load_state()
    assert "Представить в РТК план устранения просрочек" in page.content() and "Решения комиссии" in page.content()
    page.goto(f"{live_server}/obligations/conflict-prevention-2025-2026/13")
    assert "Заслушать руководителей предприятий с высокими рисками" in page.content()
    assert "Протокол РТК № 12 от 15.12.2026" in page.content()

    page.click("header >> text=Комиссии")
    page.click("text=Республиканская трехсторонняя комиссия")
    page.click("text=№ 12")
    with page.expect_download() as download:
        page.click("text=протокол (DOCX)")
    protocol = Document(download.value.path())
    texts = [row.cells[2].text for row in protocol.tables[0].rows]
    assert {"Перенести срок отчёта", "Представить в РТК план устранения просрочек",
            "Заслушать руководителей предприятий с высокими рисками"} <= set(texts)
    page.goto(f"{live_server}/instruments/conflict-prevention-2025-2026/execution-report")
    with page.expect_download() as download:
        page.click("text=DOCX")
    report = Document(download.value.path())
    assert any(p.text == "Сводка" for p in report.paragraphs)
