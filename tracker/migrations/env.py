"""Alembic environment: the models' metadata, the URL handed in by tracker.migrate."""

from alembic import context
from sqlmodel import SQLModel

from tracker import models  # noqa: F401  (registers the tables)
from tracker.db import make_engine
from tracker.migrate import include_object

config = context.config
target_metadata = SQLModel.metadata


def run_migrations() -> None:
    """Run migrations online, with batch mode so that SQLite can alter tables."""
    url = config.attributes["database_url"]
    engine = make_engine(url, watched=False)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                # batch mode rebuilds a table (copy, drop, rename): with foreign keys enforced, dropping a table
                # that other rows refer to fails. Checked off for the migration only (it must be set outside a
                # transaction), as Alembic's batch documentation asks.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=True,
                compare_type=True,
                include_object=include_object,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()  # closes SQLite's WAL cleanly, so the file is complete on its own


def print_migrations() -> None:
    """Offline mode (`mindet db upgrade --sql`): the SQL for a database administrator, nothing executed."""
    context.configure(url=config.attributes["database_url"], target_metadata=target_metadata, render_as_batch=True,
                      literal_binds=True, dialect_opts={"paramstyle": "named"}, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    print_migrations()
else:
    run_migrations()
