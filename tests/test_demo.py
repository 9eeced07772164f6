"""Demo mode: accounts, the statuses the sources document (each citing its source), and a deterministic history
of reporting up to the day, so that the first screen looks like a tracker in use; nothing without it."""

from collections import Counter

import pytest
from sqlmodel import select

from tracker.as_of import Moment
from tracker.insight.bundles import dashboard_bundle
from tracker.models import Checkpoint, Evidence, Report, StatusUpdate, User
from tracker.notify.reminders import ReminderRules, due_items
from tracker.people import accounts
from tracker.reporting import evidence as uploads
from tracker.reporting.demo_history import write_history
from tracker.stores import evidence_store
from tracker.timeutil import now_utc, today_almaty

from .reporting_helpers import report_of


def test_sync_alone_loads_no_statuses(runner, db):
    """`roadmaps sync` (no demo) leaves every report not started."""
    assert runner.invoke(args=["roadmaps", "sync"]).exit_code == 0
    assert db.exec(select(StatusUpdate)).first() is None


@pytest.mark.deep  # the whole demo (its history of 3,000 updates takes 20 s here): the deep tier, which CI runs
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
    notes = db.exec(select(StatusUpdate.note).where(StatusUpdate.note.contains("*Источник:*"))).all()
    assert len(notes) >= 9 and all("seed 000" in note for note in notes)
    assert "20 октября 2025" in db.exec(select(StatusUpdate.note).where(StatusUpdate.report_id == c131.id)).first()
    count = len(db.exec(select(StatusUpdate)).all())
    again = runner.invoke(args=["demo", "seed"])
    assert "0 loaded, 9 already there" in again.output and "Demo history: 0 updates" in again.output
    assert len(db.exec(select(StatusUpdate)).all()) == count
    assert db.exec(select(Report).where(Report.status == "submitted")).first() is not None
    _looks_alive(app, db)


def _looks_alive(app, db):
    """What the demo's first screen and first clock tick show (issue 22: on the day it was started, 92 of the
    conflict roadmap's 112 checkpoints were overdue, every on-time rate was 0 % and the secretary got 1,133
    reminders)."""
    today = today_almaty()
    due = db.exec(select(Report, Checkpoint).join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
                  .where(Checkpoint.due_on < today, Report.retired_at.is_(None))).all()
    states = Counter(report.status for report, _ in due)
    answered = states["accepted"] + states["submitted"]
    assert answered >= 0.85 * len(due) and 0 < states["not_started"] + states["in_progress"] <= 0.1 * len(due)
    lateness = [(r.first_submitted_at.date() - c.due_on).days for r, c in due if r.first_submitted_at]
    assert sum(d < 0 for d in lateness) > len(lateness) / 2 and sum(d > 2 for d in lateness) > len(lateness) / 10
    returned = {u.report_id for u in db.exec(select(StatusUpdate).where(StatusUpdate.status == "returned"))}
    assert len(returned) > 50 and all(db.get(Report, i).status in ("submitted", "accepted") for i in returned)
    files = db.exec(select(Evidence).where(Evidence.kind == "file")).all()
    with app.app_context():
        store = evidence_store()
    assert len(files) > 100 and all(f.size < 2_000 and store.exists(f.storage_key) for f in files[:20])
    notes = db.exec(select(StatusUpdate.note).where(StatusUpdate.status == "submitted")).all()
    assert len(set(notes)) > 100  # each names its period and figures, not one text repeated
    figures = dashboard_bundle(db, Moment.today(today), instrument=None, quarter=None)
    assert figures.counts["overdue"] < 0.2 * sum(figures.counts.values())
    rates = sorted(rate.percent for rate in figures.league)
    assert rates[len(rates) // 2] >= 50  # the median organization reports on time at least half the time
    secretary = accounts.find_user(db, "secretary@demo.mindet.kz")
    told = due_items(db, today, ReminderRules.from_settings(app.config))
    assert 0 < len(told[secretary.id][1]) < 150
    history_accounts = db.exec(select(User).where(User.email.endswith("@history.demo.mindet.kz"))).all()
    assert history_accounts and all(user.password_hash is None for user in history_accounts)


def test_the_demo_history_is_the_same_for_the_same_day(app, db, world):
    """Written twice on the same data and day (the first rolled back), the history is the same step for step."""
    secretary = accounts.create_user(session=db, email="secretary@world.kz", name="С", now=now_utc(),
                                     grant=accounts.Grant("secretary", (), ("world",)))
    db.commit()
    limits = uploads.Limits.from_config(app.config)

    with app.app_context():
        store = evidence_store()

    def written():
        summary = write_history(db, today=today_almaty(), now=now_utc(), store=store,
                                limits=limits, secretaries=[secretary])
        steps = db.exec(select(StatusUpdate.report_id, StatusUpdate.status, StatusUpdate.created_at,
                               StatusUpdate.note).order_by(StatusUpdate.report_id, StatusUpdate.id)).all()
        db.rollback()
        return summary, steps

    first, second = written(), written()
    assert first[0].updates > 20 and first[0].reports > 10
    assert first == second
    summary, steps = first
    kinds = Counter(status for _, status, _, _ in steps)
    assert kinds["submitted"] > kinds["returned"] > 0 and kinds["accepted"] > 0 and summary.files > 0
