"""Demo mode: accounts, and the statuses the sources document, each citing its source; nothing without it."""

from sqlmodel import select

from tracker.models import Checkpoint, Report, StatusUpdate
from tracker.timeutil import today_almaty

from .reporting_helpers import report_of


def test_sync_alone_loads_no_statuses(runner, db):
    """`roadmaps sync` (no demo) leaves every report not started."""
    assert runner.invoke(args=["roadmaps", "sync"]).exit_code == 0
    assert db.exec(select(StatusUpdate)).first() is None


def test_demo_seed_loads_documented_statuses_once(app, runner, db, synced, client):
    """C131 ratified (accepted), C102 seminar (in progress, overdue), two РТК sessions as event checkpoints;
    each update cites seed 000; a second run adds nothing."""
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "9 loaded" in result.output and "secretary@demo.mindet.kz" in result.output
    c131 = report_of(db, "general-agreement-2024-2026/5.2", "2024-2026", "МТСЗН")
    assert c131.status == "accepted"
    c102 = report_of(db, "decent-work-2024-2025/4.5", "2025-Q1", "МОТ")
    assert c102.status == "in_progress"
    assert db.get(Checkpoint, c102.checkpoint_id).due_on < today_almaty()  # shown as overdue
    sessions = db.exec(select(Checkpoint.label).where(Checkpoint.is_event).order_by(Checkpoint.due_on)).all()
    assert sessions == ["Заседание РТК 28.04.2025", "Заседание РТК 29.12.2025"]
    notes = db.exec(select(StatusUpdate.note).where(StatusUpdate.note.is_not(None))).all()
    assert notes and all("seed 000" in note for note in notes)
    assert "20 октября 2025" in db.exec(select(StatusUpdate.note).where(StatusUpdate.report_id == c131.id)).first()
    count = len(db.exec(select(StatusUpdate)).all())
    again = runner.invoke(args=["demo", "seed"])
    assert "0 loaded, 9 already there" in again.output
    assert len(db.exec(select(StatusUpdate)).all()) == count
    assert db.exec(select(Report).where(Report.status == "submitted")).first() is not None
