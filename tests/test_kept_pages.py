"""Kept pages (tracker/kept_pages.py) are the pages rendered afresh: after every kind of write, through the web or
straight to the database, from another node, in another language, for another reach; reading and signing in keep
them; a write not yet committed, an old one or one of another day is never served."""

import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text, update
from sqlmodel import Session, select

from bench import scale
from tracker.db import make_engine
from tracker.kept_pages import kept, shown_table_written
from tracker.models import Checkpoint, Instrument, KeptPage, Obligation, Organization, Report, Section, User
from tracker.statuses import Status

from .conftest import NOW, csrf_token, make_user, signed_in
from .depth import by_depth

PAGES = ["/dashboard", "/dashboard?quarter=2025-Q4", "/dashboard?as_of=2025-06-30"]
_TOKEN = re.compile(r'name="csrf_token"( type="hidden")? value="[^"]+"')


def _generation(session) -> int:
    return session.execute(text("SELECT generation FROM data_generation")).scalar_one()


def _page(app, client, path: str, *, keep: bool) -> str:
    """The page as served with keeping on (kept, or rendered and kept) or off (rendered afresh); the sign-out
    form's token, which is the person's own, set aside."""
    app.config["KEPT_PAGES_MINUTES"] = 15 if keep else 0
    response = client.get(path)
    assert response.status_code == 200, path
    return _TOKEN.sub("", response.get_data(as_text=True))


def _assert_kept_equal_fresh(app, client, paths) -> None:
    for path in paths:
        kept_page, fresh = _page(app, client, path, keep=True), _page(app, client, path, keep=False)
        assert kept_page == fresh, path


@pytest.fixture
def generated(app, db):
    """Two generated instruments with reports of every status, and a secretary of both signed in."""
    scale.seed(db, scale.Scale(instruments=2, obligations_per_instrument=8, organizations=24, users=40),
               today=NOW.date(), seed_value=5)
    db.commit()
    keys = list(db.exec(select(Instrument.key).order_by(Instrument.key)))
    user = make_user(db, "kept@example.kz", "secretary", instruments=keys)
    return signed_in(app, user), keys


WRITES = st.lists(st.tuples(
    st.sampled_from(["report status", "report retire", "bulk status", "checkpoint reschedule", "checkpoint retire",
                     "obligation retire", "obligation moves section", "organization renamed", "instrument renamed",
                     "section renamed"]),
    st.integers(0, 10_000), st.sampled_from(list(Status))), min_size=1, max_size=4)


@settings(max_examples=by_depth(6, 40), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=WRITES)
def test_a_kept_dashboard_is_the_dashboard_rendered_afresh_after_every_kind_of_write(app, db, generated, writes):
    """Statuses, retirements, reschedules, moves and renames, each committed: every dashboard served from what was
    kept equals the same dashboard rendered afresh, for today, a past quarter and a past day."""
    client, keys = generated
    paths = [*PAGES, f"/instruments/{keys[0]}/dashboard"]
    _assert_kept_equal_fresh(app, client, paths)
    for kind, pick, status in writes:
        subject, change = kind.split(" ", 1)
        model = {"report": Report, "bulk": Report, "checkpoint": Checkpoint, "obligation": Obligation,
                 "organization": Organization, "instrument": Instrument, "section": Section}[subject]
        rows = list(db.exec(select(model).order_by(model.id)))
        row = rows[pick % len(rows)]
        before = _generation(db)
        if kind == "bulk status":
            db.execute(update(Report).where(Report.id % 4 == pick % 4).values(status=status))
        elif change == "status":
            row.status = status
        elif change == "retire":
            row.retired_at = NOW
        elif change == "reschedule":
            row.due_on = row.due_on + timedelta(days=pick % 200 - 100)
        elif change == "moves section":
            row.section_id = db.exec(select(Section.id).where(Section.instrument_id == row.instrument_id)
                                     .order_by(Section.id)).all()[pick % 2]
        elif subject == "organization":
            row.name_ru = f"Переименованная организация {pick}"
        else:
            row.title_ru = f"Новое название {pick}"
        written = kind == "bulk status" or db.is_modified(row)  # a status set to the one it has writes nothing
        db.commit()
        assert _generation(db) == before + written, kind
        _assert_kept_equal_fresh(app, client, paths)


def test_reading_and_signing_in_keep_the_generation_and_a_change_through_the_web_moves_it(app, db, synced):
    """Signing in (it notes the time), reading pages and storing computed figures write, but nothing a page
    shows: the generation stays, and the second reader is served what the first one's request kept. A person's
    change made through the web moves it."""
    admin = make_user(db, "admin@example.kz", "admin")
    before = _generation(db)
    client = signed_in(app, admin)
    for path in ["/", *PAGES, "/dashboard/instruments", "/dashboard/league", "/public/"]:
        assert client.get(path).status_code == 200, path
    assert _generation(db) == before
    assert db.exec(select(KeptPage)).first() is not None
    token = csrf_token(client, "/admin/users")
    invited = client.post("/admin/users/invite", data={"csrf_token": token, "email": "new@example.kz",
                                                       "name": "New", "role": "observer", "language": "ru"})
    assert invited.status_code in (302, 303)
    assert _generation(db) > before


def test_a_page_is_kept_once_per_reach_and_language(app, db, synced):
    """An observer is not shown what was kept for a secretary (the link to the overdue list is a secretary's),
    and a page kept in Russian is not served in English."""
    key = "conflict-prevention-2025-2026"
    secretary = signed_in(app, make_user(db, "sec@example.kz", "secretary", instruments=[key]))
    observer = signed_in(app, make_user(db, "obs@example.kz", "observer"))
    overdue_link = 'href="/overdue'
    assert overdue_link in secretary.get("/dashboard").get_data(as_text=True)
    assert overdue_link not in observer.get("/dashboard").get_data(as_text=True)
    english = observer.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Summary" in english and "Сводка:" not in english
    _assert_kept_equal_fresh(app, observer, ["/dashboard"])


def test_a_write_from_another_node_is_seen_at_once(app, db, synced):
    """Another node (another engine on the same database) renames an organization: this node's next dashboard
    shows the new name, without being told."""
    client = signed_in(app, make_user(db, "admin@example.kz", "admin"))
    first = client.get("/dashboard/league?quarter=2025-Q4").get_data(as_text=True)
    code = re.search(r"<td>(\S+) <small class=\"muted\">", first).group(1)
    other_node = make_engine(app.config["DATABASE_URL"])
    try:
        with Session(other_node) as session:
            session.execute(update(Organization).where(Organization.code == code)
                            .values(name_ru="Имя, данное на другом узле"))
            session.commit()
    finally:
        other_node.dispose()
    assert "Имя, данное на другом узле" in client.get("/dashboard/league?quarter=2025-Q4").get_data(as_text=True)


def test_an_uncommitted_write_an_old_page_or_a_database_without_generation_is_rendered_afresh(app, db, synced):
    """What a transaction that has written renders is not kept (it may still roll back); a page kept longer ago
    than the minutes setting is rendered again; a database without the generation's row keeps nothing."""
    rendered = []

    def render(body="page"):
        rendered.append(body)
        return body

    assert kept(db, ("p",), render, minutes=15) == "page"
    assert kept(db, ("p",), lambda: render("other"), minutes=15) == "page"  # kept
    assert rendered == ["page"]
    db.execute(update(KeptPage).values(kept_at=NOW - timedelta(minutes=16)))
    db.commit()
    assert kept(db, ("p",), lambda: render("newer"), minutes=15) == "newer"
    db.execute(update(User).values(name="Кто-то"))  # shown, not committed
    assert kept(db, ("p",), lambda: render("uncommitted"), minutes=15) == "uncommitted"
    db.rollback()
    assert kept(db, ("p",), lambda: render("again"), minutes=15) == "newer"
    db.execute(text("DELETE FROM data_generation"))
    db.commit()
    assert kept(db, ("p",), lambda: render("no generation"), minutes=15) == "no generation"
    assert kept(db, ("p",), lambda: render("no generation 2"), minutes=15) == "no generation 2"


@pytest.mark.parametrize(("statement", "shown"), [
    ("INSERT INTO report (status) VALUES ('done')", True),
    ('UPDATE "organization" SET name_ru=? WHERE organization.id = ?', True),
    ("UPDATE app_user SET name=?, failed_logins=? WHERE app_user.id = ?", True),
    ("UPDATE app_user SET last_login_at=?::TIMESTAMP WITH TIME ZONE WHERE app_user.id = ?", False),
    ("DELETE FROM login_session WHERE login_session.id = ?", False),
    ("INSERT INTO quarter_rate (instrument_id) VALUES (?)", False),
    ("WITH gone AS (DELETE FROM report RETURNING id) SELECT count(*) FROM gone", True),
    ("SELECT * FROM report FOR UPDATE", False),
])
def test_which_statements_write_what_pages_show(statement, shown):
    """A write counts by the table it writes (and, for a person's row, the columns): signing in does not."""
    assert shown_table_written(statement) is shown


def test_a_kept_page_with_a_form_gives_each_reader_their_own_token(app, db, synced):
    """Two focal points of one organization share the kept «my work»: the second is served what the first one's
    request kept, with a token of their own in its form (never the first one's), and the update they send with it
    is taken. What is kept holds neither token."""
    first = signed_in(app, make_user(db, "fp1@example.kz", "focal_point", orgs=["МТСЗН"]))
    second = signed_in(app, make_user(db, "fp2@example.kz", "focal_point", orgs=["МТСЗН"]))
    token = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

    def form_token(page: str) -> str:
        return token.findall(page.split("<main")[1])[0]  # the bulk form's, not the sign-out form's
    first_page = first.get("/reports").get_data(as_text=True)
    kept_then = db.exec(select(KeptPage.key, KeptPage.kept_at)).all()
    second_page = second.get("/reports").get_data(as_text=True)
    assert db.exec(select(KeptPage.key, KeptPage.kept_at)).all() == kept_then  # served as kept, not rendered
    assert form_token(first_page) != form_token(second_page)
    assert form_token(first_page) not in second_page
    for body in db.exec(select(KeptPage.body)):
        assert form_token(first_page) not in body and form_token(second_page) not in body
    picked = re.search(r'name="reports" value="(\d+):(\d+)"', second_page)
    sent = second.post("/reports/bulk", data={"csrf_token": form_token(second_page), "status": "in_progress",
                                              "reports": f"{picked.group(1)}:{picked.group(2)}"})
    assert sent.status_code in (302, 303)
    assert db.get(Report, int(picked.group(1)), populate_existing=True).status == "in_progress"
