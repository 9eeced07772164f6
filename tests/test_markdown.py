"""Notes render in time linear in their length, whatever they contain; names typed by people stay text in email."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.text import escape_markdown, render_markdown

from .depth import by_depth

#: the inputs an outside probe found: each took seconds to a minute, or crashed the renderer
BOMBS = {"brackets": "[" * 20_000, "images": "![" * 10_000, "open links": " [a](" * 4_000,
         "nested lists": "- " * 10_000, "nested quotes": "> " * 10_000, "numbered nesting": "1. " * 6_666,
         "many links": "[x](https://e.kz) " * 1_100, "one-line headings": "#a\n" * 6_666,
         "line breaks": "a\n" * 10_000, "table rows": "|a|\n" * 5_000}


@pytest.mark.parametrize("note", BOMBS.values(), ids=BOMBS.keys())
def test_hostile_notes_render_quickly_and_as_text(note):
    """A 20,000-character bomb renders in well under a second (it took 2–40 s, or raised RecursionError) and
    its characters are all there, as text."""
    started = time.perf_counter()
    html = render_markdown(note)
    assert time.perf_counter() - started < 1.0  # a guard against the quadratic path, not a performance target
    assert html.count("[") == note.count("[") and "<script" not in html and html.count("a") >= note.count("a")


def test_ordinary_markdown_still_renders():
    """Links, emphasis, lists and headings written by people keep their meaning; raw HTML is still removed."""
    html = render_markdown("## Итоги\n\nСм. [приказ](https://enbek.gov.kz) и **срок**.\n\n- один\n- два\n\n"
                           "<script>alert(1)</script>")
    assert "<h2>Итоги</h2>" in html and '<a href="https://enbek.gov.kz"' in html and "<strong>срок</strong>" in html
    assert "<li>один</li>" in html and "<script" not in html


@pytest.mark.sized
@settings(max_examples=by_depth(60, 1000), deadline=None)
@given(st.text(alphabet="[]()!<>-*_`#>\n 1.a", max_size=400))
def test_any_mix_of_markdown_characters_renders(note):
    """No mix of Markdown's special characters makes the renderer fail."""
    render_markdown(note)


def test_a_name_is_text_in_email_markdown(app, db, world):
    """A person named "[Нажмите здесь](https://evil.example/login)" is greeted by that text in other people's
    emails, not by a live link."""
    from tracker.models import User
    from tracker.notify import outbox

    name = "[Нажмите здесь](https://evil.example/login)"
    with app.app_context():
        _subject, text, html = outbox.render_email(app, "test", User(email="x@example.kz", name=name, language="ru"))
    assert 'href="https://evil.example' not in html and "Нажмите здесь" in html
    assert escape_markdown(name) == r"\[Нажмите здесь\]\(https://evil\.example/login\)"


def test_a_note_is_rendered_once_when_written_and_pages_show_that_form(app, client, db, world):
    """The sanitised HTML is stored with the update; the report page shows the stored form (it does not parse the
    Markdown again), and a note from before the stored form existed is still rendered, sanitised."""
    from tracker.models import StatusUpdate

    from .conftest import login, make_user
    from .reporting_helpers import post, report_of

    user = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    entry = post(app, db, report.id, user, "in_progress", note="См. **приказ** <script>alert(1)</script>")
    assert entry.note_html == "<p>См. <strong>приказ</strong> </p>"
    entry = db.get(StatusUpdate, entry.id)
    entry.note_html = "<p>как сохранено</p>"
    db.add(entry)
    db.commit()
    login(client, user.email)
    assert "как сохранено" in client.get(f"/reports/{report.id}").get_data(as_text=True)
    entry.note_html = None  # written before migration 0008
    db.add(entry)
    db.commit()
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "<strong>приказ</strong>" in page and "alert(1)</script>" not in page
