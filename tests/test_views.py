"""Secretaries' and focal points' views: overdue (filters, pages, totals), my work, dashboards, public view, and
queries that do not grow with the rows shown or stored."""

import html
import re
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from tracker.models import Checkpoint, Evidence, Report

from .conftest import make_user, redirect_target, signed_in
from .reporting_helpers import PDF, post, report_of


@pytest.fixture
def people(db, synced):
    return dict(
        fp=make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"]),
        mio=make_user(db, "mio@example.kz", "focal_point", orgs=["МИО"]),
        secretary=make_user(db, "sec@example.kz", "secretary", instruments=["conflict-prevention-2025-2026"]),
        dw_secretary=make_user(db, "dw@example.kz", "secretary", instruments=["decent-work-2024-2025"]),
        observer=make_user(db, "obs@example.kz", "observer"),
    )



@contextmanager
def count_queries(app):
    """Count the SQL statements run while the block runs."""
    statements = []
    engine = app.extensions["engine"]

    def track(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", track)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", track)


def test_overdue_view_lists_filters_pages_and_totals(app, db, people):
    """All overdue reports of the secretary's instrument, most overdue first; akimats listed one by one;
    filters narrow; 50 per page; totals per organization; nothing of other instruments."""
    client = signed_in(app, people["secretary"])
    page = client.get("/overdue").get_data(as_text=True)
    total = int(re.search(r'<small class="muted">(\d+)</small>', page).group(1))
    assert total > 500 and "decent-work-2024-2025" not in page.split("<tbody>")[1]
    days = [int(d) for d in re.findall(r'<td class="late num"><strong>(\d+)</strong>', page)]
    assert len(days) == 50 and days == sorted(days, reverse=True)
    assert "АКИМАТ-ШЫМКЕНТ" in page and f"Страница 1 из {(total + 49) // 50}" in page
    seen, pages, current = days, [page], page  # "дальше" leads by key through every page to the last
    while (link := re.search(r'href="([^"]+)">дальше', current)) is not None:
        current = client.get(html.unescape(link.group(1))).get_data(as_text=True)
        pages.append(current)
        seen += [int(d) for d in re.findall(r'<td class="late num"><strong>(\d+)</strong>', current)]
    assert len(seen) == total and seen == sorted(seen, reverse=True) and len(pages) == (total + 49) // 50
    assert f"Страница {len(pages)} из {len(pages)}" in current
    back = re.search(r'href="([^"]+)">← назад', current).group(1)  # and "назад" to the page before it
    before = client.get(html.unescape(back)).get_data(as_text=True)
    assert before.split("<tbody>")[1] == pages[-2].split("<tbody>")[1]
    assert client.get("/overdue?after=forged").status_code == 200  # a forged key starts from the beginning
    only = client.get("/overdue?organization=МТСЗН&status=not_started&period=2025-Q4").get_data(as_text=True)
    rows = only.split("<tbody>")[1].split("</tbody>")[0]
    assert "АКИМАТ" not in rows and rows.count("<tr>") > 0 and "2025-Q4" in rows
    ranged = client.get("/overdue?due_from=2025-06-30&due_to=2025-06-30").get_data(as_text=True)
    assert all(d == "30.06.2025" for d in re.findall(r"<td>(\d\d\.\d\d\.\d{4})", ranged.split("<tbody>")[1]))
    every = client.get("/overdue?totals=all").get_data(as_text=True)  # the whole list of totals, not its top
    totals = re.findall(r'organization=([^"&]+)[^"]*">[^<]+</a></td><td class="num">(\d+)', every)
    assert sum(int(n) for _, n in totals) == total


def test_submitting_takes_a_report_off_the_overdue_view(app, db, people):
    """A submitted report is no longer overdue (the one lateness rule)."""
    report = report_of(db, "conflict-prevention-2025-2026/3", "2025", "МТСЗН")
    client = signed_in(app, people["secretary"])
    url = "/overdue?organization=МТСЗН&period=2025"
    assert f"/checkpoints/{report.checkpoint_id}" in client.get(url).get_data(as_text=True)
    post(app, db, report.id, people["fp"], "submitted", note="x", no_evidence_reason="ДСП")
    assert f"/checkpoints/{report.checkpoint_id}\"" not in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize("url", ["/overdue", "/overdue?page=3", "/reports", "/dashboard",
                                 "/instruments/conflict-prevention-2025-2026/dashboard",
                                 "/instruments/conflict-prevention-2025-2026", "/"])
def test_list_pages_cost_the_same_whatever_the_data(app, db, people, url):
    """The number of SQL statements of a list page does not grow when more reports are stored or updated (each
    time rendered, not served as kept: tests/test_kept_pages.py proves the kept path)."""
    app.config["KEPT_PAGES_MINUTES"] = 0
    who = people["mio"] if url == "/reports" else people["secretary"]
    client = signed_in(app, who)
    client.get(url)
    with count_queries(app) as before:
        assert client.get(url).status_code == 200
    # more data: 40 updates across many reports, and an event checkpoint with reports
    reports = db.exec(select(Report).where(Report.status == "not_started").limit(40)).all()
    for report in reports:
        report.status, report.version = "in_progress", report.version + 1
        db.add(report)
    db.commit()
    with count_queries(app) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before), (url, len(before), len(after))


def test_my_work_groups_returned_overdue_and_this_quarter(app, db, people):
    """A МИО focal point sees the akimats' work: returned first, then overdue with days, with a link to report."""
    report = report_of(db, "conflict-prevention-2025-2026/2", "2026-H1", "АКИМАТ-АЛМАТЫ")
    post(app, db, report.id, people["mio"], "submitted", note="x", no_evidence_reason="ДСП")
    post(app, db, report.id, people["secretary"], "returned", reason="Нет данных по районам")
    page = signed_in(app, people["mio"]).get("/reports").get_data(as_text=True)
    returned = page.split('id="returned"')[1].split('id="overdue"')[0]
    assert f"/reports/{report.id}" in returned and "АКИМАТ-АЛМАТЫ" in returned
    assert "дн. просрочки" in page.split('id="overdue"')[1]
    assert page.count(">Отчитаться</a>") >= 20


def test_dashboard_shows_counts_charts_and_the_league_table(app, db, people):
    """Counts by status, SVG charts (no scripts), and the on-time league table for a quarter: МТСЗН first after
    submitting its 2025-Q4 reports on time."""
    reports = [report_of(db, f"conflict-prevention-2025-2026/{n}", "2025-Q4", "МТСЗН") for n in (1, 4, 10)]
    for report in reports:
        due = db.get(Checkpoint, report.checkpoint_id).due_on
        post(app, db, report.id, people["fp"], "submitted", note="x", no_evidence_reason="ДСП",
             now=datetime.combine(due - timedelta(days=2), time(5), UTC))
    page = signed_in(app, people["observer"]).get(
        "/instruments/conflict-prevention-2025-2026/dashboard?quarter=2025-Q4").get_data(as_text=True)
    assert page.count("<svg") == 3 and "<script" not in page
    league = page.split('id="league"')[1]
    first_row = re.search(r'<tbody>\s*<tr><td class="num">1</td><td>(\S+)', league).group(1)
    assert first_row == "МТСЗН"
    on_time, total = re.search(r'МТСЗН.*?<td class="num">(\d+)</td><td class="num">(\d+)</td>', league, re.S).groups()
    assert on_time == "3" and int(total) > 3
    assert "Отчёт об исполнении к заседанию" not in page  # observers do not get the drafts-quoting report


def test_public_view_shows_only_accepted_and_public(app, client, db, people):
    """Without signing in: the public ILO roadmap shows an accepted checkpoint and its public file; a draft's
    note, a non-public file and non-public instruments stay hidden."""
    accepted = report_of(db, "decent-work-2024-2025/1.1", "2024-Q3", "МОТ")
    ilo = make_user(db, "ilo@example.kz", "focal_point", orgs=["МОТ"])
    post(app, db, accepted.id, ilo, "submitted", note="Секретная черновая заметка", files=[("public.pdf", PDF)],
         public_evidence=True)
    post(app, db, accepted.id, ilo, "in_progress", note="Ещё черновик", files=[("private.pdf", PDF + b"2")])
    post(app, db, accepted.id, ilo, "submitted", note="Финал", no_evidence_reason="—")
    post(app, db, accepted.id, people["dw_secretary"], "accepted")
    draft = report_of(db, "decent-work-2024-2025/1.2", "2024-Q3", "МОТ")
    post(app, db, draft.id, ilo, "submitted", note="Не принято", files=[("draft.pdf", PDF + b"3")],
         public_evidence=True)
    page = client.get("/public/decent-work-2024-2025").get_data(as_text=True)
    assert "2024-Q3" in page and "public.pdf" in page
    assert "private.pdf" not in page and "draft.pdf" not in page and "черновая" not in page
    link = re.search(r'/public/evidence/(\d+)', page).group(0)
    assert client.get(link).data == PDF
    assert client.get("/public/conflict-prevention-2025-2026").status_code == 404
    assert "decent-work" in client.get("/public/").get_data(as_text=True)
    # the full view needs sign-in
    assert redirect_target(client.get("/instruments/decent-work-2024-2025")).startswith("/login?next=")


def test_public_evidence_of_a_co_executor_is_not_published(app, client, db, people):
    """One rule for the public view and its download: a public-marked file on a co-executor's accepted report
    is neither listed nor downloadable, like anything the public page does not show."""
    co_report = report_of(db, "decent-work-2024-2025/1.1", "2024-Q3", "МТСЗН")  # МОТ leads 1.1
    fp = make_user(db, "mtszn@example.kz", "focal_point", orgs=["МТСЗН"])
    post(app, db, co_report.id, fp, "submitted", files=[("co.pdf", PDF + b"co")], public_evidence=True)
    post(app, db, co_report.id, people["dw_secretary"], "accepted")
    item = db.exec(select(Evidence).where(Evidence.report_id == co_report.id)).one()
    assert "co.pdf" not in client.get("/public/decent-work-2024-2025").get_data(as_text=True)
    assert client.get(f"/public/evidence/{item.id}").status_code == 404


def test_observers_and_the_public_read_what_was_done_on_accepted_reports(app, client, db, world):
    """An observer saw statuses but every report link answered 404: now an accepted report shows the reporters'
    note (never the secretary's comment) and the evidence marked public, and nothing of a report not yet
    accepted; the public page of a public instrument shows the same note."""
    from .conftest import make_user, signed_in
    from .reporting_helpers import PDF, post, report_of

    focal = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=["world"])
    accepted = report_of(db, "world/1.1", "2025", "МТСЗН")
    post(app, db, accepted.id, focal, "submitted", note="Система **внедрена** в 17 областях", public_evidence=True,
         files=[("Справка.pdf", PDF)])
    post(app, db, accepted.id, focal, "in_progress", note="Черновик, не для всех", files=[("черновик.pdf", PDF + b"1")])
    post(app, db, accepted.id, focal, "submitted", note="Система **внедрена** в 17 областях", no_evidence_reason=None)
    post(app, db, accepted.id, secretary, "accepted", note="Принято. Спасибо.")
    pending = report_of(db, "world/1.4", "2025-Q1", "МТСЗН")
    post(app, db, pending.id, focal, "submitted", note="На проверке", no_evidence_reason="ДСП")
    observer = signed_in(app, make_user(db, "obs@example.kz", "observer"))
    page = observer.get(f"/reports/{accepted.id}").get_data(as_text=True)
    assert "Система <strong>внедрена</strong> в 17 областях" in page and "Справка.pdf" in page
    assert "Принято. Спасибо." not in page and "черновик.pdf" not in page and "Черновик" not in page
    link = re.search(r'href="(/evidence/\d+)"', page).group(1)
    assert observer.get(link).data == PDF
    assert observer.get(f"/reports/{pending.id}").status_code == 404
    public = client.get("/public/world").get_data(as_text=True)
    assert "Система <strong>внедрена</strong> в 17 областях" in public and "Принято. Спасибо." not in public
    assert "На проверке" not in public
