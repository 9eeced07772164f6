"""The public rating of commissions (issue 21, item 6): per commission and quarter, figures equal to the dashboards
as of the quarter's end, frozen once the quarter is over, ranked on a public page with the method and the trend."""

from datetime import timedelta

from sqlmodel import select

from tracker.as_of import Moment
from tracker.insight import rating
from tracker.insight.bundles import dashboard_bundle
from tracker.insight.figures import checkpoint_states
from tracker.meetings import agenda
from tracker.meetings.agenda import Planned
from tracker.models import Commission, CommissionRating, Instrument
from tracker.notify.scheduler import tick
from tracker.people.permissions import access_for
from tracker.periods import Period

from .conftest import NOW, make_user
from .reporting_helpers import post, report_of

QUARTER = Period.parse("2025-Q4")
TODAY = NOW.date()


def _history(app, db):
    """Some reports of the conflict roadmap's 2025 checkpoints submitted, one late, one accepted; a meeting of
    РТК planned in the quarter and one held."""
    fp = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    secretary = make_user(db, "rtk@example.kz", "secretary", commissions=["rtk"])
    on_time = report_of(db, "conflict-prevention-2025-2026/3", "2025", "МТСЗН")
    post(app, db, on_time.id, fp, "submitted", note="Сделано", no_evidence_reason="—", now=NOW - timedelta(days=340))
    post(app, db, on_time.id, secretary, "accepted", now=NOW - timedelta(days=335))
    rtk = db.exec(select(Commission).where(Commission.key == "rtk")).one()
    with app.test_request_context():
        for number, day in (("1", QUARTER.starts_on + timedelta(days=20)), ("2", QUARTER.ends_on - timedelta(days=5))):
            agenda.plan(session=db, commission=rtk, planned=Planned(number, day, "10:00", "Астана"), actor=secretary,
                        access=access_for(db, secretary), now=NOW - timedelta(days=400))
    db.commit()
    return rtk


def test_the_rating_equals_the_dashboards_as_of_the_quarters_end(app, db, synced):
    """On-time reports and overdue reports of РТК's quarter are the sums of its instruments' dashboards as of the
    quarter's last day; checkpoints done are the states the dashboards count; meetings: two planned, none held."""
    rtk = _history(app, db)
    figures = rating.figures_of(db, rtk, QUARTER, TODAY)
    when = Moment.end_of(QUARTER.ends_on)
    instruments = db.exec(select(Instrument).where(Instrument.commission_id == rtk.id)).all()
    bundles = [dashboard_bundle(db, when, instrument=i, quarter=QUARTER) for i in instruments]
    assert figures.reports_due == sum(r.total for b in bundles for r in b.league) > 0
    assert figures.reports_on_time == sum(r.on_time for b in bundles for r in b.league) > 0
    assert figures.overdue_reports == sum(n for b in bundles for _code, n in b.overdue) > 0
    states = [s for s in checkpoint_states(db, when, [i.id for i in instruments])
              if QUARTER.starts_on <= s.due_on <= QUARTER.ends_on]
    assert (figures.checkpoints_due, figures.checkpoints_done) == (len(states),
                                                                   sum(s.status == "done" for s in states))
    assert (figures.meetings_planned, figures.meetings_held) == (2, 0) and figures.meetings_share == 0
    shares = [figures.done_share, figures.on_time_share, figures.meetings_share]
    assert figures.index == round(sum(shares) / 3, 1)  # no decision was due: not judged on decisions


def test_a_quarter_is_frozen_once_and_then_read_as_stored(app, db, synced):
    """The clock freezes the quarter just over for every commission; what is stored is what the page shows, even
    after later writes; a quarter not over cannot be frozen."""
    rtk = _history(app, db)
    with app.app_context():
        done = tick(app, now=NOW)
    assert done["rating"] == len(db.exec(select(Commission)).all())
    last = Moment.today(TODAY).last_complete_quarter()
    stored = db.exec(select(CommissionRating).where(CommissionRating.commission_id == rtk.id)).one()
    assert stored.quarter == last.label
    assert rating.freeze(db, last, TODAY, NOW) == 0  # never twice
    stored.figures = {**stored.figures, "reports_on_time": 0}  # what was published stands, whatever is computed
    db.commit()
    rated = next(r for r in rating.rating(db, last, TODAY) if r.commission.id == rtk.id)
    assert rated.frozen and rated.figures.reports_on_time == 0
    try:
        rating.freeze(db, Period.containing(TODAY, "quarterly"), TODAY, NOW)
    except ValueError as refused:
        assert "not over" in str(refused)
    else:
        raise AssertionError("a quarter under way was frozen")


def test_the_public_page_ranks_regions_and_industries_with_the_method(app, db, synced, runner):
    """/public/rating without signing in: the regional commissions and the industry ones side by side, the
    republican one below, the five figures, the method, the trend of frozen quarters; a quarter in the address."""
    _history(app, db)
    assert runner.invoke(args=["rating", "freeze", "--quarter", "2025-Q4"]).exit_code == 0
    page = app.test_client().get("/public/rating?quarter=2026-Q1").get_data(as_text=True)
    assert "Региональные комиссии" in page and "Отраслевые комиссии" in page and "Республиканская комиссия" in page
    assert "Как считается" in page and "Отчёты в срок" in page and "2025-Q4:" in page
    assert page.index("Региональные комиссии") < page.index("Республиканская комиссия")
    shown = runner.invoke(args=["rating", "show", "--quarter", "2025-Q4"])
    assert shown.exit_code == 0 and "rtk" in shown.output and "(not frozen)" not in shown.output
    assert runner.invoke(args=["rating", "freeze", "--quarter", "2099-Q1"]).exit_code != 0


def test_a_public_instruments_annual_report_is_published_with_public_content_only(app, db, world):
    """/public/world/report-2025.docx without signing in: the report of the year with the note of an accepted
    report and never the note of one still under review; a year outside the instrument's validity is a 404."""
    import io

    import docx

    from .conftest import make_user as person
    from .reporting_helpers import report_of as report

    fp = person(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    secretary = person(db, "sec@example.kz", "secretary", instruments=["world"])
    accepted = report(db, "world/1.1", "2025", "МТСЗН")
    in_2025 = NOW - timedelta(days=340)  # written during the year the report is about
    post(app, db, accepted.id, fp, "submitted", note="Проведено 40 семинаров", no_evidence_reason="—", now=in_2025)
    post(app, db, accepted.id, secretary, "accepted", now=in_2025)
    pending = report(db, "world/1.4", "2025-Q1", "МТСЗН")
    post(app, db, pending.id, fp, "submitted", note="Черновой текст на проверке", no_evidence_reason="—", now=in_2025)
    client = app.test_client()
    assert "/public/world/report-2025.docx" in client.get("/public/world").get_data(as_text=True)
    answer = client.get("/public/world/report-2025.docx")
    assert answer.status_code == 200
    text = "\n".join(cell.text for table in docx.Document(io.BytesIO(answer.data)).tables
                     for row in table.rows for cell in row.cells)
    assert "Проведено 40 семинаров" in text and "Черновой текст" not in text
    assert client.get("/public/world/report-2031.docx").status_code == 404
