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


def test_the_first_submission_is_backfilled_from_the_history(app, db, world):
    """Revision 0010 fills report.first_submitted_at from the first "submitted" update of each report: a database
    taken back to 0009 and upgraded again has the same moment the workflow recorded."""
    from datetime import timedelta

    from tracker.models import Report

    from .conftest import NOW, make_user
    from .reporting_helpers import post, report_of

    user = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
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


def test_the_sql_for_a_database_administrator_builds_the_same_schema(templates, tmp_path):
    """`mindet db upgrade --sql` prints the migrations as PostgreSQL SQL without connecting to anything; run by hand
    into an empty database (on the PostgreSQL pass), it gives the schema the models describe, at head. A range
    prints only its revisions; a SQLite URL is refused with what to do."""
    import io

    from tracker import create_app

    nowhere = "postgresql+psycopg://mindet@127.0.0.1:1/not_connected"  # a port nothing listens on
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": nowhere})
    printed = app.test_cli_runner().invoke(args=["db", "upgrade", "--sql"])
    app.extensions["engine"].dispose()
    assert printed.exit_code == 0, printed.output
    sql = printed.output
    assert sql.startswith("BEGIN;") and sql.rstrip().endswith("COMMIT;") and "CREATE TABLE login_throttle" in sql
    step = io.StringIO()
    migrate.upgrade(nowhere, "0011:0012", sql=True, output=step)
    assert "CREATE TABLE login_throttle" in step.getvalue() and "CREATE TABLE app_user" not in step.getvalue()
    sqlite = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    refused = sqlite.test_cli_runner().invoke(args=["db", "upgrade", "--sql"])
    sqlite.extensions["engine"].dispose()
    assert refused.exit_code == 1 and "postgresql" in refused.output
    url = templates.blank(tmp_path)
    if not url.startswith("postgresql"):
        return  # executing it needs the PostgreSQL pass
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(sql.replace("BEGIN;", "").replace("COMMIT;", ""))
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "include_object": migrate.include_object})
            assert compare_metadata(context, SQLModel.metadata) == []
            assert context.get_current_revision() == ScriptDirectory.from_config(
                migrate.alembic_config(url)).get_current_head()
    finally:
        engine.dispose()
