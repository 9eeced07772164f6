"""One truth on generated histories: for a dozen dates, every surface gives the same figure, and the figures
rebuilt later "as of" each date equal the ones shown on that date.

Hypothesis draws a history of submissions, returns, resubmissions, acceptances and reschedules over two
roadmaps with a group lead (МИО: its 20 akimats) and co-executors; the test walks through it date by date.
"""

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlmodel import Session, select

from tracker import create_app
from tracker.as_of import Moment
from tracker.catalog.loader import load_catalog
from tracker.catalog.obligations import obligation_views
from tracker.catalog.sync import sync_catalog
from tracker.insight.figures import instrument_overview, on_time_rates, progress
from tracker.insight.overdue import Filters, overdue_page, overdue_totals
from tracker.models import Checkpoint, Instrument, Obligation, Organization, Report
from tracker.notify.digests import build_digest
from tracker.people.permissions import access_for
from tracker.periods import Period
from tracker.reporting.checkpoints import reschedule
from tracker.reporting.workflow import ReportingError
from tracker.timeutil import ALMATY

from .conftest import ROADMAPS, make_user, signed_in, write_instrument
from .depth import by_depth
from .reporting_helpers import post

START = datetime(2025, 1, 1, 5, tzinfo=UTC)
#: a dozen dates across the two years, each looked at in the morning
DATES = [date(2025, 2, 10), date(2025, 4, 1), date(2025, 5, 15), date(2025, 7, 1), date(2025, 8, 20),
         date(2025, 10, 1), date(2025, 11, 15), date(2026, 1, 5), date(2026, 3, 2), date(2026, 5, 4),
         date(2026, 7, 1), date(2026, 9, 15)]
SECOND = """\
instrument:
  key: second-roadmap
  kind: roadmap
  title: {ru: "Вторая дорожная карта"}
  valid_from: 2025-01-01
  valid_to: 2026-12-31
  completeness: complete
sections:
  - number: "1"
    title: {ru: "Раздел"}
    obligations:
      - number: "1"
        text: "Годовая мера"
        deadline: "Ежегодно"
        owners: ["МЮ", "МТСЗН", "РОП (по согласованию)"]
      - number: "2"
        text: "Разовая мера"
        deadline: "3-й квартал 2025"
        owners: ["РОР", "МИО"]
"""
ACTIONS = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["submit", "return", "accept", "reschedule"]),
                             st.integers(0, 640)), min_size=5, max_size=25)


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(10), ALMATY)


@dataclass
class Readers:
    """Who reads the surfaces on a day: the secretary (and their client) and МТСЗН's focal point's client."""

    secretary: object
    client: object
    focal: object


def _figures(session, day: date, readers: Readers | None = None, as_of: date | None = None) -> dict:
    """Every figure of every surface, on `day` (or rebuilt as of it)."""
    when = Moment.for_asked(as_of, day)
    overview = {r["instrument"].key: (r["checkpoints"], r["overdue"]) for r in instrument_overview(session, when).rows}
    counts, sections = progress(session, when)
    totals = overdue_totals(session, Filters(), when)
    listed, _totals = overdue_page(session, Filters(), when, page_size=None)
    league = on_time_rates(session, when, instrument_ids=None, start=START.date(),  # reports due before that day
                           end=as_of or day - timedelta(days=1))
    figures = {"overview": overview, "counts": counts, "sections": [(p.done, p.total) for p in sections],
               "overdue": totals, "league": [(r.code, r.on_time, r.total) for r in league],
               "overdue rows": [(r.report.id, r.status, r.due_on, r.days) for r in listed.rows],
               "measures": [(v.obligation.key, v.status, v.next_due_on, v.overdue_count)
                            for v in obligation_views(session=session, when=when)]}
    # an instrument's page reads its measures' states alone, not their checkpoints: the same figures
    assert [(v.obligation.key, v.status, v.next_due_on, v.overdue_count)
            for v in obligation_views(session=session, when=when, states_only=True)] == figures["measures"]
    if readers is not None:  # what the pages and exports of that day show
        client = readers.client
        found, page_totals = overdue_page(session, Filters(), Moment.today(day), page_size=None)
        assert found.total == len(found.rows) == sum(n for _c, n in totals) and page_totals == totals
        home = client.get("/").get_data(as_text=True)
        for key, (checkpoints, overdue) in overview.items():
            row = home.split(f'href="/instruments/{key}"')[1]
            assert [int(n) for n in re.findall(r'<td class="num[^"]*">(\d+)</td>', row)[1:3]] == [checkpoints, overdue]
        dashboard = client.get("/dashboard").get_data(as_text=True).split('id="by-status"')[1].split("</section>")[0]
        assert sum(int(re.sub(r"\D", "", n)) for n in re.findall(r"<strong>([^<]+)</strong>", dashboard)) == sum(
            counts.values())
        for key, (checkpoints, _overdue) in list(overview.items())[:1]:  # an instrument's dashboard adds up the same
            own = client.get(f"/instruments/{key}/dashboard").get_data(as_text=True)
            own = own.split('id="by-status"')[1].split("</section>")[0]
            assert sum(int(re.sub(r"\D", "", n)) for n in re.findall(r"<strong>([^<]+)</strong>", own)) == checkpoints
        for key in overview:  # each measure of an instrument's page marked late as its checkpoints are
            page = client.get(f"/instruments/{key}").get_data(as_text=True)
            late = [m for m in figures["measures"] if m[0].startswith(f"{key}/") and m[3]]
            assert page.count('<td class="late">') == len(late), key
        mine = readers.focal.get("/reports").get_data(as_text=True)  # МТСЗН's focal point: "my work"
        owed = [r for r in found.rows if r.organization.code == "МТСЗН" and r.status != "returned"]
        assert re.search(r'show=overdue">[^<]*</a> <strong[^>]*>(\d+)</strong>', mine).group(1) == str(len(owed))
        public = client.get("/public/").get_data(as_text=True)
        assert f"из {overview['test-roadmap'][0]}</div>" in public  # the public roadmap: accepted of all checkpoints
        # the index reads the kept tally, the roadmap's own page its accepted reports: one figure
        accepted = re.search(r"Принято контрольных точек: (\d+) из", public).group(1)
        own_page = client.get("/public/test-roadmap").get_data(as_text=True)
        assert f"Принято контрольных точек: <strong>{accepted}</strong> из {overview['test-roadmap'][0]}" in own_page
        with client.application.test_request_context():  # the digest names statuses in a language
            digest = build_digest(session, readers.secretary, Period.containing(day, "quarterly"), day)
        for block in digest["secretary"]:
            assert block.overdue == overdue_totals(session, Filters(instrument=block.instrument.key), Moment.today(day))
        exported = json.loads(client.get("/overdue.json").get_data(as_text=True))
        assert len(exported) == found.total
        listed = client.get("/overdue").get_data(as_text=True)
        assert re.search(r'<small class="muted">(\d+)</small>', listed).group(1) == str(found.total)
        if day not in DATES[::3]:  # the files are slower to make: checked on four of the dates
            return figures
        sheet = load_workbook(io.BytesIO(client.get("/overdue.xlsx").data)).active
        assert sheet.max_row - 1 == found.total
        quarter = Period.containing(day, "quarterly").label
        for key, (_checkpoints, overdue) in overview.items():  # the meeting report lists every overdue checkpoint
            page = client.get(f"/instruments/{key}/execution-report?quarter={quarter}").get_data(as_text=True)
            assert page.count('<div class="late">') == overdue, key
            docx = Document(io.BytesIO(client.get(f"/instruments/{key}/execution-report.docx?quarter={quarter}").data))
            statuses = [row.cells[2] for table in docx.tables if len(table.columns) == 5 for row in table.rows[1:]]
            assert sum(p.text.startswith("просрочено: ") for cell in statuses for p in cell.paragraphs) == overdue
    return figures


@pytest.mark.sized
@settings(max_examples=by_depth(1, 8), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_every_surface_agrees_on_every_date_and_as_of_it_later(templates, tmp_path_factory, actions):
    """For each of a dozen dates: home, the dashboards, the league table, the public view, the secretary's digest,
    a focal point's "my work" and the overdue view (page, totals, JSON export) give one set of figures, and so do
    the XLSX export and the quarter's execution report (page and DOCX) on four of them; an amendment moves a
    deadline on the way; after the whole history, the figures rebuilt as of each date equal those shown on it."""
    folder = tmp_path_factory.mktemp("roadmaps")
    (folder / "organizations.yaml").write_text((ROADMAPS / "organizations.yaml").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    first = write_instrument(folder)
    first.write_text(first.read_text(encoding="utf-8").replace("  completeness: complete",
                                                               "  completeness: complete\n  public: true"),
                     encoding="utf-8")
    write_instrument(folder, "second-roadmap", SECOND)
    url = templates.copy("empty", tmp_path_factory.mktemp("db"))
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url, "ROADMAPS_DIR": folder,
                      "EVIDENCE_DIR": tmp_path_factory.mktemp("evidence")})
    try:
        with Session(app.extensions["engine"], expire_on_commit=False) as db:
            sync_catalog(session=db, catalog=load_catalog(folder), now=START)
            db.commit()
            _walk(app, db, actions)
    finally:
        app.extensions["engine"].dispose()


def _walk(app, db, actions):
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=["test-roadmap", "second-roadmap"])
    focal = make_user(db, "mtszn@example.kz", "focal_point", orgs=["МТСЗН"])
    people = {}
    reports = db.exec(select(Report).order_by(Report.id)).all()
    plan = sorted([(date(2025, 1, 2) + timedelta(days=offset), kind, reports[index % len(reports)].id)
                   for index, kind, offset in actions] + [(date(2025, 5, 20), "amend", 0)])
    shown, done = {}, 0
    for day in DATES:
        while done < len(plan) and plan[done][0] < day:
            _apply(app, db, secretary, people, *plan[done])
            done += 1
        with time_machine.travel(_moment(day), tick=False):
            readers = Readers(secretary, signed_in(app, secretary), signed_in(app, focal))
            shown[day] = _figures(db, day, readers)
    for day in DATES:  # after the whole history: the morning of `day` is the end of the day before
        assert _figures(db, date(2026, 12, 1), as_of=day - timedelta(days=1)) == shown[day], day


def _apply(app, db, secretary, people, day, kind, report_id):
    """One step of the history, if the report's state allows it (a refused step is simply skipped)."""
    if kind == "amend":  # an amendment moves the second roadmap's one-off measure from 2025-Q3 to 2025-Q4
        folder = app.config["ROADMAPS_DIR"]
        path = folder / "second-roadmap.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("3-й квартал 2025", "4-й квартал 2025"),
                        encoding="utf-8")
        sync_catalog(session=db, catalog=load_catalog(folder), now=_moment(day).astimezone(UTC))
        db.commit()
        return
    report = db.get(Report, report_id)
    db.refresh(report)
    org = db.get(Organization, report.organization_id)
    if org.id not in people:
        people[org.id] = make_user(db, f"fp{org.id}@example.kz", "focal_point", orgs=[org.code])
    moment = _moment(day).astimezone(UTC)
    try:
        if kind == "submit" and report.status in ("not_started", "in_progress", "returned"):
            post(app, db, report.id, people[org.id], "submitted", note=f"Отчёт {day}", no_evidence_reason="ДСП",
                 now=moment)
        elif kind in ("return", "accept") and report.status == "submitted":
            target = "returned" if kind == "return" else "accepted"
            post(app, db, report.id, secretary, target, reason="Доработать" if kind == "return" else None,
                 now=moment)
        elif kind == "reschedule":
            checkpoint = db.get(Checkpoint, report.checkpoint_id)
            instrument = db.get(Instrument, db.get(Obligation, checkpoint.obligation_id).instrument_id)
            with app.test_request_context():
                reschedule(session=db, checkpoint=checkpoint, instrument=instrument, actor=secretary,
                           access=access_for(db, secretary), new_due_on=checkpoint.due_on + timedelta(days=45),
                           reason="Перенос", source="Протокол", now=moment)
            db.commit()
    except ReportingError:
        db.rollback()
