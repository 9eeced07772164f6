"""Database engine, one session per app context, SQLite pragmas."""

from __future__ import annotations

import logging

from flask import Flask, current_app, g
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from tracker.kept_pages import watch_writes

log = logging.getLogger(__name__)


def make_engine(url: str, echo: bool = False, *, watched: bool = True) -> Engine:
    """Create the engine; SQLite gets foreign keys, WAL and a busy timeout on every connection; every commit that
    wrote something shown moves the data generation on (tracker/kept_pages.py), except on the migrations' engine
    (the generation's table may not be there yet; the code a migration comes with keys kept pages anew)."""
    is_sqlite = url.startswith("sqlite")
    engine = create_engine(
        url,
        echo=echo,
        pool_pre_ping=not is_sqlite,
        connect_args={"timeout": 30} if is_sqlite else {"options": POSTGRESQL_OPTIONS},
    )
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    if watched:
        watch_writes(engine)
    return engine


#: every PostgreSQL connection plans without parallel workers: Mindet's statements read a page of rows, and a
#: worker started for one (the overdue list's first page planned one) cost more than it saved, on cores that the
#: other requests of a busy server need (the overdue list 78 → 64 ms in one request at national scale); and prices
#: a page read at random as its data is kept (in memory or on SSD), not as on a spinning disk (the default, 4): the
#: focal point's list looked its 2,299 checkpoints up by key instead of reading all 92,698 (my work 47 → 40 ms, the
#: dashboard 66 → 61 ms in one request; the first sync of 15,000 obligations 35.1 → 32.5 s, the clock's jobs alike)
POSTGRESQL_OPTIONS = "-c max_parallel_workers_per_gather=0 -c random_page_cost=1.1"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # SQLite's lower() folds ASCII only: searches compare Cyrillic through Python's casefold (and ё as е)
    dbapi_connection.create_function("mindet_casefold", 1, _casefold, deterministic=True)


def _casefold(value):
    return value.casefold().replace("ё", "е") if isinstance(value, str) else value


def init_app(app: Flask) -> None:
    """Attach the engine to the app and close the request's session on teardown."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app.extensions["engine"] = make_engine(url, echo=app.config["SQL_ECHO"])
    app.teardown_appcontext(close_session)


def get_engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["engine"]


def get_session() -> Session:
    """The session of the current app context, created on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    """Roll back anything left uncommitted and close the session."""
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


#: the tables whose rows the kept counts' triggers rewrite on every report, checkpoint and obligation change
KEPT_COUNT_TABLES = ("checkpoint", "section_tally", "section_class_tally", "overdue_tally")


def compact_kept_counts(engine: Engine) -> bool:
    """Rewrite the kept counts' tables compact after a bulk load (PostgreSQL; False elsewhere). Loading a national
    catalogue rewrites each tally row hundreds of times in one transaction: section_tally held 38,908 rows in 33 MB
    (2 MB compact) and checkpoint 37 MB (10 MB), and every page that sums them read the dead space. A rewrite locks
    each table for a fraction of a second; autovacuum would only make the space reusable, not give it back."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql(f"VACUUM (FULL, ANALYZE) {', '.join(KEPT_COUNT_TABLES)}")
    return True


def refresh_statistics(session: Session, table: str) -> None:
    """Have PostgreSQL measure `table` again (nothing elsewhere), in a transaction of its own: its plans that rest on
    the table's size are made anew. A table that a long run fills from empty keeps the plans made when it was
    nearly empty (a scan of the whole table where a key would do) until something tells the planner it grew. Only
    the table's owner may: anyone else is warned by the server, and nothing fails."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.commit()
    session.execute(text(f"ANALYZE {table}"))
    session.commit()
