"""Browser journeys in headless Chromium (Debian's package, driven by Playwright; no browser download).

A focal point reports with a file, the secretary returns it, the focal point resubmits, the secretary accepts;
the overdue view and the dashboard follow. The language switch. Screenshots go to test-artifacts/screenshots/.
"""

import re

from .browser_helpers import BROWSER_MARKS, shot, sign_in
from .conftest import make_user
from .reporting_helpers import PDF, report_of

pytestmark = BROWSER_MARKS

def _overdue_links(page, base):
    page.goto(f"{base}/overdue?organization=МТСЗН&period=2025")
    return page.content()


def _done_count(page, base):
    page.goto(f"{base}/instruments/world/dashboard")
    return int(re.search(r"исполнено</span> <strong>(\d+)</strong>", page.content()).group(1))


def test_report_return_resubmit_accept_in_a_browser(app, db, world, live_server, browser, tmp_path):
    """The whole verification loop through real pages, with a Cyrillic file name; the overdue view and the
    dashboard change accordingly."""
    make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    make_user(db, "sec@example.kz", "secretary", instruments=["world"])
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    checkpoint_link = f"/checkpoints/{report.checkpoint_id}\""
    evidence = tmp_path / "Справка о скоринге.pdf"
    evidence.write_bytes(PDF)

    secretary = sign_in(browser, live_server, "sec@example.kz")
    assert checkpoint_link in _overdue_links(secretary, live_server)
    done_before = _done_count(secretary, live_server)
    shot(secretary, "dashboard")

    focal = sign_in(browser, live_server, "fp@example.kz")
    focal.goto(f"{live_server}/reports")
    shot(focal, "my-work")
    focal.click(f"a[href='/reports/{report.id}']")
    focal.check("input[name=status][value=submitted]")
    focal.fill("textarea[name=note]", "Скоринговая модель **обновлена**")
    focal.set_input_files("input[name=files]", str(evidence))
    focal.click("form[enctype='multipart/form-data'] button[type=submit]")
    focal.wait_for_load_state()
    assert "на проверке" in focal.content() and "Справка о скоринге.pdf" in focal.content()
    shot(focal, "report-submitted")

    assert checkpoint_link not in _overdue_links(secretary, live_server)
    secretary.goto(f"{live_server}/reports/{report.id}")
    assert secretary.locator("#submission-title").is_visible()  # what was submitted comes before the verdict
    assert "обновлена" in secretary.locator("section[aria-labelledby=submission-title]").inner_html()
    secretary.fill("form.verdict textarea[name=reason]", "Приложите протокол")
    secretary.click("button[name=status][value=returned]")
    secretary.wait_for_load_state()
    assert "возвращено" in secretary.content()
    assert checkpoint_link in _overdue_links(secretary, live_server)  # returned and past due: overdue again

    focal.goto(f"{live_server}/reports")
    assert "Приложите протокол" not in focal.content()  # the list shows the report, the page shows why
    focal.goto(f"{live_server}/reports/{report.id}")
    assert "Приложите протокол" in focal.locator("section[aria-labelledby=verdict-title]").inner_text()
    assert focal.input_value("textarea[name=note]") == "Скоринговая модель **обновлена**"  # the last note, to edit
    focal.check("input[name=status][value=submitted]")
    focal.fill("textarea[name=note]", "Протокол приложен")
    focal.click("form[enctype='multipart/form-data'] button[type=submit]")
    focal.wait_for_load_state()

    secretary.goto(f"{live_server}/reports/{report.id}")
    secretary.click("button[name=status][value=accepted]")
    secretary.wait_for_load_state()
    assert "принято" in secretary.content()
    shot(secretary, "report-accepted")
    assert checkpoint_link not in _overdue_links(secretary, live_server)
    shot(secretary, "overdue")
    assert _done_count(secretary, live_server) == done_before + 1


def test_language_switch_in_a_browser(app, db, world, live_server, browser):
    """Clicking Eng and Қаз changes the interface; the measure text stays in Russian."""
    make_user(db, "obs@example.kz", "observer")
    page = sign_in(browser, live_server, "obs@example.kz")
    page.click("nav.langs >> text=Eng")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en" and "Organizations" in page.content()
    page.goto(f"{live_server}/obligations/world/1.1")
    assert "Checkpoints" in page.content() and "Совершенствование системы мониторинга" in page.content()
    shot(page, "obligation-en")
    page.click("nav.langs >> text=Қаз")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "kk" and "Бақылау нүктелері" in page.content()
    shot(page, "obligation-kk")


def test_an_organization_field_fetches_its_choices_when_first_used(app, db, world, live_server, browser):
    """The overdue view's organization field is offered every organization once it is focused: static/choices.js
    (a file, under the strict Content-Security-Policy) fetches them into the page's empty list."""
    make_user(db, "sec@example.kz", "secretary", instruments=["world"])
    page = sign_in(browser, live_server, "sec@example.kz")
    page.goto(f"{live_server}/overdue")
    assert page.locator("#orgs option").count() == 0
    page.locator("input[name=organization]").focus()
    page.locator("#orgs option").first.wait_for(state="attached")  # fetched, not written into the page
    offered = page.locator("#orgs option").evaluate_all("options => options.map(o => o.value)")
    assert "МТСЗН" in offered and len(offered) == len(set(offered))
