"""Pages kept once rendered, true until the data under them changes. Every committed write of something a page may
show adds one to the data generation (one row, data_generation), in the commit itself; a page's shared part is kept
under the generation it was rendered from, and served while the generation is the same, the day is the same and it
is younger than TRACKER_KEPT_PAGES_MINUTES. Nodes and workers share both through the database, so nothing has to be
told to forget anything.

Which writes count is decided by the statement, not by the code path that sends it: an INSERT, UPDATE or DELETE of
any table but those no page shows (sign-ins, the outbox, the audit trail, the kept counts and figures themselves)
marks the connection, and its next commit adds one. A write made outside Mindet (psql) is seen within the minutes
setting at the latest."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from tracker.models import DataGeneration, KeptPage
from tracker.timeutil import now_utc

#: tables whose writes change nothing a kept page shows: who is signed in, what is sent, what is logged, what the
#: clock did, files being prepared, and what is itself kept from other tables (their writes follow a counted write,
#: or are a reader storing what it computed). A page that shows one of them (the audit trail, the delivery log,
#: the clock's health) is never kept.
UNSHOWN_TABLES = frozenset({
    "login_session", "login_throttle", "one_time_token", "recovery_code", "api_token", "calendar_feed",
    "outbox_message", "audit_event", "clock_beat", "prepared_file",
    "section_tally", "section_class_tally", "overdue_tally", "stored_quarter", "quarter_rate",
    "kept_page", "data_generation",
})
#: columns of shown tables that no page shows: signing in writes them
UNSHOWN_COLUMNS = {"app_user": frozenset({"last_login_at", "failed_logins", "locked_until", "password_hash",
                                          "totp_last_step"})}
_WRITTEN = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)
_ASSIGNED = re.compile(r"\bSET\s+(.*?)\s+WHERE\b", re.IGNORECASE | re.DOTALL)
_COLUMN = re.compile(r'(?:^|,)\s*"?(\w+)"?\s*=')
_ANY_WRITE = re.compile(r"\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
#: where a connection notes that it wrote something shown (Connection.info lives with the pooled connection)
_WROTE = "mindet_wrote_shown"
#: kept pages older than this are deleted when another is kept: keys of past days are never asked for again
_FORGOTTEN_AFTER = timedelta(days=2)


def shown_table_written(statement: str) -> bool:
    """Whether an SQL statement writes a table some page shows (a WITH … statement that writes counts, whatever it
    writes: it is rare and cannot be told apart cheaply)."""
    written = _WRITTEN.match(statement)
    if written:
        table = written.group(1).lower()
        if table in UNSHOWN_TABLES:
            return False
        unshown = UNSHOWN_COLUMNS.get(table)
        if unshown and written.group(0).lstrip()[:6].upper() == "UPDATE":
            assigned = _ASSIGNED.search(statement)
            return not assigned or not set(_COLUMN.findall(assigned.group(1))) <= unshown
        return True
    return statement.lstrip()[:4].upper() == "WITH" and bool(_ANY_WRITE.search(statement))


def watch_writes(engine: Engine) -> None:
    """Have every commit on `engine` that follows a shown write add one to the data generation."""
    event.listen(engine, "after_cursor_execute", _note_write)
    event.listen(engine, "commit", _count_commit)
    event.listen(engine, "rollback", _forget_write)


def _note_write(connection: Connection, _cursor, statement: str, _parameters, _context, _many) -> None:
    if not connection.info.get(_WROTE) and shown_table_written(statement):
        connection.info[_WROTE] = True


def _count_commit(connection: Connection) -> None:
    # straight on the database connection: the commit is under way, and this statement must not be watched
    if connection.info.pop(_WROTE, False):
        cursor = connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute("UPDATE data_generation SET generation = generation + 1")
        finally:
            cursor.close()


def _forget_write(connection: Connection) -> None:
    connection.info.pop(_WROTE, None)


def has_unsaved_writes(session: Session) -> bool:
    """Whether the session's transaction wrote something shown that is not committed yet (a page rendered from it
    must not be kept: the write may still be rolled back)."""
    return bool(session.connection().info.get(_WROTE))


def kept(session: Session, parts: tuple, render: Callable[[], str], *, minutes: int) -> str:
    """The part of a page that `parts` (everything it depends on besides the data) names: as kept, if it was kept
    under the current data generation less than `minutes` ago; otherwise rendered and kept for the next reader."""
    if minutes <= 0 or has_unsaved_writes(session):
        return render()
    key = hashlib.sha256(repr(parts).encode()).hexdigest()
    # the generation is read first (with what is kept, in one statement): what is rendered after it is at least
    # as new as it, so a page is never kept under a generation newer than its data
    found = session.execute(
        select(DataGeneration.generation, KeptPage.generation, KeptPage.body, KeptPage.kept_at)
        .outerjoin(KeptPage, KeptPage.key == key).where(DataGeneration.id == 1)).first()
    if found is None:  # a database made without migrations: nothing to key on
        return render()
    generation, kept_generation, body, kept_at = found
    now = now_utc()
    if kept_generation == generation and kept_at > now - timedelta(minutes=minutes):
        return body
    body = render()
    _keep(session.get_bind(), key, generation, body, now)
    return body


def _keep(engine: Engine, key: str, generation: int, body: str, now) -> None:
    """Keep a rendered part on a connection of its own, committed at once; skipped when the database is busy
    (SQLite's one writer): the next reader keeps it."""
    postgres = engine.dialect.name == "postgresql"
    insert = (postgres_insert if postgres else sqlite_insert)(KeptPage).values(
        key=key, generation=generation, body=body, kept_at=now)
    upsert = insert.on_conflict_do_update(index_elements=["key"], set_={
        "generation": insert.excluded.generation, "body": insert.excluded.body, "kept_at": insert.excluded.kept_at})
    try:
        with engine.begin() as connection:
            if not postgres:
                connection.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                connection.execute(upsert)
                connection.execute(KeptPage.__table__.delete().where(KeptPage.kept_at < now - _FORGOTTEN_AFTER))
            finally:
                if not postgres:
                    connection.exec_driver_sql("PRAGMA busy_timeout=30000")
    except OperationalError:
        pass
