"""One truth: a figure is computed once and every surface that shows it gives the same number."""

import re
from datetime import UTC, date, datetime

from sqlmodel import select

from tracker.as_of import Moment
from tracker.insight.figures import (
    checkpoint_states,
    instrument_overview,
    instrument_progress,
    on_time_rates,
    progress,
)
from tracker.insight.overdue import Filters, overdue_page, overdue_totals
from tracker.models import Instrument, Organization
from tracker.notify.digests import build_digest
from tracker.periods import Period
from tracker.statuses import days_late, is_on_time
from tracker.web.views import dashboards

from .conftest import make_user, signed_in
from .reporting_helpers import post, report_of

KEY = "conflict-prevention-2025-2026"
TODAY = date(2026, 11, 21)  # the suite's fixed date (conftest.NOW)


def test_home_and_dashboard_count_the_same_checkpoints(app, db, synced):
    """The conflict roadmap's checkpoints on the home page are the sum of its dashboard's "checkpoints by status",
    and its overdue checkpoints are the dashboard's overdue: a group lead (МИО: 20 akimats) is one checkpoint."""
    instrument = db.exec(select(Instrument).where(Instrument.key == KEY)).one()
    row = next(r for r in instrument_overview(db, Moment.today(TODAY)).rows if r["instrument"].key == KEY)
    counts, sections = progress(db, Moment.today(TODAY), instrument.id)
    assert sum(counts.values()) == row["checkpoints"] == sum(p.total for p in sections)
    assert counts.get("overdue", 0) == row["overdue"]
    assert len(checkpoint_states(db, Moment.today(TODAY), [instrument.id])) == row["checkpoints"]
    observer = make_user(db, "observer@example.kz", "observer")
    client = signed_in(app, observer)
    home = client.get("/").get_data(as_text=True)
    home_row = home.split(f"href=\"/instruments/{KEY}\"")[1]
    shown = [int(n) for n in re.findall(r'<td class="num[^"]*">(\d+)</td>', home_row)[:3]]
    assert shown[1:] == [row["checkpoints"], row["overdue"]]
    page = client.get(f"/instruments/{KEY}/dashboard").get_data(as_text=True)
    by_status = page.split('id="by-status"')[1].split("</section>")[0]
    assert sum(int(n.replace("\u202f", "").replace("\xa0", "").replace(" ", ""))
               for n in re.findall(r"<strong>([\d\s\u202f\xa0]+)</strong>", by_status)) == row["checkpoints"]


def test_one_lateness_rule_for_the_league_table_and_the_digest(app, db, synced):
    """Submitted early, returned, resubmitted late, accepted: on time by its first submission in the league
    table and in the focal point's digest alike, and "done 0 days late"."""
    report = report_of(db, "decent-work-2024-2025/2.2", "2025-Q1", "МТСЗН")  # МТСЗН leads 2.2, due 31.03.2025
    fp = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=["decent-work-2024-2025"])
    moments = [datetime(2025, 3, 20, 5, tzinfo=UTC), datetime(2025, 3, 25, 5, tzinfo=UTC),
               datetime(2025, 4, 20, 5, tzinfo=UTC), datetime(2025, 4, 22, 5, tzinfo=UTC)]
    post(app, db, report.id, fp, "submitted", note="Протокол", no_evidence_reason="ДСП", now=moments[0])
    post(app, db, report.id, secretary, "returned", reason="Приложите протокол", now=moments[1])
    post(app, db, report.id, fp, "submitted", note="Протокол приложен", no_evidence_reason="ДСП", now=moments[2])
    post(app, db, report.id, secretary, "accepted", now=moments[3])
    instrument = db.exec(select(Instrument).where(Instrument.key == "decent-work-2024-2025")).one()
    [rate] = [r for r in on_time_rates(db, Moment.today(TODAY), instrument_ids=[instrument.id], start=date(2025, 3, 31),
                                       end=date(2025, 3, 31)) if r.code == "МТСЗН"]
    assert rate.on_time == 1  # МТСЗН's only submitted report due that day counts as on time
    with app.test_request_context():
        digest = build_digest(db, fp, Period.parse("2025-Q2"), date(2025, 4, 1))
    assert report.id not in [line.report_id for line in digest["focal"].late]
    assert digest["focal"].accepted >= 1
    assert is_on_time(moments[0], date(2025, 3, 31)) and not is_on_time(moments[2], date(2025, 3, 31))
    assert days_late(moments[0], date(2025, 3, 31), TODAY) == 0
    assert days_late(moments[2], date(2025, 3, 31), TODAY) == 20


def test_co_executors_are_shown_beside_the_lead(app, db, synced):
    """Measure 1.1 of the ILO roadmap: МОТ leads, МТСЗН, РОП and РОР co-execute. After МТСЗН reports, the
    execution report says "1 of 3" co-executors reported, and the dashboard's section table adds it up."""
    co_report = report_of(db, "decent-work-2024-2025/1.1", "2024-Q3", "МТСЗН")
    fp = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    post(app, db, co_report.id, fp, "submitted", note="Предложения направлены", no_evidence_reason="ДСП")
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=["decent-work-2024-2025"])
    client = signed_in(app, secretary)
    page = client.get("/instruments/decent-work-2024-2025/execution-report?quarter=2024-Q3&as_of=today"
                      ).get_data(as_text=True)
    measure = page.split("Оказать экспертную поддержку")[1].split("</tr>")[0]
    assert "соисполнители: 1 из 3; не отчитались: РОП, РОР" in measure
    instrument = db.exec(select(Instrument).where(Instrument.key == "decent-work-2024-2025")).one()
    _counts, sections = progress(db, Moment.today(TODAY), instrument.id)
    first = sections[0]
    dashboard = client.get("/instruments/decent-work-2024-2025/dashboard").get_data(as_text=True)
    assert first.co_answered == 1 and f"{first.co_answered} из {first.co_total}" in dashboard


def test_the_dashboard_shows_the_top_of_long_lists_and_links_to_the_rest(app, db, synced, monkeypatch):
    """A national league table has 600 rows and the overdue chart as many organizations: the dashboard shows the
    first 20 of each with «и ещё N организаций →»; the league's own page holds them all, paged, in the same order,
    keeping the quarter and the day judged."""
    quarters = [Period.parse(f"{year}-Q{q}") for year in (2025, 2026) for q in (1, 2, 3, 4)]
    rates = {q.label: on_time_rates(db, Moment.end_of(date(2026, 11, 1)), instrument_ids=None,
                                   start=q.starts_on, end=q.ends_on)
             for q in quarters}
    quarter, league = max(rates.items(), key=lambda item: len(item[1]))
    assert len(league) > 20, "the roadmaps must give a quarter with more than 20 organizations due"
    client = signed_in(app, make_user(db, "sec@example.kz", "secretary", instruments=[KEY]))
    page = client.get(f"/dashboard?quarter={quarter}&as_of=2026-11-01").get_data(as_text=True)
    table = page.split('class="list league"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 20  # the header and the top 20
    more = f"/dashboard/league?quarter={quarter}&amp;as_of=2026-11-01"
    assert f'<a href="{more}">и ещё {len(league) - 20} организаций →</a>' in page
    totals = overdue_totals(db, Filters(), Moment.end_of(date(2026, 11, 1)))
    assert len(totals) > 20, "the roadmaps must give more than 20 organizations with overdue reports"
    chart = page.split("Просрочено по организациям</h2>")[1].split("</svg>")[0]
    assert chart.count('fill="#2f6f9f"') == 20  # one bar per organization shown
    assert f"и ещё {len(totals) - 20} организаций →" in page
    monkeypatch.setattr(dashboards, "LEAGUE_PAGE", 10)  # several pages from the roadmaps' few dozen organizations
    shown, number, pages = [], 1, 1
    while number <= pages:
        body = client.get(f"/dashboard/league?quarter={quarter}&as_of=2026-11-01&page={number}").get_data(as_text=True)
        pages = int(re.search(r"Страница \d+ из (\d+)", body).group(1))
        shown += re.findall(r'<tr><td class="num">\d+</td><td>(\S+) <small', body)
        assert "по состоянию на конец дня" in body
        number += 1
    assert shown == [rate.code for rate in league]  # every organization once, in the dashboard's order


def test_the_dashboard_shows_the_least_advanced_instruments_and_links_to_every_one(app, db, synced, monkeypatch):
    """A national dashboard listed all 100 instruments twice (their progress, their indicators): it now shows the
    least advanced (and the instruments whose indicators lag most) with «и ещё N инструментов →», keeping the day;
    that list, paged, holds every instrument once, least advanced first, with the dashboard's figures."""
    monkeypatch.setattr(dashboards, "TOP", 1)  # the roadmaps have a few instruments, not a hundred
    day = date(2026, 11, 1)
    _counts, progress_rows = instrument_progress(db, Moment.end_of(day))
    assert len(progress_rows) > 2
    client = signed_in(app, make_user(db, "sec@example.kz", "secretary", instruments=[KEY]))
    page = client.get(f"/dashboard?as_of={day}").get_data(as_text=True)
    table = page.split('id="by-instrument"')[1].split("</table>")[0]
    assert table.count("<tr>") == 1 + 1 and progress_rows[0].instrument.key in table
    assert f'<a href="/dashboard/instruments?as_of={day}">и ещё {len(progress_rows) - 1} инструментов →</a>' in page
    monkeypatch.setattr(dashboards, "INSTRUMENTS_PAGE", 2)  # several pages from the roadmaps' few instruments
    listed, number, pages = [], 1, 1
    while number <= pages:
        body = client.get(f"/dashboard/instruments?as_of={day}&page={number}").get_data(as_text=True)
        pages = int(re.search(r"Страница \d+ из (\d+)", body).group(1))
        assert "по состоянию на конец дня" in body and f"инструментов: {len(progress_rows)}" in body
        on_page = re.findall(r'<a href="/instruments/([^/"]+)/dashboard\?as_of=2026-11-01">', body)
        assert len(on_page) <= 2
        for key in on_page:
            row = next(row for row in progress_rows if row.instrument.key == key)
            assert f"{row.done} из {row.total}" in body.split(f"/instruments/{key}/dashboard")[1]
        if number < pages:
            assert f'href="/dashboard/instruments?as_of={day}&amp;page={number + 1}">дальше →' in body
        listed += on_page
        number += 1
    assert pages == (len(progress_rows) + 1) // 2
    assert listed == [row.instrument.key for row in progress_rows]  # every instrument once, in the dashboard's order


def test_todays_overdue_totals_from_the_kept_counts_equal_the_reports_listed(db, synced):
    """Today's totals per organization add up the kept counts (migration 0026); narrowed by instrument, a
    secretary's instruments, an organization, a group's members or due dates, they equal the overdue reports the
    view lists, organization by organization."""
    today = Moment.today(TODAY)
    instrument = db.exec(select(Instrument).where(Instrument.key == KEY)).one()
    members = frozenset(db.exec(select(Organization.id).where(Organization.code.in_(("МТСЗН", "МНЭ")))))
    for filters, instrument_ids in ((Filters(), None), (Filters(instrument=KEY), None), (Filters(), [instrument.id]),
                                    (Filters(organization="МТСЗН"), None), (Filters(organization_ids=members), None),
                                    (Filters(due_from=date(2025, 7, 1), due_to=date(2025, 12, 31)), None)):
        page, totals = overdue_page(db, filters, today, instrument_ids=instrument_ids, page_size=None)
        listed: dict[str, int] = {}
        for row in page.rows:
            listed[row.organization.code] = listed.get(row.organization.code, 0) + 1
        assert dict(totals) == listed and listed, filters
        assert [n for _code, n in totals] == sorted((n for _code, n in totals), reverse=True)
    everything = dict(overdue_page(db, Filters(), today, page_size=None)[1])
    instrument.retired_at = datetime(2026, 1, 1, tzinfo=UTC)  # a retired instrument's reports are overdue nowhere
    db.commit()
    page, totals = overdue_page(db, Filters(), today, page_size=None)
    listed = {}
    for row in page.rows:
        listed[row.organization.code] = listed.get(row.organization.code, 0) + 1
    assert dict(totals) == listed and sum(listed.values()) < sum(everything.values())


def test_the_overdue_view_totals_the_top_and_the_dashboard_link_shows_them_all(app, db, synced):
    """The overdue view's totals list the 20 organizations most overdue, with «и ещё N организаций →» that keeps
    the filters and shows all; the dashboard's own «и ещё N организаций →» under its chart opens that whole list."""
    instrument_ids = [db.exec(select(Instrument.id).where(Instrument.key == KEY)).one()]
    scope = overdue_totals(db, Filters(), Moment.today(TODAY), instrument_ids=instrument_ids)
    narrowed = overdue_totals(db, Filters(status="not_started"), Moment.today(TODAY), instrument_ids=instrument_ids)
    assert len(narrowed) > 20, "the roadmap must give more than 20 organizations with overdue reports"
    client = signed_in(app, make_user(db, "sec@example.kz", "secretary", instruments=[KEY]))

    def listed(body):
        table = body.split('id="totals"')[1].split("</table>")[0]
        return [(code, int(n)) for code, n in re.findall(r'>([^<>]+)</a></td><td class="num">(\d+)</td>', table)]

    page = client.get("/overdue?status=not_started").get_data(as_text=True)
    assert listed(page) == narrowed[:20]
    link = re.search(r'<a href="([^"]+#totals)">и ещё (\d+) организаций →</a>', page)
    assert int(link.group(2)) == len(narrowed) - 20 and "status=not_started" in link.group(1)
    assert listed(client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)) == narrowed
    dashboard = client.get(f"/instruments/{KEY}/dashboard").get_data(as_text=True)
    more = re.search(r'<a href="(/overdue\?[^"]*totals=all[^"]*)">и ещё (\d+) организаций →</a>', dashboard)
    assert int(more.group(2)) == len(scope) - 20
    assert listed(client.get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)) == scope
