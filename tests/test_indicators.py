"""Target indicators (issue 23): written in the YAML and checked with file:line errors, values reported and judged
in the same flow as statuses with their history, judged by one written rule, read as of any day, drawn."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from tracker.as_of import Moment
from tracker.catalog.loader import load_catalog
from tracker.catalog.lookups import indicator_by_key
from tracker.insight import indicators
from tracker.models import AuditEvent, Indicator, IndicatorValue, OutboxMessage
from tracker.people.permissions import access_for
from tracker.reporting import indicator_values

from .conftest import NOW, csrf_token, make_user, signed_in, write_instrument

WAGES = "general-agreement-2024-2026/wage-arrears"  # reporter МТСЗН, down, baseline 4.5 (2024), no target
REGIONAL = "example-almaty-region-2026/regional-wage-arrears"  # down 820 → 600 (2026-H1) → 400 (2026), ±10 %

INDICATOR = """\
instrument:
  key: test-roadmap
  kind: roadmap
  title: {{ru: "Тестовая дорожная карта"}}
  valid_from: 2025-01-01
  valid_to: 2026-12-31
  completeness: complete
sections:
  - number: "1"
    title: {{ru: "Раздел"}}
    obligations:
      - number: "1"
        text: "Мера"
        deadline: "Ежегодно"
        owners: ["МТСЗН"]
        indicators:
          - key: arrears
            name: {{ru: "Задолженность"}}
            unit: {unit}
            direction: down
            baseline: {{value: 10, date: 2024-12-31, source: "отчёт"}}
            targets:
              - {{period: "{period}", value: 5, source: "план"}}
            reporter: "{reporter}"
"""


def _problems(folder, **changes) -> list[str]:
    values = dict(unit="billion_tenge", period="2026", reporter="МТСЗН") | changes
    write_instrument(folder, body=INDICATOR.format(**values))
    return [str(p) for p in load_catalog(folder).problems]


def test_a_valid_indicator_loads_and_each_mistake_names_its_file_and_line(roadmaps_dir):
    """A correct indicator gives no problem; a unit not in the list, a target after the validity, an unknown
    reporter and a period that is not one each give `file:line: path: message`."""
    assert _problems(roadmaps_dir) == []
    assert _problems(roadmaps_dir, unit="mln tenge") == [
        "test-roadmap.yaml:19: sections[0].obligations[0].indicators[0].unit: Input should be 'percent', 'count', "
        "'people', 'enterprises', 'agreements', 'conflicts', 'days', 'tenge', 'thousand_tenge', 'million_tenge', "
        "'billion_tenge' or 'index'"]
    assert _problems(roadmaps_dir, period="2027") == [
        "test-roadmap.yaml:23: sections[0].obligations[0].indicators[0].targets[0].period: indicator arrears: target "
        "for 2027 lies outside the instrument's validity (2025-01-01 – 2026-12-31)"]
    assert _problems(roadmaps_dir, reporter="МИНТРУД") == [
        "test-roadmap.yaml:24: sections[0].obligations[0].indicators[0].reporter: indicator arrears: unknown "
        "reporter 'МИНТРУД'; add it (or an alias) to organizations.yaml"]
    assert _problems(roadmaps_dir, period="второе полугодие") == [
        "test-roadmap.yaml:23: sections[0].obligations[0].indicators[0].targets[0].period: indicator arrears: target "
        "period «второе полугодие» is not a period: write 2026, 2026-H1 or 2026-Q3"]


def test_a_band_needs_its_band_and_a_number_must_be_a_number(roadmaps_dir):
    """direction: band without `band:` and a quoted number are refused where they are written."""
    body = INDICATOR.format(unit="percent", period="2026", reporter="МТСЗН")
    write_instrument(roadmaps_dir, body=body.replace("direction: down", "direction: band"))
    assert [p.line for p in load_catalog(roadmaps_dir).problems] == [17]
    write_instrument(roadmaps_dir, body=body.replace("value: 5,", 'value: "5",'))
    problems = load_catalog(roadmaps_dir).problems
    assert [(p.line, p.message) for p in problems] == [
        (23, "'5' is not a number: write it without quotes, with a dot for decimals (4.5)")]


def _indicator(direction="up", baseline=(date(2025, 1, 1), 0.0), targets=(("2025", 100.0),), tolerance=10.0,
               band=None) -> Indicator:
    """An indicator held in memory only: the rule needs no database."""
    from tracker.periods import Period
    return Indicator(key="x/y", instrument_id=1, name_ru="x", unit="count", direction=direction,
                     band_low=band[0] if band else None, band_high=band[1] if band else None, tolerance=tolerance,
                     baseline_value=baseline[1], baseline_on=baseline[0], baseline_source="s",
                     targets=[dict(period=p, due_on=Period.from_label(p).ends_on.isoformat(), value=v, source="s",
                                   final=i == len(targets) - 1) for i, (p, v) in enumerate(targets)],
                     reporter_id=1, frequency="quarterly", content_hash="")


def test_the_rule_on_constructed_series():
    """Up from 0 to 100 over 2025 (tolerance 10 %): mid-year the line stands at ~50; 50 is on track, 41 at risk,
    39 off track. Down with no target: the line stays at the baseline. A band: inside, just outside, far outside."""
    up = _indicator()
    mid = date(2025, 7, 2)
    assert round(indicators.expected_at(up, mid)) == 50
    assert indicators.judge(up, 50.5, mid) == "on_track"
    assert indicators.judge(up, 41, mid) == "at_risk"
    assert indicators.judge(up, 39, mid) == "off_track"
    assert indicators.judge(up, 100, date(2026, 6, 30)) == "on_track"  # level after the last target
    assert indicators.judge(up, 95, date(2026, 6, 30)) == "at_risk"
    level = _indicator(direction="down", baseline=(date(2024, 12, 31), 4.5), targets=())
    assert indicators.expected_at(level, date(2025, 12, 31)) == 4.5
    assert indicators.judge(level, 2.6, date(2025, 12, 31)) == "on_track"
    assert indicators.judge(level, 4.9, date(2025, 12, 31)) == "at_risk"  # 10 % of the baseline: 0.45
    assert indicators.judge(level, 5.0, date(2025, 12, 31)) == "off_track"
    band = _indicator(direction="band", targets=(), band=(95.0, 100.0), tolerance=40)
    assert [indicators.judge(band, v, mid) for v in (97, 94, 92)] == ["on_track", "at_risk", "off_track"]


@given(start=st.floats(-1e6, 1e6), change=st.floats(1, 1e6), day=st.integers(0, 500),
       better=st.floats(0, 1e6), worse=st.floats(0, 1e6))
def test_the_rule_never_judges_a_better_value_worse(start, change, day, better, worse):
    """For any straight plan: the value on the line is on track, and a value further in the good direction is never
    judged worse than one further in the bad direction."""
    for direction, sign in (("up", 1), ("down", -1)):
        plan = _indicator(direction=direction, baseline=(date(2025, 1, 1), start),
                          targets=(("2025", start + sign * change),))
        on = date(2025, 1, 1) + timedelta(days=day)
        line = indicators.expected_at(plan, on)
        assert indicators.judge(plan, line, on) == "on_track"
        rank = {"on_track": 0, "at_risk": 1, "off_track": 2}
        assert rank[indicators.judge(plan, line + sign * better, on)] <= rank[indicators.judge(
            plan, line - sign * worse, on)]


def _post_value(client, key, **fields):
    page = f"/indicators/{key}"
    return client.post(f"{page}/values", data={"csrf_token": csrf_token(client, page), **fields})


def _verdict(client, value_id, key, verdict, note=""):
    return client.post(f"/indicator-values/{value_id}/verdict", data={
        "csrf_token": csrf_token(client, f"/indicators/{key}"), "verdict": verdict, "note": note})


def test_report_return_accept_and_correct_keep_every_value_in_the_history(app, db, synced):
    """МТСЗН's focal point reports 2025's wage arrears («2,6» with a comma); the РТК secretary returns it without a
    note (refused), then with one, and the reporter is emailed why; the corrected value is accepted and judged; a
    later correction replaces it once accepted, and the page's history, the audit trail and the judgement follow
    every step."""
    ministry = signed_in(app, make_user(db, "mtszn@example.kz", "focal_point", orgs=["МТСЗН"]))
    secretary = signed_in(app, make_user(db, "secretary@example.kz", "secretary", commissions=["rtk"]))
    form = dict(period="2025", value="2,9", source="Письмо МТСЗН № 1", evidence_url="https://enbek.kz/ru/news/1")
    assert _post_value(ministry, WAGES, **form).status_code == 302
    first = db.exec(select(IndicatorValue).where(IndicatorValue.value == 2.9)).one()
    assert first.state == "submitted"
    again = _post_value(ministry, WAGES, **form)  # one submission of a period awaits a verdict at a time
    assert "уже ждёт решения" in ministry.get(again.headers["Location"]).get_data(as_text=True)
    refused = _verdict(secretary, first.id, WAGES, "returned")
    assert "без комментария" in secretary.get(refused.headers["Location"]).get_data(as_text=True)
    assert _verdict(secretary, first.id, WAGES, "returned", "Уточните по данным статистики").status_code == 302
    told = db.exec(select(OutboxMessage).where(OutboxMessage.kind == "indicator_returned")).one()
    assert told.to_email == "mtszn@example.kz" and "Уточните по данным статистики" in told.body_text
    assert f"/indicators/{WAGES}#report" in told.body_text
    _post_value(ministry, WAGES, **form | {"value": "2,6"})
    second = db.exec(select(IndicatorValue).where(IndicatorValue.value == 2.6)).one()
    _verdict(secretary, second.id, WAGES, "accepted")
    stale = _verdict(secretary, second.id, WAGES, "returned", "поздно")  # a verdict on a stale page
    assert "уже принято" in secretary.get(stale.headers["Location"]).get_data(as_text=True)
    db.expire_all()
    view = indicators.indicator_views(db, Moment.today(date(2026, 11, 21)), keys=[WAGES])[0]
    assert [(p.period, p.value, p.judgement) for p in view.points] == [("2025", 2.6, "on_track")]
    _post_value(ministry, WAGES, **form | {"value": "4,8"})  # a correction: worse than the baseline of 4.5
    correction = db.exec(select(IndicatorValue).where(IndicatorValue.value == 4.8)).one()
    view = indicators.indicator_views(db, Moment.today(date(2026, 11, 21)), keys=[WAGES])[0]
    assert view.latest.value == 2.6  # until the correction is accepted
    _verdict(secretary, correction.id, WAGES, "accepted")
    db.expire_all()
    view = indicators.indicator_views(db, Moment.today(date(2026, 11, 21)), keys=[WAGES])[0]
    assert (view.latest.value, view.judgement) == (4.8, "at_risk")
    page = secretary.get(f"/indicators/{WAGES}").get_data(as_text=True)
    history = page[page.index('id="history"'):]
    assert [history.count(word) for word in ("принято", "возвращено", "Уточните по данным статистики")] == [2, 1, 1]
    actions = list(db.exec(select(AuditEvent.action).where(AuditEvent.object_id == WAGES,
                                                           AuditEvent.action.startswith("indicator_value"))
                           .order_by(AuditEvent.id)))
    assert actions == ["indicator_value.submit", "indicator_value.return", "indicator_value.submit",
                       "indicator_value.accept", "indicator_value.submit", "indicator_value.accept"]


def test_whoever_may_not_report_or_judge_is_refused_with_nothing_written(app, db, synced):
    """Another ministry's focal point gets 404 on the form's address; the reporter cannot judge their own value;
    a secretary of another commission cannot judge it either; a period the indicator does not have is refused."""
    other = signed_in(app, make_user(db, "mju@example.kz", "focal_point", orgs=["МЮ"]))
    ministry = signed_in(app, make_user(db, "mtszn@example.kz", "focal_point", orgs=["МТСЗН"]))
    regional = signed_in(app, make_user(db, "region@example.kz", "secretary", commissions=["almaty-region-example"]))
    assert other.post(f"/indicators/{WAGES}/values", data={"period": "2025", "value": "1", "source": "x"}
                      ).status_code in (400, 404)
    bad = _post_value(ministry, WAGES, period="2031", value="1", source="x")
    assert "не подходит" in ministry.get(bad.headers["Location"]).get_data(as_text=True)
    _post_value(ministry, WAGES, period="2025", value="3", source="x")
    row = db.exec(select(IndicatorValue)).one()
    user = make_user(db, "both@example.kz", "focal_point", orgs=["МТСЗН"])
    with pytest.raises(indicator_values.IndicatorError):
        indicator_values.decide(session=db, row=row, verdict="accepted", note=None, actor=user,
                                access=access_for(db, user), now=NOW)
    assert regional.post(f"/indicator-values/{row.id}/verdict", data={"verdict": "accepted"}).status_code in (400,
                                                                                                          404)
    db.expire_all()
    assert db.get(IndicatorValue, row.id).state == "submitted"


def _record(db, key, period, value, accepted_at: datetime):
    indicator = indicator_by_key(db, key)
    from tracker.periods import Period
    db.add(IndicatorValue(indicator_id=indicator.id, period=period, period_end=Period.from_label(period).ends_on,
                          value=value, source="s", organization_id=indicator.reporter_id, state="accepted",
                          submitted_at=accepted_at, decided_at=accepted_at))
    db.commit()


def test_values_as_of_a_past_day_are_the_ones_accepted_by_then(app, db, synced):
    """Q1 accepted in April, Q2 in July, Q1 corrected in August: the end of May sees Q1 only (its first value),
    the end of July both, today the corrected Q1; the indicator page as of a day says so too."""
    at = lambda d: datetime(2026, d[0], d[1], 10, tzinfo=UTC)  # noqa: E731
    _record(db, REGIONAL, "2026-Q1", 760, at((4, 15)))
    _record(db, REGIONAL, "2026-Q2", 640, at((7, 15)))
    _record(db, REGIONAL, "2026-Q1", 700, at((8, 10)))

    def seen(day):
        view = indicators.indicator_views(db, Moment.end_of(day), keys=[REGIONAL])[0]
        return [(p.period, p.value) for p in view.points]
    assert seen(date(2026, 3, 31)) == []
    assert seen(date(2026, 5, 31)) == [("2026-Q1", 760)]
    assert seen(date(2026, 7, 31)) == [("2026-Q1", 760), ("2026-Q2", 640)]
    today = indicators.indicator_views(db, Moment.today(date(2026, 11, 21)), keys=[REGIONAL])[0]
    assert [(p.period, p.value) for p in today.points] == [("2026-Q1", 700), ("2026-Q2", 640)]
    client = signed_in(app, make_user(db, "observer@example.kz", "observer"))
    page = client.get(f"/indicators/{REGIONAL}?as_of=2026-05-31").get_data(as_text=True)
    assert "760" in page and "640" not in page
    # lists read the latest period alone (latest_only): the same latest value, corrected or not, on every day
    _record(db, REGIONAL, "2026-Q2", 600, at((9, 1)))
    for when in (Moment.end_of(date(2026, 5, 31)), Moment.end_of(date(2026, 8, 20)), Moment.today(date(2026, 11, 21))):
        full, latest = (indicators.indicator_views(db, when, keys=[REGIONAL], latest_only=only)[0]
                        for only in (False, True))
        assert (latest.latest.period, latest.latest.value, latest.judgement) == (
            full.latest.period, full.latest.value, full.judgement)
        # the tallies' and tops' plain judgements: every indicator's, in the lists' order, as the views judge it
        views = indicators.worst_first(indicators.indicator_views(db, when))
        assert [(j.key, j.judgement) for j in indicators.judged(db, when)] == [
            (v.indicator.key, v.judgement) for v in views]
        assert [v.indicator.key for v in indicators.views_of(db, when, indicators.judged(db, when)[:2])] == [
            v.indicator.key for v in views[:2]]
    assert indicators.indicator_views(db, Moment.today(date(2026, 11, 21)), keys=[REGIONAL],
                                      latest_only=True)[0].latest.value == 600


def test_the_measure_page_draws_the_chart_with_the_table_beneath(app, db, synced):
    """The example's measure 1: the SVG holds the planned line through the targets, the baseline ring and one dot
    per accepted value coloured by its judgement; the table beneath lists the same values."""
    _record(db, REGIONAL, "2026-Q1", 760, datetime(2026, 4, 15, tzinfo=UTC))
    _record(db, REGIONAL, "2026-Q3", 520, datetime(2026, 10, 15, tzinfo=UTC))
    client = signed_in(app, make_user(db, "observer@example.kz", "observer"))
    page = client.get("/obligations/example-almaty-region-2026/1").get_data(as_text=True)
    chart = page[page.index('<svg class="chart indicator-chart"'):page.index("</svg>", page.index("indicator-chart"))]
    assert chart.count('class="plan"') == 1 and chart.count('class="baseline"') == 1
    assert chart.count('class="value off_track"') == 1 and chart.count('class="value at_risk"') == 1
    table = page[page.index("</svg>"):page.index("Контрольные точки")]
    assert "2026-Q1" in table and "2026-Q3" in table and "отстаёт" in table and "под угрозой" in table


def test_dashboard_report_digest_and_api_show_the_indicators_off_track_first(app, db, synced):
    """The regional example's wage arrears off track (760 at Q1 against a line at ~711) shows first on the
    dashboard, in the execution report of its instrument, in the secretary's digest and in the API with its values;
    the export names it «отстаёт»; as of a day before it was accepted, the API has no value for it."""
    from tracker import audit
    from tracker.notify.digests import render_digest
    from tracker.people import tokens
    from tracker.periods import Period

    _record(db, REGIONAL, "2026-Q1", 760, datetime(2026, 4, 15, tzinfo=UTC))
    secretary = make_user(db, "region@example.kz", "secretary", commissions=["almaty-region-example"])
    client = signed_in(app, secretary)
    dashboard = client.get("/dashboard").get_data(as_text=True)
    listed = dashboard[dashboard.index('id="indicators"'):]
    assert listed.index("Задолженность по заработной плате на предприятиях области") < listed.index(
        "Доля предприятий, выплачивающих")
    assert "отстаёт" in listed[:listed.index("</tr>", listed.index("на предприятиях области"))]
    report = client.get("/instruments/example-almaty-region-2026/execution-report").get_data(as_text=True)
    assert "Целевые индикаторы: отстают и под угрозой" in report and "на предприятиях области" in report
    export = client.get("/dashboard/indicators.csv?instrument=example-almaty-region-2026").get_data(as_text=True)
    assert "отстаёт" in export.splitlines()[1]
    with app.test_request_context():
        _subject, text, _html = render_digest(db, secretary, Period.quarter(2026, 4), date(2026, 10, 1), app=app)
    assert "Целевые индикаторы: отстают и под угрозой" in text and "760" in text
    token = tokens.create_token(session=db, user=secretary, name="ИС", scope="read", days=30, now=NOW,
                                by=audit.Actor(label="test")).secret
    db.commit()
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    found = api.get(f"/api/v1/indicators/{REGIONAL}", headers=headers).get_json()
    assert (found["judgement"], found["values"][0]["value"], found["values"][0]["judgement"]) == (
        "off_track", 760, "off_track")
    earlier = api.get(f"/api/v1/indicators/{REGIONAL}?as_of=2026-04-01", headers=headers).get_json()
    assert (earlier["judgement"], earlier["values"]) == ("no_data", [])
    listed = api.get("/api/v1/indicators?instrument=example-almaty-region-2026", headers=headers).get_json()
    assert [i["key"].split("/")[1] for i in listed["items"]] == [
        "regional-wage-arrears", "wages-paid-on-time", "trained-safety-representatives"]


def test_the_api_writes_the_day_asked_as_a_date(app, db, synced):
    """?as_of=0 is read as 1 January 1970 (a past day): the list says so as an ISO date, as its schema promises."""
    from tracker import audit
    from tracker.people import tokens

    user = make_user(db, "observer@example.kz", "observer")
    token = tokens.create_token(session=db, user=user, name="ИС", scope="read", days=30, now=NOW,
                                by=audit.Actor(label="test")).secret
    db.commit()
    listed = app.test_client().get("/api/v1/indicators?as_of=0", headers={"Authorization": f"Bearer {token}"})
    assert listed.get_json()["as_of"] == "1970-01-01"


def test_the_public_view_lists_public_indicators_only_the_worst_first_and_links_the_rest(app, db, synced, client,
                                                                                       monkeypatch):
    """Anyone sees the General Agreement's five public indicators (none of the regional example's, which are not
    public); the public index shows the first of them worst first and links the whole list."""
    from tracker.web.views import public

    monkeypatch.setattr(public, "SHOWN_INDICATORS", 2)
    index = client.get("/public/").get_data(as_text=True)
    assert index.count('href="/public/indicators/general-agreement-2024-2026/') == 2
    assert "и ещё 3 индикаторов" in index and "regional-wage-arrears" not in index
    everything = client.get("/public/indicators").get_data(as_text=True)
    assert everything.count('href="/public/indicators/general-agreement-2024-2026/') == 5
    assert client.get(f"/public/indicators/{REGIONAL}").status_code == 404
    assert "Задолженность по заработной плате" in client.get(f"/public/indicators/{WAGES}").get_data(as_text=True)
