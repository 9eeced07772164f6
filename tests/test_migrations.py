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
