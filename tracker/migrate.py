"""Alembic, configured in code: upgrade, downgrade, and new revisions from the models."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: indexes that only migrations know (PostgreSQL's full-text index on measures, revision 0009): the models cannot
#: declare an expression index for one database only, so autogenerate is told to leave them alone
DATABASE_ONLY_INDEXES = {"ix_obligation_text_russian"}


def include_object(obj, name, kind, reflected, _compare_to) -> bool:
    """For autogenerate: everything but the indexes only migrations know."""
    return not (kind == "index" and reflected and name in DATABASE_ONLY_INDEXES)


def alembic_config(database_url: str) -> Config:
    """An Alembic Config pointing at tracker/migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head", *, sql: bool = False, output=None) -> None:
    """Upgrade the database to `revision` (head by default); with `sql`, write the SQL that would do it to `output`
    instead (Alembic's offline mode: `from:to` ranges, e.g. "0011:head", start from a given revision)."""
    config = alembic_config(database_url)
    if output is not None:
        config.output_buffer = output
    command.upgrade(config, revision, sql=sql)


def downgrade(database_url: str, revision: str) -> None:
    """Downgrade the database to `revision` ("base" empties it)."""
    command.downgrade(alembic_config(database_url), revision)


def revision(database_url: str, message: str) -> None:
    """Autogenerate a new revision from the difference between models and the database."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
