"""The figures the database keeps (migrations 0023, 0025, 0026, 0033) equal the figures recomputed from the reports: the
section tally and the overdue counts after every kind of write, in any order (hypothesis draws them), and the
stored on-time figures of complete quarters on a dozen dates, before and after amendments that change the past."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, update
from sqlmodel import Session, select

from bench import scale
from tracker.as_of import Moment
from tracker.insight.figures import checkpoint_states, checkpoint_tally, on_time_rates, trend
from tracker.models import (
    Checkpoint,
    Obligation,
    Organization,
    QuarterRate,
    Report,
    Section,
    SectionClassTally,
    SectionTally,
    StoredQuarter,
)
from tracker.periods import Period
from tracker.statuses import EXEMPT, LeadCounts, Status, is_on_time

from .conftest import NOW
from .depth import by_depth
from .factories import YAML, write_world
from .reporting_helpers import kept_checkpoints, kept_overdue, recounted_checkpoints, recounted_overdue

TODAY = NOW.date()


def _python_class(leads: list[str]) -> int:
    """The lead class of these lead statuses, by the definition in statuses.LeadCounts.of_class."""
    counts = LeadCounts.of(leads)
    return ((counts.total > 0 and counts.done == counts.total) + 2 * (counts.returned > 0)
            + 4 * (counts.total > 0 and counts.answered == counts.total) + 8 * (counts.active > 0))


def _recounted_tally(session) -> dict[tuple, tuple]:
    """(section, due day, lead class) → (checkpoints, co answered, co total, with an accepted lead report, reports
    submitted), rebuilt in Python from the reports."""
    leads: dict[int, list[str]] = {}
    cos: dict[int, list[str]] = {}
    for checkpoint_id, is_lead, status in session.exec(
            select(Report.checkpoint_id, Report.is_lead, Report.status).where(Report.retired_at.is_(None))):
        (leads if is_lead else cos).setdefault(checkpoint_id, []).append(status)
    tally: dict[tuple, list[int]] = {}
    for checkpoint_id, section_id, due_on in session.exec(
            select(Checkpoint.id, Obligation.section_id, Checkpoint.due_on)
            .join(Obligation, Obligation.id == Checkpoint.obligation_id)
            .where(Checkpoint.retired_at.is_(None), Obligation.retired_at.is_(None))):
        lead = leads.get(checkpoint_id, [])
        row = tally.setdefault((section_id, due_on, _python_class(lead)), [0, 0, 0, 0, 0])
        co = cos.get(checkpoint_id, [])
        row[0] += 1
        row[1] += sum(s in (Status.SUBMITTED, Status.ACCEPTED, *EXEMPT) for s in co)
        row[2] += len(co)
        row[3] += Status.ACCEPTED in lead
        row[4] += (lead + co).count(Status.SUBMITTED)
    return {key: tuple(counts) for key, counts in tally.items()}


def _kept_per_class(session) -> dict[tuple, tuple]:
    """(section, lead class) → the same counts, as kept beside the tally (0033)."""
    return {(row.section_id, row.lead_class): (row.checkpoints, row.co_answered, row.co_total, row.accepted,
                                               row.submitted)
            for row in session.exec(select(SectionClassTally).where(SectionClassTally.checkpoints > 0))}


def _summed_per_class(tally: dict[tuple, tuple]) -> dict[tuple, tuple]:
    summed: dict[tuple, list[int]] = {}
    for (section_id, _due_on, lead_class), counts in tally.items():
        row = summed.setdefault((section_id, lead_class), [0] * len(counts))
        for position, n in enumerate(counts):
            row[position] += n
    return {key: tuple(counts) for key, counts in summed.items()}


def _kept_tally(session) -> dict[tuple, tuple]:
    session.expire_all()
    return {(row.section_id, row.due_on, row.lead_class): (row.checkpoints, row.co_answered, row.co_total,
                                                           row.accepted, row.submitted)
            for row in session.exec(select(SectionTally).where(SectionTally.checkpoints > 0))}


@pytest.fixture
def seeded(app):
    """A session on the test's database filled with generated instruments (reports of every status, on time and
    late, across many quarters)."""
    with Session(app.extensions["engine"], expire_on_commit=False) as session:
        scale.seed(session, scale.Scale(instruments=2, obligations_per_instrument=8, organizations=24, users=40),
                   today=TODAY, seed_value=3)
        session.commit()
        yield session


WRITES = st.lists(st.tuples(
    st.sampled_from(["report status", "report retire", "report revive", "report insert", "bulk status",
                     "checkpoint reschedule", "checkpoint retire", "checkpoint revive", "obligation retire",
                     "obligation revive", "obligation moves section"]),
    st.integers(0, 10_000), st.sampled_from(list(Status))), min_size=1, max_size=10)


@settings(max_examples=by_depth(10, 80), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=WRITES)
def test_the_section_tally_follows_every_write(seeded, writes):
    """Statuses, reports added and retired, reschedules, obligations retired, revived or moved to another section: after
    each, the tally the triggers keep equals the tally counted afresh, and today's figures read from it equal the
    states judged checkpoint by checkpoint."""
    session = seeded
    assert _kept_tally(session) == _recounted_tally(session)
    assert _kept_per_class(session) == _summed_per_class(_recounted_tally(session))
    assert kept_overdue(session) == recounted_overdue(session)
    sections = list(session.exec(select(Section.id)))
    for kind, pick, status in writes:
        subject, change = kind.split(" ", 1)
        model = {"report": Report, "bulk": Report, "checkpoint": Checkpoint,
                 "obligation": Obligation}[subject]
        rows = list(session.exec(select(model).order_by(model.id)))
        row = rows[pick % len(rows)]
        if kind == "bulk status":
            session.execute(update(Report).where(Report.id % 4 == pick % 4).values(status=status))
        elif change == "reschedule":
            row.due_on = row.due_on + timedelta(days=pick % 200 - 100)
        elif change == "status":
            row.status = status
        elif change == "retire":
            row.retired_at = NOW
        elif change == "revive":
            row.retired_at = None
        elif change == "insert":  # another organization answers for the same checkpoint
            checkpoint_id = row.checkpoint_id
            taken = set(session.exec(select(Report.organization_id).where(Report.checkpoint_id == checkpoint_id)))
            free = session.exec(select(Organization.id).where(Organization.id.not_in(taken))).first()
            session.add(Report(checkpoint_id=checkpoint_id, organization_id=free, is_lead=pick % 2 == 0,
                               status=status, updated_at=NOW))
        else:  # an obligation moved to another section by an amendment
            row.section_id = sections[pick % len(sections)]
        session.flush()
        assert _kept_tally(session) == _recounted_tally(session), kind
        assert _kept_per_class(session) == _summed_per_class(_recounted_tally(session)), kind
        assert kept_overdue(session) == recounted_overdue(session), kind
    for day in (TODAY, TODAY - timedelta(days=400), TODAY + timedelta(days=400)):
        for due_before in (None, day - timedelta(days=90), day + timedelta(days=90)):
            kept = {(t.section_id, t.status): (t.checkpoints, t.co_answered, t.co_total)
                    for t in checkpoint_tally(session, Moment.today(day), due_before=due_before)}
            judged: dict[tuple, list[int]] = {}
            for state in checkpoint_states(session, Moment.today(day)):
                if due_before is None or state.due_on < due_before:
                    row = judged.setdefault((state.section_id, state.status), [0, 0, 0])
                    row[0] += 1
                    row[1] += state.co_answered
                    row[2] += state.co_total
            assert kept == {key: tuple(counts) for key, counts in judged.items()}, (day, due_before)
    session.rollback()


def _recomputed_rates(session, quarter: Period) -> dict[str, tuple[int, int]]:
    """Organization code → (on time, total) over the reports due in `quarter`, counted in Python by the rule."""
    counted: dict[str, list[int]] = {}
    for code, status, due_on, first in session.exec(
            select(Organization.code, Report.status, Checkpoint.due_on, Report.first_submitted_at)
            .join(Report, Report.organization_id == Organization.id)
            .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
            .join(Obligation, Obligation.id == Checkpoint.obligation_id)
            .where(Report.retired_at.is_(None), Checkpoint.retired_at.is_(None), Obligation.retired_at.is_(None),
                   Checkpoint.due_on >= quarter.starts_on, Checkpoint.due_on <= quarter.ends_on)):
        if status not in EXEMPT:
            row = counted.setdefault(code, [0, 0])
            row[0] += is_on_time(first, due_on)
            row[1] += 1
    return {code: tuple(counts) for code, counts in counted.items()}


def _quarters(first: date, last: date) -> list[Period]:
    quarters, quarter = [], Period.containing(first, "quarterly")
    while quarter.ends_on <= last:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters


def _assert_stored_equal_recomputed(session, days: list[date]) -> None:
    """On each day, every complete quarter's league table and the trend, read as stored, equal the recount."""
    for day in days:
        when = Moment.today(day)
        quarters = _quarters(day - timedelta(days=720), day - timedelta(days=1))
        for quarter in quarters:
            rates = on_time_rates(session, when, instrument_ids=None, start=quarter.starts_on, end=quarter.ends_on)
            assert {r.code: (r.on_time, r.total) for r in rates} == _recomputed_rates(session, quarter), quarter
        expected = []
        for quarter in quarters:
            counts = _recomputed_rates(session, quarter).values()
            on_time, total = sum(c[0] for c in counts), sum(c[1] for c in counts)
            expected.append((quarter.label, 100 * on_time / total if total else None))
        assert trend(session, when, instrument_ids=None, first=quarters[0].starts_on) == expected


def test_stored_quarters_equal_the_recount_on_a_dozen_dates_after_amendments(seeded):
    """A dozen dates, each quarter complete on them read as stored; then the past amended — reports exempted and
    retired, a checkpoint rescheduled into another quarter, a report added to a past quarter, an obligation retired —
    and every stored quarter those writes touched is dropped and recomputed: the figures equal the recount again."""
    days = [TODAY - timedelta(days=45 * n) for n in range(12)]
    session = seeded
    _assert_stored_equal_recomputed(session, days)
    stored = session.exec(select(func.count()).select_from(StoredQuarter)).one()
    assert stored >= 8 and session.exec(select(func.count()).select_from(QuarterRate)).one() > 0
    past = session.exec(select(Report).join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
                        .where(Checkpoint.due_on < TODAY - timedelta(days=120)).order_by(Report.id)).all()
    past[0].status = Status.NOT_APPLICABLE
    past[1].retired_at = NOW
    past[2].first_submitted_at = None  # a correction of a submission recorded by mistake
    moved = session.get(Checkpoint, past[3].checkpoint_id)
    moved.due_on = moved.due_on + timedelta(days=100)
    taken = set(session.exec(select(Report.organization_id).where(Report.checkpoint_id == past[4].checkpoint_id)))
    free = session.exec(select(Organization.id).where(Organization.id.not_in(taken))).first()
    session.add(Report(checkpoint_id=past[4].checkpoint_id, organization_id=free, status=Status.NOT_STARTED,
                       updated_at=NOW))
    obligation = session.exec(select(Obligation).order_by(Obligation.id.desc())).first()
    obligation.retired_at = NOW
    session.commit()
    assert session.exec(select(func.count()).select_from(StoredQuarter)).one() < stored
    _assert_stored_equal_recomputed(session, days)


def test_figures_computed_while_a_write_is_in_flight_are_served_not_stored(app, seeded):
    """A report's write not yet committed holds the figures: a dashboard read meanwhile computes them itself and
    stores nothing (they could miss that write); once it commits, the next reader stores them."""
    session = seeded
    with Session(app.extensions["engine"]) as writer:
        quarter = Period.containing(TODAY, "quarterly").previous()
        report = writer.exec(select(Report).join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
                             .where(Checkpoint.due_on <= quarter.ends_on, Checkpoint.due_on >= quarter.starts_on,
                                    Report.status.not_in(EXEMPT))).first()
        report.status = Status.CANCELLED
        writer.flush()  # the trigger has run: the write holds the figures until it commits
        rates = on_time_rates(session, Moment.today(TODAY), instrument_ids=None, start=quarter.starts_on,
                              end=quarter.ends_on)
        assert {r.code: (r.on_time, r.total) for r in rates} == _recomputed_rates(session, quarter)
        assert session.exec(select(func.count()).select_from(StoredQuarter)).one() == 0
        writer.commit()
        rates = on_time_rates(session, Moment.today(TODAY), instrument_ids=None, start=quarter.starts_on,
                              end=quarter.ends_on)
        assert {r.code: (r.on_time, r.total) for r in rates} == _recomputed_rates(session, quarter)
        assert session.exec(select(func.count()).select_from(StoredQuarter)).one() > 0


def test_a_bulk_sync_counts_its_new_reports_once_as_row_by_row(app, db, roadmaps_dir, monkeypatch):
    """A sync that creates an instrument's reports in bulk (PostgreSQL: inserted with the per-row triggers quiet,
    then counted once, migration 0031) leaves every kept count equal to the count rebuilt from the reports — each
    checkpoint's, the section tally, the overdue tally — on a first load, and on an amendment that adds a
    co-executor beside reports already counted; the amendment drops the instrument's stored quarters."""
    from sqlalchemy import event

    from tracker.catalog import bulk_counts
    from tracker.catalog.loader import load_catalog
    from tracker.catalog.sync import sync_catalog

    monkeypatch.setattr(bulk_counts, "BULK_REPORTS", 1)
    said: list[str] = []
    event.listen(db.get_bind(), "before_cursor_execute", lambda _c, _cur, statement, *_: said.append(statement))

    def kept_equal_recounted():
        assert kept_checkpoints(db) == recounted_checkpoints(db)
        assert _kept_tally(db) == _recounted_tally(db)
        assert kept_overdue(db) == recounted_overdue(db)

    write_world(roadmaps_dir)
    sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW)
    db.commit()
    kept_equal_recounted()
    quarter = Period.quarter(2025, 4)  # holds the due day of measure 1.1, "В течение 2025 года"
    on_time_rates(db, Moment.today(TODAY), instrument_ids=None, start=quarter.starts_on, end=quarter.ends_on)
    db.commit()
    assert db.exec(select(func.count()).select_from(StoredQuarter)).one() == 1
    amended = YAML.replace('"РОП (по согласованию)", "РОР (по согласованию)"]', '"РОП (по согласованию)", '
                           '"РОР (по согласованию)", "МЮ"]')
    assert amended != YAML, "the amendment must add a co-executor to measure 1.1"
    (roadmaps_dir / "world.yaml").write_text(amended, encoding="utf-8")
    summary = sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW + timedelta(days=1))
    db.commit()
    assert summary.counts["reports"]["created"] > 0
    kept_equal_recounted()
    assert db.exec(select(func.count()).select_from(StoredQuarter)).one() == 0
    _assert_stored_equal_recomputed(db, [TODAY])
    in_bulk = app.config["DATABASE_URL"].startswith("postgresql")
    assert any("mindet.bulk_reports" in statement for statement in said) == in_bulk

