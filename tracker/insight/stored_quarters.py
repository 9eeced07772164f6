"""The on-time figures of complete quarters, stored once computed: a complete quarter changes only when a report,
checkpoint or obligation of it does, and the database's triggers then drop what was stored (migration 0023).
Today's league table, trend, digests and execution reports read a few thousand stored rows instead of grouping
every report due in every quarter again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from tracker.models import Instrument, Organization, QuarterRate, StoredQuarter
from tracker.periods import Period
from tracker.timeutil import now_utc

#: the advisory lock the triggers of migration 0023 take shared; storing takes it exclusively
FIGURES_LOCK = 4221027

#: (instrument id, organization id, organization code, due day, on time, total) of the reports due from one day to
#: another of some instruments, as computed
Computed = Callable[[Session, date, date, list[int]], list[tuple[int, int, str, date, int, int]]]


def quarter_counts(session: Session, quarters: list[Period], instrument_ids: list[int] | None,
                   compute: Computed, *, per_organization: bool = True) -> list[tuple[date, str | None, int, int]]:
    """(quarter start, organization code, on time, total) over these complete quarters and instruments (None: all),
    read from what is stored; a quarter not stored yet is computed by `compute` and stored for the next reader.
    Without `per_organization`, one row per quarter (code None)."""
    if not quarters:
        return []
    starts = [quarter.starts_on for quarter in quarters]
    scope = instrument_ids if instrument_ids is not None else list(session.exec(select(Instrument.id)))
    missing = _missing(session, quarters, scope)
    unstored = _store(session, missing, compute) if missing else []
    if per_organization:  # summed per organization id, then named: naming 9,000 rates first cost as much again
        summed = (select(QuarterRate.starts_on, QuarterRate.organization_id,
                         func.sum(QuarterRate.on_time).label("on_time"), func.sum(QuarterRate.total).label("total"))
                  .where(QuarterRate.starts_on.in_(starts))
                  .group_by(QuarterRate.starts_on, QuarterRate.organization_id))
        if instrument_ids is not None:
            summed = summed.where(QuarterRate.instrument_id.in_(instrument_ids))
        summed = summed.subquery()
        stored = (select(summed.c.starts_on, Organization.code, summed.c.on_time, summed.c.total)
                  .join(Organization, Organization.id == summed.c.organization_id))
    else:  # each instrument's totals, kept beside its rates: a row per instrument, not per organization
        stored = (select(StoredQuarter.starts_on, func.sum(StoredQuarter.on_time), func.sum(StoredQuarter.total))
                  .where(StoredQuarter.starts_on.in_(starts)).group_by(StoredQuarter.starts_on))
        if instrument_ids is not None:
            stored = stored.where(StoredQuarter.instrument_id.in_(instrument_ids))
    counts: dict[tuple[date, str], list[int]] = {}
    read = session.exec(stored) if per_organization else ((start, None, *sums) for start, *sums in session.exec(stored))
    for starts_on, code, on_time, total in [*read, *unstored]:
        row = counts.setdefault((starts_on, code if per_organization else None), [0, 0])
        row[0] += on_time
        row[1] += total
    return [(starts_on, code, on_time, total) for (starts_on, code), (on_time, total) in counts.items()]


def _missing(session: Session, quarters: list[Period], scope: list[int]) -> dict[Period, list[int]]:
    """Quarter → the instruments of `scope` whose figures for it are not stored."""
    stored = set(session.exec(select(StoredQuarter.instrument_id, StoredQuarter.starts_on).where(
        StoredQuarter.starts_on.in_([q.starts_on for q in quarters]))).all())
    missing = {quarter: [i for i in scope if (i, quarter.starts_on) not in stored] for quarter in quarters}
    return {quarter: ids for quarter, ids in missing.items() if ids}


def _store(session: Session, missing: dict[Period, list[int]], compute: Computed) -> list[tuple[date, str, int, int]]:
    """Compute the missing quarters and store them where no write is in flight; returns what could not be stored
    (computed in the reader's session instead), in the shape of `quarter_counts`."""
    with _exclusive(session) as writer:
        if writer is None:  # a write holds the figures: serve them computed, store them another time
            return [(quarter.starts_on, organization[1], *counts)
                    for (_i, quarter, organization), counts in _computed(session, missing, compute).items()]
        missing = _missing(writer, list(missing), sorted({i for ids in missing.values() for i in ids}))
        if not missing:
            return []
        insert = postgres_insert if writer.get_bind().dialect.name == "postgresql" else sqlite_insert
        rates = [dict(instrument_id=instrument_id, starts_on=quarter.starts_on, ends_on=quarter.ends_on,
                      organization_id=organization[0], on_time=on_time, total=total)
                 for (instrument_id, quarter, organization), (on_time, total)
                 in _computed(writer, missing, compute).items()]
        if rates:  # one statement executed over every row (compiled once), not a VALUES list per call
            writer.execute(insert(QuarterRate).on_conflict_do_nothing(), rates)
        sums: dict[tuple[int, date], dict[str, int]] = {}  # each instrument's quarter: its rates added up
        for rate in rates:
            row = sums.setdefault((rate["instrument_id"], rate["starts_on"]), {"on_time": 0, "total": 0})
            row["on_time"] += rate["on_time"]
            row["total"] += rate["total"]
        now = now_utc()
        writer.execute(insert(StoredQuarter).on_conflict_do_nothing(),
                       [dict(instrument_id=i, starts_on=quarter.starts_on, ends_on=quarter.ends_on, stored_at=now,
                             **sums.get((i, quarter.starts_on), {"on_time": 0, "total": 0}))
                        for quarter, ids in missing.items() for i in ids])
        return []


def _computed(session: Session, missing: dict[Period, list[int]], compute: Computed) -> dict[tuple, list[int]]:
    """(instrument id, quarter, (organization id, code)) → [on time, total] over the missing quarters, from one
    computation over their whole span (one query, whatever the number of quarters)."""
    quarters = sorted(missing, key=lambda q: q.starts_on)
    wanted = {(i, quarter.starts_on) for quarter, ids in missing.items() for i in ids}
    counts: dict[tuple, list[int]] = {}
    for instrument_id, organization_id, code, due_on, on_time, total in compute(
            session, quarters[0].starts_on, quarters[-1].ends_on, sorted({i for i, _start in wanted})):
        quarter = Period.containing(due_on, "quarterly")
        if (instrument_id, quarter.starts_on) in wanted:
            row = counts.setdefault((instrument_id, quarter, (organization_id, code)), [0, 0])
            row[0] += on_time
            row[1] += total
    return counts


@contextmanager
def _exclusive(session: Session) -> Iterator[Session | None]:
    """A session of its own in a transaction that no figure-changing write overlaps (committed at the end), or
    None at once when one is in flight: the reader's own transaction may be that write, so nothing waits."""
    engine = session.get_bind().engine
    postgres = engine.dialect.name == "postgresql"
    connection = engine.connect()
    try:
        if postgres:
            taken = connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": FIGURES_LOCK}).scalar()
        else:  # SQLite has one writer: take the write lock before reading, or give up at once
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("PRAGMA busy_timeout=0")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                taken = True
            except OperationalError:
                taken = False
        if not taken:
            yield None
            return
        with Session(bind=connection) as writer:
            yield writer
            writer.flush()
        if postgres:
            connection.commit()
        else:
            connection.exec_driver_sql("COMMIT")
    finally:
        if not postgres:
            if connection.connection.dbapi_connection.in_transaction:
                connection.exec_driver_sql("ROLLBACK")
            connection.exec_driver_sql("PRAGMA busy_timeout=30000")
        connection.close()
