"""Amendments of a roadmap: nothing reported is lost or hidden, and nothing new is overdue on the day it appears."""

from datetime import UTC, date, datetime

from sqlmodel import select

from tracker.as_of import Moment
from tracker.catalog.loader import load_catalog
from tracker.catalog.sync import sync_catalog
from tracker.insight.overdue import Filters, overdue_totals
from tracker.models import AuditEvent, Checkpoint, DeadlineChange, Obligation, Report, StatusUpdate

from .conftest import make_user, signed_in, write_instrument
from .reporting_helpers import post, report_of

#: the roadmap's first version is loaded on 1 March 2025; amendments come later in the year
LOADED = datetime(2025, 3, 1, 5, 0, tzinfo=UTC)
AMENDED = datetime(2025, 8, 15, 5, 0, tzinfo=UTC)


def _sync(db, folder, now):
    summary = sync_catalog(session=db, catalog=load_catalog(folder), now=now)
    db.commit()
    return summary


def _amend(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _checkpoints(db, key):
    ob = db.exec(select(Obligation).where(Obligation.key == key)).one()
    return db.exec(select(Checkpoint).where(Checkpoint.obligation_id == ob.id).order_by(Checkpoint.due_on)).all()


def _started_report(app, db, folder):
    """The roadmap loaded, and МТСЗН's report on measure 1 (due end of H1 2025) in progress with a note."""
    path = write_instrument(folder)
    _sync(db, folder, LOADED)
    fp = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    report = report_of(db, "test-roadmap/1", "2025-H1", "МТСЗН")
    post(app, db, report.id, fp, "in_progress", note="Проект справки готов", now=LOADED)
    return path, report, fp


def test_a_moved_deadline_moves_the_checkpoint_with_its_reports(app, db, roadmaps_dir):
    """«1-полугодие 2025» → «4-й квартал 2025»: the same checkpoint now falls due on 31.12.2025; the report, its
    note and version stay; the move is a deadline change citing the file, and an audit row."""
    path, report, _fp = _started_report(app, db, roadmaps_dir)
    [before] = _checkpoints(db, "test-roadmap/1")
    _amend(path, 'deadline: "1-полугодие 2025 года"', 'deadline: "4-й квартал 2025 года"')
    summary = _sync(db, roadmaps_dir, AMENDED)
    db.expire_all()
    [after] = _checkpoints(db, "test-roadmap/1")
    assert (after.id, after.period, after.due_on, after.retired_at) == (before.id, "2025-Q4", date(2025, 12, 31), None)
    assert after.original_due_on == date(2025, 6, 30)  # the slippage stays visible
    moved = db.get(Report, report.id)
    assert moved.checkpoint_id == after.id and moved.status == "in_progress" and moved.version == 1
    assert db.exec(select(StatusUpdate.note).where(StatusUpdate.report_id == report.id)).all() == [
        "Проект справки готов"]
    [change] = db.exec(select(DeadlineChange).where(DeadlineChange.checkpoint_id == after.id)).all()
    assert (change.old_due_on, change.new_due_on) == (date(2025, 6, 30), date(2025, 12, 31))
    assert "test-roadmap.yaml" in change.source and "2025-H1 → 2025-Q4" in change.reason
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "checkpoint.move")).one().object_id == str(after.id)
    assert summary.counts["checkpoints"]["moved"] == 1 and not summary.counts["checkpoints"]["retired"]


def test_a_changed_text_keeps_checkpoints_and_reports(app, db, roadmaps_dir):
    """A corrected text updates the obligation; its checkpoints and reports are the same rows."""
    path, report, _fp = _started_report(app, db, roadmaps_dir)
    ids = [cp.id for cp in _checkpoints(db, "test-roadmap/1")]
    _amend(path, 'text: "Первая мера"', 'text: "Первая мера (в редакции поправки)"')
    _sync(db, roadmaps_dir, AMENDED)
    db.expire_all()
    assert [cp.id for cp in _checkpoints(db, "test-roadmap/1")] == ids
    assert db.get(Report, report.id).status == "in_progress"


def test_an_obligation_removed_then_restored_keeps_its_history(app, db, roadmaps_dir):
    """Removed from the file, the obligation is retired (its page says so, history kept); put back, it is the same
    obligation with the same report and note."""
    path, report, fp = _started_report(app, db, roadmaps_dir)
    original = path.read_text(encoding="utf-8")
    text = original.replace('      - number: "1"\n        text: "Первая мера"\n        result: "Справка"\n'
                            '        deadline: "1-полугодие 2025 года"\n'
                            '        owners: ["МТСЗН", "РОР (по согласованию)"]\n', "")
    assert text != original
    path.write_text(text, encoding="utf-8")
    _sync(db, roadmaps_dir, AMENDED)
    page = signed_in(app, fp).get("/obligations/test-roadmap/1").get_data(as_text=True)
    assert "Мера исключена из дорожной карты" in page
    path.write_text(original, encoding="utf-8")
    _sync(db, roadmaps_dir, AMENDED)
    db.expire_all()
    ob = db.exec(select(Obligation).where(Obligation.key == "test-roadmap/1")).one()
    assert ob.retired_at is None and db.get(Report, report.id).status == "in_progress"
    assert db.exec(select(StatusUpdate.note).where(StatusUpdate.report_id == report.id)).all() == [
        "Проект справки готов"]


def test_a_changed_recurrence_keeps_what_was_reported_visible(app, db, roadmaps_dir):
    """«Ежеквартально» → «Ежегодно»: the quarters are retired, not hidden — the obligation page lists them, their
    page says so and offers no reschedule — and the yearly checkpoints take their place."""
    path = write_instrument(roadmaps_dir)
    _sync(db, roadmaps_dir, LOADED)
    fp = make_user(db, "akimat@example.kz", "focal_point", orgs=["АКИМАТ-АЛМАТЫ"])
    q1 = report_of(db, "test-roadmap/2", "2025-Q1", "АКИМАТ-АЛМАТЫ")
    post(app, db, q1.id, fp, "submitted", note="Отчёт за квартал", no_evidence_reason="ДСП", now=LOADED)
    _amend(path, 'deadline: "Ежеквартально"', 'deadline: "Ежегодно"')
    _sync(db, roadmaps_dir, AMENDED)
    db.expire_all()
    live = [cp.period for cp in _checkpoints(db, "test-roadmap/2") if cp.retired_at is None]
    retired = [cp for cp in _checkpoints(db, "test-roadmap/2") if cp.retired_at is not None]
    assert live == ["2025", "2026"] and len(retired) == 8
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=["test-roadmap"])
    client = signed_in(app, secretary)
    page = client.get("/obligations/test-roadmap/2").get_data(as_text=True)
    assert "Исключённые контрольные точки" in page and f"/checkpoints/{q1.checkpoint_id}" in page
    checkpoint_page = client.get(f"/checkpoints/{q1.checkpoint_id}").get_data(as_text=True)
    assert "Контрольная точка исключена" in checkpoint_page and "reschedule" not in checkpoint_page
    assert db.get(Report, q1.id).status == "submitted"
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "checkpoint.retire")).all()


def test_an_obligation_added_mid_life_is_not_overdue_on_the_day_it_appears(app, db, roadmaps_dir):
    """Added on 15 August 2025 to a roadmap under way since January: its quarters start with 2025-Q3 (due
    30.09), nothing of it is overdue that day; with `from: 2025-01-01` it would owe the earlier quarters."""
    path = write_instrument(roadmaps_dir)
    _sync(db, roadmaps_dir, LOADED)
    _amend(path, '        owners: ["МИО"]\n', '        owners: ["МИО"]\n      - number: "3"\n'
                 '        text: "Мера, добавленная поправкой"\n        deadline: "Ежеквартально"\n'
                 '        owners: ["МТСЗН"]\n')
    _sync(db, roadmaps_dir, AMENDED)
    added = _checkpoints(db, "test-roadmap/3")
    assert added[0].period == "2025-Q3" and all(cp.due_on >= date(2025, 8, 15) for cp in added)
    assert db.exec(select(Obligation.starts_on).where(Obligation.key == "test-roadmap/3")).one() == date(2025, 8, 15)
    overdue = dict(overdue_totals(db, Filters(instrument="test-roadmap"), Moment.today(date(2025, 8, 15))))
    only_new = dict(overdue_totals(db, Filters(instrument="test-roadmap", section="1"),
                                   Moment.today(date(2025, 8, 15))))
    assert overdue.get("МТСЗН") == only_new.get("МТСЗН") == 1  # measure 1's H1 report, not measure 3
    _amend(path, '        text: "Мера, добавленная поправкой"\n', '        text: "Мера, добавленная поправкой"\n'
                 '        from: 2025-01-01\n')
    _sync(db, roadmaps_dir, AMENDED)
    db.expire_all()
    assert [cp.period for cp in _checkpoints(db, "test-roadmap/3") if cp.retired_at is None][:2] == [
        "2025-Q1", "2025-Q2"]


def test_deadlines_and_starts_outside_the_validity_are_refused(roadmaps_dir):
    """A one-off deadline or a `from:` outside valid_from–valid_to is a problem `check` prints, with its line."""
    path = write_instrument(roadmaps_dir)
    _amend(path, 'deadline: "1-полугодие 2025 года"', 'deadline: "4-й квартал 2027 года"')
    _amend(path, '        text: "Вторая мера"\n', '        text: "Вторая мера"\n        from: 2024-06-01\n')
    messages = [str(p) for p in load_catalog(roadmaps_dir).problems]
    assert any("test-roadmap.yaml:15" in m and "obligation 1: deadline «4-й квартал 2027 года» (2027-Q4) lies "
               "outside the instrument's validity (2025-01-01 – 2026-12-31)" in m for m in messages), messages
    assert any("obligation 2: from: 2024-06-01 lies outside" in m for m in messages), messages


def test_a_recurring_period_stops_at_the_end_of_validity(db, roadmaps_dir):
    """An annual measure of an agreement valid until 31 March 2026: its 2026 checkpoint is due on 31 March, the
    last valid day, not on 31 December."""
    path = write_instrument(roadmaps_dir)
    _amend(path, "  valid_to: 2026-12-31", "  valid_to: 2026-03-31")
    _amend(path, 'deadline: "Ежеквартально"', 'deadline: "Ежегодно"')
    _sync(db, roadmaps_dir, LOADED)
    assert [(cp.period, cp.due_on) for cp in _checkpoints(db, "test-roadmap/2")] == [
        ("2025", date(2025, 12, 31)), ("2026", date(2026, 3, 31))]
