"""Migrations: an empty database upgrades to head, the models agree with it, and it downgrades cleanly."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlmodel import SQLModel

from tracker import migrate


def test_empty_database_to_head_matches_the_models(templates, tmp_path):
    """upgrade head on an empty database, then autogenerate finds no difference with the models."""
    url = templates.blank(tmp_path)
    migrate.upgrade(url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "include_object": migrate.include_object})
            assert compare_metadata(context, SQLModel.metadata) == []
        migrate.downgrade(url, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


def test_history_is_linear():
    """One head, one base: later issues add revisions in a line."""
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(scripts.get_heads()) == 1
    assert len(scripts.get_bases()) == 1


def test_the_first_submission_is_backfilled_from_the_history(app, db, synced):
    """Revision 0010 fills report.first_submitted_at from the first "submitted" update of each report: a database
    taken back to 0009 and upgraded again has the same moment the workflow recorded."""
    from datetime import timedelta

    from tracker.models import Report

    from .conftest import NOW, make_user
    from .reporting_helpers import post, report_of

    user = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    report = report_of(db, "conflict-prevention-2025-2026/3", "2025", "МТСЗН")
    post(app, db, report.id, user, "submitted", note="Первая", no_evidence_reason="ДСП")
    post(app, db, report.id, user, "in_progress", note="Забрал", now=NOW + timedelta(days=1))
    post(app, db, report.id, user, "submitted", note="Вторая", no_evidence_reason="ДСП", now=NOW + timedelta(days=2))
    db.expire_all()
    recorded = db.get(Report, report.id).first_submitted_at
    assert recorded == NOW
    db.close()
    app.extensions["engine"].dispose()
    migrate.downgrade(app.config["DATABASE_URL"], "0009")
    migrate.upgrade(app.config["DATABASE_URL"])
    db.expire_all()
    assert db.get(Report, report.id).first_submitted_at == recorded
