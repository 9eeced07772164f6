"""A browser check over every page a person can reach by clicking, as every role, in Russian, Kazakh and English,
on a desktop and at 390 px, on the demo's lived-in data. It fails on an internal code or key in visible text, text
whose colour equals its background, a main action outside the screen at 390 px, and any 4xx or 5xx response.
Screenshots (in Russian, both widths) go to test-artifacts/screenshots/check-*.png (issue 22)."""

import re
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from tracker.models import Instrument

from .browser_helpers import BROWSER_MARKS, shot, sign_in
from .conftest import make_user

pytestmark = [*BROWSER_MARKS, pytest.mark.deep]  # about a thousand page loads: the deep tier, which CI runs

ROLES = {
    "admin": dict(role="admin"),
    "secretary": dict(role="secretary", commissions=["rtk"]),
    "regional-secretary": dict(role="secretary", commissions=["almaty-region-example"]),
    "ministry": dict(role="focal_point", orgs=["МТСЗН"]),
    "akimat": dict(role="focal_point", orgs=["АКИМАТ-АЛМАТЫ"]),
    "observer": dict(role="observer"),
}
#: at most this many pages of each shape (the same path with other numbers is the same page) per role
PAGES_PER_ROLE = 40
#: links that leave the page for a file, sign out, switch language, or act
SKIP = re.compile(r"/logout|\.(xlsx|csv|json|docx|ics|yaml)\b|/evidence/|/api/|[?&]lang=|/calendar/|/metrics|"
                  r"/swagger|/openapi|mailto:")
#: codes a person must never read: statuses, kinds of deadline, roles and audit field names
CODES = re.compile(r"\b(not_started|in_progress|not_applicable|one_off|focal_point|commission_secretary|section_id|"
                   r"owners_text|deadline_kind|status_update|due_on|is_lead)\b")
#: role and status codes that are ordinary English words: looked for in Russian and Kazakh only
CODES_OUTSIDE_ENGLISH = re.compile(r"\b(secretary|observer|admin|submitted|returned|accepted|cancelled|overdue)\b")
EMAILS_AND_LINKS = re.compile(r"\S+@\S+|https?://\S+")

SAME_COLOUR = """() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3).join(",");
    }
    return "255,255,255";
  };
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    if (el.closest("[hidden], .visually-hidden, svg, option, script, style, textarea")) continue;
    if (parse(getComputedStyle(el).color).slice(0, 3).join(",") === background(el))
      found.push(el.tagName + ": " + el.textContent.trim().slice(0, 40));
  }
  return found;
}"""
OFF_SCREEN_ACTIONS = """(width) => [...document.querySelectorAll("[data-main-action]")]
  .filter(a => a.getClientRects().length)
  .map(a => [a.textContent.trim(), a.getBoundingClientRect()])
  .filter(([, r]) => r.left < 0 || r.right > width)
  .map(([text, r]) => text + " at x=" + Math.round(r.left))"""


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("header a[href], main a[href], nav a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base or SKIP.search(href):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _crawl(page, base: str) -> list[str]:
    """The pages this person reaches by clicking from the start page, one of each shape, in the order met."""
    queue, seen, pages = ["/"], set(), []
    while queue and len(pages) < PAGES_PER_ROLE:
        url = queue.pop(0)
        shape = _shape(url.split("?")[0]) + ("?" if "?" in url else "")
        if shape in seen:
            continue
        seen.add(shape)
        page.goto(f"{base}{url}")
        pages.append(url)
        queue += _links(page, base)
    return pages


def _problems(page, url: str, language: str, keys: list[str], width: int) -> list[str]:
    text = EMAILS_AND_LINKS.sub(" ", page.inner_text("body"))
    found = [f"code «{m}»" for m in CODES.findall(text)]
    if language != "en":
        found += [f"code «{m}»" for m in CODES_OUTSIDE_ENGLISH.findall(text)]
    found += [f"key «{key}»" for key in keys if key in text]
    found += [f"same colour as its background: {e}" for e in page.evaluate(SAME_COLOUR)]
    if width < 500:
        found += [f"main action off the screen: {a}" for a in page.evaluate(OFF_SCREEN_ACTIONS, width)]
    return [f"{url} [{language}, {width} px]: {problem}" for problem in found]


@pytest.mark.parametrize("who", ROLES)
def test_every_page_as_every_role_in_every_language_and_width(app, db, runner, synced, live_server, browser, who):
    """Sign in as the role, find every page by clicking, and look at each in ru, kk and en at 1280 and 390 px."""
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0  # the demo's history: pages as they look in use
    email = f"person{list(ROLES).index(who)}@example.kz"  # the page shows the name: no role word in it
    make_user(db, email, **ROLES[who])
    keys = sorted(db.exec(select(Instrument.key)).all(), key=len, reverse=True)
    page = sign_in(browser, live_server, email)
    failures = []
    page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pages = _crawl(page, live_server)
    assert len(pages) >= 5, pages
    problems = []
    for language in ("ru", "kk", "en"):
        page.goto(f"{live_server}/?lang={language}")
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
            for url in pages:
                page.goto(f"{live_server}{url}")
                problems += _problems(page, url, language, keys, width)
                if language == "ru":  # a screenshot costs a few hundred milliseconds: one language is enough to look
                    shot(page, f"check-{who}-{width}{_shape(url).replace('/', '_').replace('?', '_')}")
    assert not failures, failures[:20]
    assert not problems, "\n".join(problems[:40])
