"""The clock process (Procfile `clock`, `mindet scheduler run`): APScheduler in its own process, never in web workers.

Its one job, `tick`, decides from the database what is due: reminders once a day from the send hour, the digest
of a period from its first working day, and delivery of the outbox. It is safe to run twice and to run late: every
email is claimed under a unique key first. Only one clock works at a time — a PostgreSQL advisory lock, or a file
lock beside the SQLite database; a second clock started by mistake waits idle and takes over if the first dies.
A database that goes away (restart, network) makes the clock skip runs and then wait for the lock again; it
resumes by itself when the database is back.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tracker import metrics
from tracker.db import get_engine, get_session
from tracker.insight import open_data, prepared, rating
from tracker.models import ClockBeat
from tracker.notify import outbox
from tracker.notify.digests import send_digests
from tracker.notify.reminders import run_reminders
from tracker.periods import Period, is_working_day
from tracker.reporting import debris
from tracker.reporting.storage import evidence_folder
from tracker.timeutil import ALMATY, now_utc

log = logging.getLogger(__name__)
#: the advisory-lock key of the clock on PostgreSQL ("mindet" in ASCII)
LOCK_KEY = 0x6D696E646574


class Leadership:
    """The right to run jobs: held for the life of the process, released when it exits, checked before every job
    (a PostgreSQL restart or an idle timeout cuts the lock's connection, and with it the lock)."""

    def __init__(self, release, still_held):
        self.release = release
        self.still_held = still_held


def acquire_leadership(engine) -> Leadership | None:
    """Take the clock lock without waiting; None when another clock holds it."""
    if engine.dialect.name == "postgresql":
        connection = engine.connect()  # the session-level lock lives as long as this connection
        # a connection cut without a word (a network partition) would keep the lock on the server for hours: the
        # server probes this session's socket and ends it within about a minute once nobody answers
        for setting, seconds in (("tcp_keepalives_idle", 30), ("tcp_keepalives_interval", 10),
                                 ("tcp_keepalives_count", 3)):
            connection.execute(text(f"SET {setting} = {seconds}"))
        if connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar():
            connection.commit()

            def release():
                # closing would only return the connection to the pool, still holding the lock: unlock first
                try:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                    connection.commit()
                finally:
                    connection.close()

            def still_held() -> bool:
                try:
                    held = connection.execute(text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = :key"),
                        {"key": LOCK_KEY}).scalar()
                    connection.commit()
                    return held == 1
                except Exception:  # the connection is gone, and the lock with it
                    log.exception("the clock lock's connection failed")
                    return False
            return Leadership(release, still_held)
        connection.close()
        return None
    database = engine.url.database
    # not thread-local: the jobs that check it run in the scheduler's worker threads
    path = f"{database}.clock.lock" if database else str(Path.cwd() / "mindet.clock.lock")
    lock = FileLock(path, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return None
    return Leadership(lock.release, lambda: lock.is_locked)


def tick(app, now: datetime | None = None, should_stop: Callable[[], bool] = lambda: False) -> dict:
    """Everything that is due at `now`: reminders (from the send hour), digests (from their first working day at
    the send hour, late ones once), then delivery. Runs in the app's context; returns what it did. `should_stop`
    is asked between people and between messages: a stopping clock leaves the rest to the next one."""
    now = now or now_utc()
    config = app.config
    local = now.astimezone(ALMATY)
    session = get_session()
    done = {}
    # reminders and digests wait for a working day; the outbox (invitations, resets) is delivered on any day
    if local.hour >= config["SEND_HOUR"] and is_working_day(local.date(), config["HOLIDAYS"]):
        done["reminders"] = run_reminders(session, now, local.date(), app=app, should_stop=should_stop).emails
        for kind in ("quarterly", "monthly"):
            period = Period.containing(local.date(), kind)
            if local.date() >= period.send_on(config["HOLIDAYS"]):
                counts = send_digests(session, period, now, local.date(), app=app, should_stop=should_stop)
                done[f"digest {period.label}"] = counts.get("queued", 0)
    # the quarter just over is frozen in the rating of commissions once (a cheap check on every other tick)
    done["rating"] = rating.freeze(session, Period.containing(local.date(), "quarterly").previous(), local.date(), now)
    session.commit()
    # the open data package is rebuilt once a day (a folder swapped whole: readers never see half of it)
    try:
        done["open data"] = sum(open_data.refresh(session, config["OPEN_DATA_DIR"], base_url=config["BASE_URL"],
                                                  now=now, today=local.date()).values())
    except OSError:  # a full or read-only disk must not stop reminders and delivery
        log.exception("building the open data package failed")
    session.rollback()
    delivered = outbox.deliver(session, now, config, should_stop=should_stop)
    done.update(sent=delivered.sent, retrying=delivered.retrying, failed=delivered.failed)
    return done


def _guarded(job, leadership: Leadership, scheduler, *, beat: bool = True):
    """Run `job` only while this clock still holds the lock; when it is lost, stop the clock (a supervisor
    restarts it, and it then waits as the standby). `beat`: write the heartbeat first (the jobs of every minute
    do; the one of every two seconds does not)."""
    def run(app, stop: threading.Event):
        if not leadership.still_held():
            log.error("the clock lock was lost (database restarted or connection cut): this clock stands by")
            scheduler.shutdown(wait=False)
            return
        if beat:
            with app.app_context():
                try:
                    record_beat(get_session(), now_utc())
                except DBAPIError as exc:  # the database is down: skip this run, the next one tries again
                    log.error("database unavailable, the clock waits for its next run: %s", exc.orig)
                    return
        job(app, stop)
    return run


def record_beat(session, now: datetime) -> None:
    """Write the clock's heartbeat (one row): /health shows when a clock last ran, and which one."""
    beat = session.get(ClockBeat, 1) or ClockBeat(id=1, holder="")
    beat.beat_at, beat.holder = now, f"{socket.gethostname()}:{os.getpid()}"
    session.add(beat)
    session.commit()


#: a clock silent for longer than this is reported as such on /health (its jobs run every minute)
SILENT_AFTER = timedelta(minutes=3)


def clock_health(session, now: datetime) -> dict:
    """What /health says of the clock: running (with its last beat and holder) or silent."""
    beat = session.get(ClockBeat, 1)
    if beat is None:
        return {"status": "silent", "last_beat_at": None}
    return {"status": "running" if now - beat.beat_at <= SILENT_AFTER else "silent",
            "last_beat_at": beat.beat_at.isoformat(), "holder": beat.holder}


def _tick_job(app, stop: threading.Event) -> None:
    started = time.perf_counter()
    with app.app_context():
        try:
            done = tick(app, should_stop=stop.is_set)
        except Exception:  # a bad tick must not stop the clock; the next one starts from the database again
            log.exception("tick failed", extra={"job": "tick"})
            return
    _job_done("tick", started, done)


def _delivery_job(app, stop: threading.Event) -> None:
    started = time.perf_counter()
    with app.app_context():
        try:
            delivered = outbox.deliver(get_session(), now_utc(), app.config, should_stop=stop.is_set)
        except Exception:
            log.exception("delivery failed", extra={"job": "delivery"})
            return
    _job_done("delivery", started, vars(delivered))


def _job_done(job: str, started: float, counts: dict) -> None:
    """One log line per job with what it did and how long it took; the same figures for /metrics."""
    seconds = time.perf_counter() - started
    log.info("%s: %s in %.1f s", job, counts, seconds, extra={"job": job, "counts": counts,
                                                              "duration_s": round(seconds, 3)})
    metrics.clock_job_done(job, seconds, counts)


def _files_job(app, stop: threading.Event) -> None:
    """Build the exports people asked for (tracker/insight/prepared.py), one after another."""
    started = time.perf_counter()
    with app.app_context(), app.test_request_context(base_url=app.config["BASE_URL"]):
        try:
            built = prepared.prepare_waiting(get_session(), now_utc(), should_stop=stop.is_set)
        except Exception:
            log.exception("preparing files failed", extra={"job": "files"})
            return
    if built:
        _job_done("files", started, {"built": len(built)})


def _sweep_job(app) -> None:
    """Temporary files of uploads a killed worker left (reporting.debris), and prepared files older than a day, at
    start and every hour."""
    try:
        debris.sweep_temporary(evidence_folder(app.config), now_utc())
    except OSError:
        log.exception("sweeping temporary upload files failed")
    with app.app_context():
        try:
            prepared.sweep(get_session(), now_utc())
        except DBAPIError as exc:
            log.error("deleting old prepared files failed: %s", exc.orig)


#: how often the outbox is delivered (and the lock checked): invitations and reset links should arrive quickly
DELIVERY_EVERY = {"minutes": 1}
#: how often the clock looks for files to prepare: a person waits on the page for them
FILES_EVERY = {"seconds": 2}


def build_scheduler(app, leadership: Leadership, stop: threading.Event) -> BackgroundScheduler:
    """The clock's schedule (Asia/Almaty): a tick every five minutes, and the outbox delivered every minute so
    that invitations and reset links arrive quickly; missed runs are merged into one; each job first checks that
    this clock still holds the lock."""
    scheduler = BackgroundScheduler(timezone=ALMATY)
    scheduler.add_job(_guarded(_tick_job, leadership, scheduler), "interval", minutes=5, args=[app, stop], id="tick",
                      replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=3600,
                      next_run_time=datetime.now(ALMATY))
    scheduler.add_job(_guarded(_delivery_job, leadership, scheduler), "interval", **DELIVERY_EVERY, args=[app, stop],
                      id="deliver", replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=300)
    scheduler.add_job(_guarded(_files_job, leadership, scheduler, beat=False), "interval", **FILES_EVERY,
                      args=[app, stop], id="files", replace_existing=True, coalesce=True, max_instances=1,
                      misfire_grace_time=60)
    scheduler.add_job(_sweep_job, "interval", hours=1, args=[app], id="sweep", replace_existing=True, coalesce=True,
                      max_instances=1)
    return scheduler


def run_clock(app, *, wait_seconds: int = 60, stop: threading.Event | None = None) -> None:
    """Be the one clock: wait idle while another holds the lock or the database is unreachable, run the schedule,
    and when the lock is lost (a database restart cuts it) stand by and start over. Returns on Ctrl-C or `stop`."""
    stop = stop or threading.Event()
    try:
        while (leadership := _wait_for_leadership(app, wait_seconds, stop)) is not None:
            _lead(app, leadership, stop)
            if stop.is_set():
                break
            log.warning("the clock lost its lock; it waits to become the clock again")
    except KeyboardInterrupt:
        pass
    log.info("clock stopped")


def _lead(app, leadership: Leadership, stop: threading.Event) -> None:
    """Run the schedule until asked to stop (Ctrl-C, `stop`) or until a guarded job finds the lock lost."""
    log.info("clock started (Asia/Almaty); it catches up anything missed while it was down")
    with app.app_context():
        try:
            session = get_session()
            if released := outbox.release_interrupted(session, now_utc()):
                log.warning("%s message(s) whose sending was interrupted are due again now", released)
            session.commit()
        except DBAPIError as exc:  # the first guarded job finds out, and the clock stands by
            log.error("database unavailable at start: %s", exc.orig)
    _sweep_job(app)
    scheduler = build_scheduler(app, leadership, stop)
    scheduler.start()
    try:
        while scheduler.running and not stop.wait(1):
            pass  # the jobs run in the scheduler's threads
    except KeyboardInterrupt:
        stop.set()
    finally:
        if scheduler.running:
            # a job in hand sees `stop` between people and between messages: the message being sent is sent and
            # recorded, the rest stay queued for the next clock; waiting for it keeps the lock until then
            scheduler.shutdown(wait=stop.is_set())
        try:
            leadership.release()
        except Exception:  # a lost lock's connection cannot unlock; there is nothing left to release
            log.warning("the clock lock could not be released: it was already gone")


def _wait_for_leadership(app, wait_seconds: int, stop: threading.Event) -> Leadership | None:
    """The lock, once this clock can take it; None when asked to stop first."""
    with app.app_context():
        engine = get_engine()
        while not stop.is_set():
            try:
                leadership = acquire_leadership(engine)
            except DBAPIError as exc:
                log.error("database unavailable (%s); the clock tries again in %s s", exc.orig, wait_seconds)
            else:
                if leadership is not None:
                    return leadership
                log.warning("another clock holds the lock; this one stays idle and retries in %s s", wait_seconds)
            stop.wait(wait_seconds)
    return None
