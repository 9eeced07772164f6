"""The daily loop in headless Chromium: the review queue with bulk accept, everything reached by clicking from
sign-in, the organization picker, the search box; no sideways scrolling at 360 px; axe-core finds no serious or
critical accessibility violation on the main pages. Screenshots at desktop and phone sizes go to
test-artifacts/screenshots/ (not committed)."""

import pytest

from .browser_helpers import BROWSER_MARKS, shot, sign_in
from .conftest import make_user
from .depth import by_depth
from .reporting_helpers import PDF, post, report_of

pytestmark = BROWSER_MARKS
INSTRUMENT = "conflict-prevention-2025-2026"


def _people(app, db):
    focal = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    make_user(db, "sec@example.kz", "secretary", instruments=[INSTRUMENT, "decent-work-2024-2025"])
    submitted = []
    for key, period in (("3", "2025"), ("2", "2025-H1")):
        report = report_of(db, f"{INSTRUMENT}/{key}", period, "МТСЗН")
        post(app, db, report.id, focal, "submitted", note=f"Сделано по мере {key}", files=[("a.pdf", PDF)])
        submitted.append(report.id)
    return submitted


def test_the_review_queue_and_bulk_accept_in_a_browser(app, db, synced, live_server, browser):
    """The secretary lands on the queue (two waiting, the count in the menu), ticks both, confirms, and the queue
    is empty."""
    _people(app, db)
    page = sign_in(browser, live_server, "sec@example.kz")
    assert page.url.endswith("/review") and page.locator("header .count").inner_text() == "2"
    shot(page, "review-queue")
    for box in page.locator("input[name=reports]").all():
        box.check()
    page.click("text=Принять отмеченные…")
    page.wait_for_load_state()
    assert "Принять 2 отчётов?" in page.content()
    page.click("text=Да, принять 2")
    page.wait_for_load_state()
    assert "Принято отчётов: 2." in page.content() and "Нет отчётов, ожидающих решения" in page.content()
    assert page.locator("header .count").count() == 0


@pytest.mark.deep  # a dozen downloads through the browser: in the deep tier (make test-deep, CI)
def test_every_export_and_the_execution_report_are_reached_by_clicking(app, db, synced, live_server, browser):
    """From sign-in, by clicks only: the instruments list, an instrument, its dashboard, its overdue list and
    that list's XLSX, the execution report and its DOCX, the measure list in each format."""
    _people(app, db)
    page = sign_in(browser, live_server, "sec@example.kz")
    page.click("header >> text=Инструменты")
    page.click(f"a[href='/instruments/{INSTRUMENT}']")
    nav = page.locator("nav.actions")
    for label, fmt in (("XLSX", "xlsx"), ("CSV", "csv"), ("JSON", "json")):
        with page.expect_download() as download:
            nav.locator(f"text={label}").click()
        assert download.value.suggested_filename == f"{INSTRUMENT}.{fmt}"
    nav.locator("text=Отчёт об исполнении к заседанию").click()
    page.wait_for_load_state()
    assert "Отчёт об исполнении на конец" in page.content()
    with page.expect_download() as download:
        page.click("text=DOCX")
    assert download.value.suggested_filename.endswith(".docx")
    page.go_back()
    crumbs = page.locator("nav.crumbs")  # back on the instrument's page: its name, not its key
    assert INSTRUMENT not in crumbs.inner_text() and "Дорожная карта" in crumbs.inner_text()
    page.locator("nav.actions >> text=Просроченные отчёты").click()
    page.wait_for_load_state()
    assert f"instrument={INSTRUMENT}" in page.url
    with page.expect_download() as download:
        page.click("text=XLSX")
    assert download.value.suggested_filename == "overdue.xlsx"
    page.click("header >> text=Сводка")
    assert "все инструменты" in page.content()


def test_the_organization_picker_and_the_search_box(app, db, synced, live_server, browser):
    """Typing a ministry's name into the overdue view's organization field filters by it; the search box in the
    header finds a measure by its number."""
    _people(app, db)
    page = sign_in(browser, live_server, "sec@example.kz")
    page.goto(f"{live_server}/overdue")
    page.locator("input[name=organization]").focus()  # the field fetches what it offers when first used
    options = page.locator("datalist#orgs option")
    options.first.wait_for(state="attached")
    assert options.count() > 40 and "Министерство юстиции" in page.inner_html("datalist#orgs")
    page.fill("input[name=organization]", "Министерство юстиции")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "Министерство юстиции Республики Казахстан" in page.content()
    rows = page.locator("table.list").first.locator("tbody tr td:nth-child(2)")
    codes = {cell.inner_text() for cell in rows.all()}
    assert codes == {"МЮ"}
    shot(page, "overdue-picker")
    page.fill("#site-search", "2.2")
    page.press("#site-search", "Enter")
    page.wait_for_load_state()
    assert "/search?q=2.2" in page.url and page.locator("ol.cards li").count() >= 1
    page.locator("ol.cards li a").first.click()
    page.wait_for_load_state()
    assert "/obligations/" in page.url and page.url.endswith("/2.2")


ALL_PAGES = ["/", "/reports", "/review", "/overdue", "/dashboard", f"/instruments/{INSTRUMENT}",
             f"/instruments/{INSTRUMENT}/dashboard", f"/instruments/{INSTRUMENT}/execution-report",
             f"/obligations/{INSTRUMENT}/3", "/audit", "/search?q=спор", "/account", "/organizations"]
#: the everyday tier walks the pages most unlike each other (lists, a chart page, a form, a long document)
MAIN_PAGES = by_depth(["/review", "/overdue", f"/instruments/{INSTRUMENT}/dashboard",
                       f"/obligations/{INSTRUMENT}/3"], ALL_PAGES)


@pytest.mark.deep  # every main page at phone width: in the deep tier
def test_phone_width_has_no_sideways_scrolling_and_the_menu_collapses(app, db, synced, live_server, browser):
    """At 360 px no main page is wider than the screen (tables scroll inside themselves), the menu is behind
    its button; screenshots of each page at phone and desktop sizes."""
    submitted = _people(app, db)
    make_user(db, "both@example.kz", "secretary", instruments=[INSTRUMENT])
    page = sign_in(browser, live_server, "sec@example.kz")
    checkpoint = report_of(db, f"{INSTRUMENT}/3", "2025", "МТСЗН").checkpoint_id
    pages = [*MAIN_PAGES, f"/reports/{submitted[0]}", f"/checkpoints/{checkpoint}"]
    for url in pages:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{live_server}{url}")
        shot(page, "desktop" + url.replace("/", "_").replace("?", "_"))
        page.set_viewport_size({"width": 360, "height": 780})
        page.goto(f"{live_server}{url}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{url} is {width} px wide at 360 px"
        shot(page, "phone" + url.replace("/", "_").replace("?", "_"))
    assert not page.locator("header .menu").is_visible()
    page.click("label.menu-button")
    assert page.locator("header >> text=Выйти").is_visible()


@pytest.mark.deep  # axe-core takes about a second a page: every main page, in the deep tier
def test_the_main_pages_have_no_serious_accessibility_violations(app, db, synced, live_server, browser):
    """axe-core on the main pages, as a secretary and as a focal point: no violation of serious or critical
    impact."""
    from axe_playwright_python.sync_playwright import Axe

    submitted = _people(app, db)
    axe = Axe()
    problems = []
    for email, urls in (("sec@example.kz", [*ALL_PAGES, f"/reports/{submitted[0]}"]),
                        ("fp@example.kz", ["/reports", f"/reports/{submitted[1]}"])):
        page = sign_in(browser, live_server, email)
        for url in urls:
            page.goto(f"{live_server}{url}")
            results = axe.run(page)
            for violation in results.response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    problems.append(f"{email} {url}: {violation['id']} — {violation['help']} "
                                    f"({len(violation['nodes'])}: {violation['nodes'][0]['target']})")
        page.close()
    page = browser.new_page()
    page.goto(f"{live_server}/login")
    problems += [f"/login: {v['id']}" for v in Axe().run(page).response["violations"]
                 if v["impact"] in ("serious", "critical")]
    assert not problems, "\n".join(problems)


def test_buttons_in_pages_are_visible(app, db, synced, live_server, browser):
    """«Отозвать» on the calendar page and the carry-forward button were white on white (a rule meant for the
    header's dark band): every button of the page body has a text colour unlike its background."""
    _people(app, db)
    page = sign_in(browser, live_server, "fp@example.kz")
    page.goto(f"{live_server}/account/calendar")
    page.locator("main form button[type=submit]").first.click()  # create a feed: its row gets «Отозвать»
    page.wait_for_load_state()
    invisible = page.evaluate("""() => {
        const colour = (el) => getComputedStyle(el).color;
        const ground = (el) => {  // the first ancestor with a background of its own
            for (let node = el; node; node = node.parentElement) {
                const bg = getComputedStyle(node).backgroundColor;
                if (bg && bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent') return bg;
            }
            return 'rgb(255, 255, 255)';
        };
        return [...document.querySelectorAll('main button')]
            .filter((b) => colour(b) === ground(b)).map((b) => b.textContent.trim());
    }""")
    assert page.locator("main button", has_text="Отозвать").count() == 1
    assert invisible == []
