"""The counts each checkpoint keeps of its reports (migration 0014) always equal the counts recomputed from the
reports, after any write: the workflow's, the sync's, or any other, in any order (hypothesis draws them)."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update
from sqlmodel import select

from tracker.as_of import Moment
from tracker.catalog.loader import load_catalog
from tracker.catalog.sync import sync_catalog
from tracker.insight.figures import checkpoint_states
from tracker.models import Checkpoint, Organization, Report
from tracker.statuses import Status

from .conftest import NOW, make_user
from .depth import by_depth
from .factories import YAML, measure
from .reporting_helpers import (
    kept_checkpoints,
    kept_overdue,
    post,
    recounted_checkpoints,
    recounted_overdue,
    report_of,
)

TODAY = NOW.date()


def test_a_sync_counts_every_checkpoint_it_creates(db, world):
    """Right after the roadmap is loaded, each checkpoint holds its reports counted (nothing is zero by mistake:
    the world's measures all have lead reports)."""
    kept = kept_checkpoints(db)
    assert kept == recounted_checkpoints(db)
    assert all(counts[0] >= 1 for counts in kept.values())


def test_the_workflow_and_an_amendment_keep_the_counts(app, db, world, roadmaps_dir):
    """Submissions, a return, an acceptance, then an amendment that drops a co-executor and adds another: after
    each the counts equal the reports' — and today's states read from them equal the states counted afresh."""
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=["world"])
    ministry = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    evidence = {"note": "Сделано", "no_evidence_reason": "ДСП"}
    first = report_of(db, measure("1.1"), "2025", "МТСЗН").id
    post(app, db, first, ministry, "submitted", **evidence)
    post(app, db, first, secretary, "returned", reason="Нет приложения")
    post(app, db, report_of(db, measure("1.2"), "2025-H1", "МТСЗН").id, ministry, "submitted", **evidence)
    quarter = report_of(db, measure("1.4"), "2025-Q1", "МТСЗН").id
    post(app, db, quarter, ministry, "submitted", **evidence)
    post(app, db, quarter, secretary, "accepted")
    assert kept_checkpoints(db) == recounted_checkpoints(db)
    amended = YAML.replace('"РОП (по согласованию)", "РОР (по согласованию)"]',
                           '"РОР (по согласованию)", "МЮ"]')
    assert amended != YAML, "the amendment must change the owners of measure 1.1"
    (roadmaps_dir / "world.yaml").write_text(amended, encoding="utf-8")
    sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW + timedelta(days=1))
    db.commit()
    assert kept_checkpoints(db) == recounted_checkpoints(db)
    # the states of today (kept counts) and the states rebuilt from the reports at the end of today agree
    today = sorted(checkpoint_states(db, Moment.today(TODAY + timedelta(days=2))), key=lambda s: s.checkpoint_id)
    rebuilt = sorted(checkpoint_states(db, Moment.end_of(TODAY + timedelta(days=1))), key=lambda s: s.checkpoint_id)
    assert today == rebuilt


WRITES = st.lists(st.tuples(st.sampled_from(["status", "lead", "retire", "revive", "move", "delete", "insert",
                                             "bulk status"]),
                            st.integers(0, 10_000), st.sampled_from(list(Status))), min_size=1, max_size=12)


@settings(max_examples=by_depth(15, 120), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=WRITES)
def test_any_write_in_any_order_keeps_the_counts(db, world, writes):
    """Whatever writes a report — the ORM, a bulk UPDATE, a delete, a report moved to another checkpoint — the
    checkpoint it leaves and the one it joins are recounted in the same transaction."""
    checkpoint_ids = list(db.exec(select(Checkpoint.id)))
    organization_ids = list(db.exec(select(Organization.id)))
    for kind, pick, status in writes:
        reports = list(db.exec(select(Report).order_by(Report.id)))
        report = reports[pick % len(reports)]
        if kind == "status":
            report.status = status
        elif kind == "lead":
            report.is_lead = not report.is_lead
        elif kind == "retire":
            report.retired_at = NOW
        elif kind == "revive":
            report.retired_at = None
        elif kind == "move":
            taken = set(db.exec(select(Report.checkpoint_id).where(Report.organization_id == report.organization_id)))
            free = [c for c in checkpoint_ids if c not in taken]
            if free:
                report.checkpoint_id = free[pick % len(free)]
        elif kind == "delete":
            db.execute(delete(Report).where(Report.id == report.id))
        elif kind == "insert":
            checkpoint_id = checkpoint_ids[pick % len(checkpoint_ids)]
            taken = set(db.exec(select(Report.organization_id).where(Report.checkpoint_id == checkpoint_id)))
            free = [o for o in organization_ids if o not in taken]
            if free:
                db.add(Report(checkpoint_id=checkpoint_id, organization_id=free[pick % len(free)],
                              is_lead=pick % 2 == 0, status=status, updated_at=NOW))
        else:  # one statement over many rows, as a bulk load or a migration would write
            db.execute(update(Report).where(Report.id % 3 == pick % 3).values(status=status))
        db.flush()
        assert kept_checkpoints(db) == recounted_checkpoints(db), (kind, status)
        assert kept_overdue(db) == recounted_overdue(db), (kind, status)
    db.rollback()
