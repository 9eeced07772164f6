"""Large exports built in the background: asked for from a list, built by the clock one at a time with their
progress written as they go, handed over by any web node to the person who asked, deleted after a day.

A national overdue workbook (30,000 rows) takes a web worker 4 s alone and 9 s beside three others; built here, no
page waits for it, and the person watches its rows counted instead of a spinning tab."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import delete, update
from sqlmodel import Session, select
from werkzeug.datastructures import MultiDict

from tracker import audit
from tracker.as_of import Moment
from tracker.insight import exports
from tracker.insight.overdue import COLUMNS as OVERDUE_COLUMNS
from tracker.insight.overdue import Filters, export_records
from tracker.models import PreparedFile, User
from tracker.people.permissions import NotPermitted, access_for
from tracker.timeutil import now_utc

log = logging.getLogger(__name__)

#: a file asked for again within this time (a page reloaded, a link clicked twice) is the same file
SAME_FILE_WITHIN = timedelta(hours=1)
#: prepared files are deleted this long after they were asked for
KEPT_FOR = timedelta(days=1)
#: a file still "running" this long after it started was left by a clock that stopped: it is marked failed
ABANDONED_AFTER = timedelta(minutes=30)
#: rows written between two progress updates
PROGRESS_EVERY = 1_000


def _overdue(session: Session, user: User, arguments: dict) -> tuple[Iterable[dict], list[str]]:
    """The overdue list with the filters and day it was asked with, within what the person may list now."""
    scope = access_for(session, user).overdue_scope()  # NotPermitted when they may no longer list it
    filters = Filters.from_args(MultiDict(arguments["filters"])).understood(session).filters
    asked = date.fromisoformat(arguments["as_of"]) if arguments.get("as_of") else None
    when = Moment.for_asked(asked, date.fromisoformat(arguments["today"]))
    return export_records(session, filters, when, instrument_ids=scope), OVERDUE_COLUMNS


#: kind → (session, person, arguments) → (records, columns)
KINDS: dict[str, Callable[[Session, User, dict], tuple[Iterable[dict], list[str]]]] = {"overdue": _overdue}


def ask(session: Session, *, user: User, kind: str, arguments: dict, rows: int, name: str, now: datetime,
        ip: str | None = None) -> PreparedFile:
    """The file of `kind` built with `arguments` for this person: the one they asked for within the hour, unless it
    failed, else a new one, queued for the clock (audited: who took which list out, and when)."""
    fingerprint = hashlib.sha256(json.dumps([user.id, kind, arguments], sort_keys=True).encode()).hexdigest()
    earlier = session.exec(select(PreparedFile).where(
        PreparedFile.fingerprint == fingerprint, PreparedFile.user_id == user.id, PreparedFile.status != "failed",
        PreparedFile.created_at > now - SAME_FILE_WITHIN).order_by(PreparedFile.id.desc())).first()
    if earlier is not None:
        return earlier
    prepared = PreparedFile(token=secrets.token_urlsafe(32), user_id=user.id, kind=kind, arguments=arguments,
                            fingerprint=fingerprint, name=name, rows_total=rows, created_at=now)
    session.add(prepared)
    session.flush()
    audit.record(session=session, now=now, action="export.ask", object_type="prepared_file",
                 object_id=str(prepared.id), after={"kind": kind, "arguments": arguments, "rows": rows},
                 by=audit.Actor(user_id=user.id, ip=ip))
    return prepared


def find(session: Session, token: str, user: User) -> PreparedFile | None:
    """The prepared file behind a link, if it is this person's (anyone else's is "not found")."""
    return session.exec(select(PreparedFile).where(PreparedFile.token == token,
                                                   PreparedFile.user_id == user.id)).first()


def prepare_waiting(session: Session, now: datetime, *, should_stop: Callable[[], bool] = lambda: False,
                    clock: Callable[[], datetime] = now_utc) -> list[int]:
    """Build every queued file, oldest first, each claimed before it is built (a second clock skips it); the ids
    of those built. Files still running ABANDONED_AFTER after `now` was their start were left by a stopped clock:
    they are marked failed first. `clock` stamps when each build starts and ends."""
    session.execute(update(PreparedFile).where(PreparedFile.status == "running",
                                               PreparedFile.started_at < now - ABANDONED_AFTER)
                    .values(status="failed", error="interrupted", finished_at=now))
    session.commit()
    built = []
    while not should_stop():
        waiting = session.exec(select(PreparedFile.id).where(PreparedFile.status == "queued")
                               .order_by(PreparedFile.id).limit(1)).first()
        if waiting is None:
            break
        claimed = session.execute(update(PreparedFile).where(PreparedFile.id == waiting,
                                                             PreparedFile.status == "queued")
                                  .values(status="running", started_at=clock())).rowcount
        session.commit()
        if claimed:
            build(session, session.get(PreparedFile, waiting), clock)
            built.append(waiting)
    return built


def build(session: Session, prepared: PreparedFile, clock: Callable[[], datetime] = now_utc) -> None:
    """Write one file: its rows read as they are written, the count of rows done written every PROGRESS_EVERY
    rows in a transaction of its own (the page asking reads it), the workbook stored when whole; what went wrong
    is kept for the page to say."""
    file_id, user = prepared.id, session.get(User, prepared.user_id)
    arguments = prepared.arguments
    stream = io.BytesIO()
    try:
        with force_locale(arguments.get("language") or "ru"):
            records, columns = KINDS[prepared.kind](session, user, arguments)
            rows = exports.write_xlsx(_counted(records, file_id, session), stream, columns=columns,
                                      flat=exports.for_people, title=prepared.name, header=exports.headers(columns))
    except NotPermitted:
        _finish(session, file_id, clock(), status="failed", error="not permitted")
        return
    except Exception as exc:  # the file fails, the clock goes on; the page says so and the log says why
        log.exception("preparing %s %s failed", prepared.kind, file_id)
        _finish(session, file_id, clock(), status="failed", error=type(exc).__name__)
        return
    _finish(session, file_id, clock(), status="ready", content=stream.getvalue(), rows_done=rows, rows_total=rows)


def _counted(records: Iterable[dict], file_id: int, session: Session) -> Iterator[dict]:
    """The records, with the count written to the file's row every PROGRESS_EVERY of them, by a connection of its
    own to the session's database (the records are still being read over the session's)."""
    with Session(session.get_bind()) as progress:
        for done, record in enumerate(records, 1):
            yield record
            if done % PROGRESS_EVERY == 0:
                progress.execute(update(PreparedFile).where(PreparedFile.id == file_id).values(rows_done=done))
                progress.commit()


def _finish(session: Session, file_id: int, now: datetime, **values) -> None:
    """Record how a build ended, in a transaction begun after the reading one (whose view predates the progress
    written meanwhile: SQLite would refuse to write from it)."""
    session.rollback()
    session.execute(update(PreparedFile).where(PreparedFile.id == file_id).values(finished_at=now, **values))
    session.commit()


def sweep(session: Session, now: datetime) -> int:
    """Delete the files asked for more than a day ago; how many."""
    gone = session.execute(delete(PreparedFile).where(PreparedFile.created_at < now - KEPT_FOR)).rowcount
    session.commit()
    return gone
