"""Figures as of a past day: the execution report and the dashboards of a past quarter, with later activity present."""

import re
from datetime import UTC, date, datetime

from sqlmodel import select

from tracker.as_of import Moment
from tracker.catalog.loader import load_catalog
from tracker.catalog.sync import sync_catalog
from tracker.insight.figures import checkpoint_states, progress
from tracker.insight.overdue import Filters, overdue_totals
from tracker.models import Checkpoint, Instrument
from tracker.people.permissions import access_for
from tracker.reporting.checkpoints import reschedule

from .conftest import make_user, signed_in, write_instrument
from .reporting_helpers import post, report_of

LOADED = datetime(2025, 3, 1, 5, tzinfo=UTC)
END_OF_Q2 = date(2025, 6, 30)


def _at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T05:00:00+00:00")


def _history(app, db, folder):
    """Measure 1 (H1 2025, МТСЗН) submitted in June, rescheduled and accepted in September; measure 3 added in
    August; measure 2 (quarterly, МИО's 20 akimats) untouched."""
    path = write_instrument(folder)
    sync_catalog(session=db, catalog=load_catalog(folder), now=LOADED)
    db.commit()
    fp = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    sec = make_user(db, "sec@example.kz", "secretary", instruments=["test-roadmap"])
    report = report_of(db, "test-roadmap/1", "2025-H1", "МТСЗН")
    post(app, db, report.id, fp, "submitted", note="Справка направлена в июне", no_evidence_reason="ДСП",
         now=_at("2025-06-20"))
    checkpoint = db.get(Checkpoint, report.checkpoint_id)
    instrument = db.exec(select(Instrument).where(Instrument.key == "test-roadmap")).one()
    with app.test_request_context():
        reschedule(session=db, checkpoint=checkpoint, instrument=instrument, actor=sec, access=access_for(db, sec),
                   new_due_on=date(2025, 9, 30), reason="Запрос МТСЗН", source="Протокол РТК от 01.09.2025",
                   now=_at("2025-09-01"))
    db.commit()
    post(app, db, report.id, sec, "accepted", now=_at("2025-09-10"))
    text = path.read_text(encoding="utf-8").replace('        owners: ["МИО"]\n', '        owners: ["МИО"]\n'
                                                    '      - number: "3"\n        text: "Добавлена поправкой"\n'
                                                    '        deadline: "Ежеквартально"\n        owners: ["МТСЗН"]\n')
    path.write_text(text, encoding="utf-8")
    sync_catalog(session=db, catalog=load_catalog(folder), now=_at("2025-08-15"))
    db.commit()
    return instrument, sec


def test_the_execution_report_of_a_past_quarter_stands_at_its_end(app, db, roadmaps_dir):
    """The 2025-Q2 report (the default: as of 30.06.2025) quotes June's note, shows measure 1 submitted — not
    done, it was accepted in September —, lists no September reschedule and no measure added in August; the
    "today" version shows all of it."""
    _instrument, sec = _history(app, db, roadmaps_dir)
    client = signed_in(app, sec)
    then = client.get("/instruments/test-roadmap/execution-report?quarter=2025-Q2").get_data(as_text=True)
    assert "по состоянию на конец дня 30.06.2025" in then.lower()
    assert "Справка направлена в июне" in then
    assert "Добавлена поправкой" not in then and "Протокол РТК от 01.09.2025" not in then
    measure_1 = then.split("Первая мера")[1].split("</tr>")[0]  # its row: status, who answered, what was done
    assert "на проверке" in measure_1 and "исполнено" not in measure_1
    now = client.get("/instruments/test-roadmap/execution-report?quarter=2025-Q2&as_of=today").get_data(as_text=True)
    assert "Добавлена поправкой" in now and "Протокол РТК от 01.09.2025" in now
    assert "исполнено" in now.split("Первая мера")[1].split("</tr>")[0]


def test_dashboards_as_of_a_past_day_count_what_existed_then(app, db, roadmaps_dir):
    """As of the end of 30.06.2025: 9 checkpoints (measure 1's H1 and measure 2's eight quarters; measure 3 came
    in August), measure 1's submitted, none done; overdue by then: the 20 akimats' Q1 and Q2 reports and РОР's
    co-executor report on measure 1 (due 30.06, its September move not yet made), not МТСЗН's submitted one."""
    instrument, sec = _history(app, db, roadmaps_dir)
    states = checkpoint_states(db, Moment.end_of(END_OF_Q2), [instrument.id])
    counts, _sections = progress(db, Moment.end_of(END_OF_Q2), instrument.id)
    assert len(states) == sum(counts.values()) == 9
    assert counts.get("done", 0) == 0 and counts.get("submitted") == 1
    then = dict(overdue_totals(db, Filters(instrument="test-roadmap"), Moment.end_of(END_OF_Q2)))
    assert then.get("МТСЗН") is None and then["РОР"] == 1 and sum(then.values()) == 20 * 2 + 1
    today_counts, _ = progress(db, Moment.today(date(2026, 11, 21)), instrument.id)
    assert today_counts.get("done") == 1 and sum(today_counts.values()) > 9
    page = signed_in(app, sec).get("/instruments/test-roadmap/dashboard?as_of=2025-06-30").get_data(as_text=True)
    assert "30.06.2025" in page
    by_status = page.split('id="by-status"')[1].split("</section>")[0]
    assert sum(int(n) for n in re.findall(r"<strong>(\d+)</strong>", by_status)) == 9


def test_the_overdue_view_as_of_a_past_day(app, db, roadmaps_dir):
    """/overdue?as_of=2025-06-30 lists the 41 reports overdue at the end of that day, with their status and due
    date as they were (measure 1 not among them: МТСЗН had submitted it), and its export follows."""
    _instrument, sec = _history(app, db, roadmaps_dir)
    client = signed_in(app, sec)
    page = client.get("/overdue?as_of=2025-06-30").get_data(as_text=True)
    assert re.search(r'<small class="muted">(\d+)</small>', page).group(1) == "41" and "30.06.2025" in page
    rows = client.get("/overdue.json?as_of=2025-06-30").get_json()
    assert len(rows) == 41 and {r["status"] for r in rows} == {"not_started"}
    assert not [r for r in rows if r["organization"] == "МТСЗН"]
    assert {r["due_on"] for r in rows if r["organization"] == "РОР"} == {"2025-06-30"}  # before its September move


def test_a_past_day_dashboard_keeps_its_day_in_the_league_the_trend_and_every_link(app, db, roadmaps_dir):
    """/dashboard?as_of=2025-06-30 titled its league table «рейтинг за 2026-Q3», drew the trend through 2026-Q3 and
    its links fell back to today: now the league is the last quarter complete on that day (2025-Q2), the trend
    stops there, and the overdue link, the quarter form and the execution report keep the day."""
    _instrument, sec = _history(app, db, roadmaps_dir)
    client = signed_in(app, sec)
    page = client.get("/instruments/test-roadmap/dashboard?as_of=2025-06-30").get_data(as_text=True)
    assert "рейтинг за 2025-Q2" in page
    trend = page.split("Своевременность отчётов по кварталам")[-1]
    assert "2025-Q2" in trend and "2025-Q3" not in trend and "2026" not in trend.split("</svg>")[0]
    assert "/overdue?instrument=test-roadmap&amp;as_of=2025-06-30" in page
    assert '<input type="hidden" name="as_of" value="2025-06-30">' in page
    assert "/execution-report?quarter=2025-Q2&amp;as_of=2025-06-30" in page
    today = client.get("/instruments/test-roadmap/dashboard").get_data(as_text=True)
    assert "рейтинг за 2026-Q3" in today and "as_of=" not in today.split("<main")[1]
