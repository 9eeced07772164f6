"""Realistic, deterministic data at national scale for the benchmark: instruments with sections, obligations,
owners (groups and co-executors), checkpoints over 2024–2027, reports with histories (submissions, returns,
resubmissions, acceptances), evidence metadata and people with roles — written through the models' tables in
bulk inserts, with ids assigned here so that no row has to be read back.

national ≈ 100 instruments, 15,000 obligations, 120,000 checkpoints, 600 organizations, 2,000 users, 1,000,000
status updates, 200,000 evidence records; small = one tenth.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache

from sqlalchemy import func, insert, select, text
from sqlmodel import Session, SQLModel

from tracker.db import compact_kept_counts
from tracker.models import (
    Checkpoint,
    Commission,
    CommissionSecretaryship,
    Evidence,
    GroupMembership,
    Indicator,
    IndicatorValue,
    Instrument,
    Membership,
    Obligation,
    ObligationOwner,
    Organization,
    Report,
    Secretaryship,
    Section,
    StatusUpdate,
    User,
)
from tracker.people.passwords import hash_password
from tracker.periods import Period
from tracker.text import render_markdown

#: every generated account signs in with this password (the benchmark's client uses it)
PASSWORD = "bench correct horse battery"
BATCH = 5_000


@dataclass(frozen=True)
class Scale:
    """How much to make."""

    instruments: int
    obligations_per_instrument: int
    organizations: int
    users: int

    @classmethod
    def named(cls, name: str) -> Scale:
        """"national" or "small" (one tenth)."""
        if name == "national":
            return cls(instruments=100, obligations_per_instrument=150, organizations=600, users=2_000)
        if name == "small":
            return cls(instruments=10, obligations_per_instrument=150, organizations=60, users=200)
        raise ValueError(f"unknown scale {name!r}: national or small")


#: the tables in the order their rows can be inserted (parents first)
ORDER = (Organization, GroupMembership, User, Membership, Commission, CommissionSecretaryship, Instrument,
         Secretaryship, Section, Obligation, ObligationOwner, Checkpoint, Report, StatusUpdate, Evidence, Indicator,
         IndicatorValue)


class _Rows:
    """Rows of one table, inserted in batches as they accumulate; ids handed out here."""

    def __init__(self, tables: _Tables, model):
        self.tables, self.table, self.next_id, self.pending, self.count = tables, model.__table__, 1, [], 0

    def add(self, **values) -> int:
        if "id" in self.table.c:  # a link table (group membership) has no id of its own
            values["id"] = self.next_id
        self.next_id += 1
        self.pending.append(values)
        if len(self.pending) >= BATCH:
            self.tables.flush()  # every table, parents first: a child's batch never precedes its parents
        return self.next_id - 1


class _Tables(dict):
    """model → its _Rows; flushing writes every table's pending rows in dependency order."""

    def __init__(self, session: Session):
        super().__init__()
        self.session = session
        for model in ORDER:
            self[model] = _Rows(self, model)

    def flush(self) -> None:
        for model in ORDER:
            rows = self[model]
            if rows.pending:
                keys = set().union(*rows.pending)  # one executemany needs the same columns in every row
                for row in rows.pending:
                    for key in keys - row.keys():
                        default = rows.table.c[key].default
                        row[key] = default.arg if default is not None and default.is_scalar else None
                self.session.execute(insert(rows.table), rows.pending)
                rows.count += len(rows.pending)
                rows.pending = []


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(hour=rng.randint(3, 12), minute=rng.randint(0, 59)), UTC)


def seed(session: Session, scale: Scale, *, today: date, seed_value: int = 1,
         progress: Callable[[str, int], None] = lambda step, n: None) -> dict[str, int]:
    """Fill an empty database (schema migrated, no rows) with generated data; the counts per table."""
    if session.execute(select(func.count()).select_from(Instrument)).scalar_one():
        raise ValueError("the database already holds instruments: seed an empty one (mindet db upgrade first)")
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    tables = _Tables(session)
    org_ids = _organizations(tables, scale, rng, now)
    groups = {group: rng.sample(org_ids[:-4], rng.randint(5, 20)) for group in org_ids[-4:]}
    for group, members in groups.items():
        for position, member in enumerate(members):
            tables[GroupMembership].add(group_id=group, member_id=member, position=position)
    progress("organizations", len(org_ids))
    users, secretaries, focal = _people(tables, scale, org_ids, rng, now)
    progress("users", tables[User].next_id - 1)
    commissions = _commissions(tables, secretaries, now)
    world = _World(tables, scale, org_ids, groups, secretaries, focal, rng, now, today, commissions)
    for index in range(scale.instruments):
        _instrument(world, index)
        progress("instruments", index + 1)
    tables.flush()
    _bump_sequences(session)
    return {model.__tablename__: rows.count for model, rows in tables.items()}


def _organizations(tables, scale: Scale, rng: random.Random, now: datetime) -> list[int]:
    kinds = ["ministry"] * 4 + ["akimat"] * 2 + ["union"] * 7 + ["employer"] * 7
    ids = []
    for index in range(scale.organizations - 4):
        kind = kinds[index % len(kinds)]
        ids.append(tables[Organization].add(
            code=f"{kind[:3].upper()}-{index + 1:04d}", kind=kind, name_ru=f"Организация {index + 1} ({kind})",
            name_kk=f"Ұйым {index + 1}", name_en=f"Organization {index + 1}", aliases=[], is_group=False))
    for index, code in enumerate(("ГР-МИО", "ГР-ЦГО", "ГР-РОП", "ГР-РОР")):
        ids.append(tables[Organization].add(code=code, kind="group", name_ru=f"Группа {index + 1}", aliases=[],
                                            is_group=True, group_reports="each_member" if index < 2 else "jointly"))
    return ids


def _people(tables, scale: Scale, org_ids: list[int], rng: random.Random, now: datetime):
    password = hash_password(PASSWORD)  # one hash for all: hashing 2,000 passwords would dominate the seed
    roles = ("focal_point", "alternate", "head")
    focal: dict[int, int] = {}
    users = 0
    secretaries = []
    for index in range(scale.users):
        if index < scale.users // 20:
            kind, org = "secretary", None
        elif index < scale.users // 20 + 10:
            kind, org = "observer", None
        else:
            org = org_ids[(index // 3) % (len(org_ids) - 4)]
            kind = roles[index % 3]
        user_id = tables[User].add(email=f"{kind}{index + 1}@bench.mindet.kz", name=f"{kind} {index + 1}",
                                   password_hash=password, language=("ru", "kk", "en")[index % 3],
                                   digest_frequency="quarterly", active=True, is_admin=index == 0,
                                   is_observer=kind == "observer", failed_logins=0, created_at=now)
        users += 1
        if kind == "secretary":
            secretaries.append(user_id)
        elif org is not None:
            tables[Membership].add(user_id=user_id, organization_id=org, role=kind, created_at=now)
            focal.setdefault(org, user_id)
    return users, secretaries, focal


_SCHEDULES = (("quarterly", 8), ("half", 6), ("yearly", 4), ("monthly", 12), ("once", 1))


def _periods(rng: random.Random) -> list[Period]:
    kind, count = rng.choice(_SCHEDULES)
    start = date(rng.choice((2024, 2025, 2026)), 1, 1)
    if kind == "once":
        return [Period.year(start.year + rng.randint(0, 1))]
    first = Period.containing(start, kind)
    periods = [first]
    while len(periods) < count:
        periods.append(periods[-1].next())
    return periods


@dataclass(frozen=True)
class _World:
    """What every generated instrument draws on."""

    tables: _Tables
    scale: Scale
    org_ids: list[int]
    groups: dict[int, list[int]]
    secretaries: list[int]
    focal: dict[int, int]
    rng: random.Random
    now: datetime
    today: date
    commissions: dict[str, list[int]]  #: level → commission ids


def _commission_of(commissions: dict[str, list[int]], kind: str, index: int) -> int:
    """Regional and industry agreements to their level's commissions in turn; the rest to the republican one."""
    level = kind if kind in ("regional", "industry") else "republican"
    return commissions[level][(index // 4) % len(commissions[level])]


#: the commissions of a national deployment (the sources count 20 regional and about 16 industry agreements)
REGIONS, INDUSTRIES = 20, 16


def _commissions(tables, secretaries: list[int], now: datetime) -> dict[str, list[int]]:
    """The republican commission, one per region and one per industry, each with a secretary of its own."""
    levels = {"republican": 1, "regional": REGIONS, "industry": INDUSTRIES}
    found: dict[str, list[int]] = {}
    for level, count in levels.items():
        for index in range(count):
            commission = tables[Commission].add(
                key=f"bench-{level}-{index + 1:02d}", level=level, short_ru=f"{level[:3].upper()}-{index + 1}",
                name_ru=f"Трёхсторонняя комиссия ({level}, {index + 1})", parties={},
                region=f"Регион {index + 1}" if level == "regional" else None,
                industry=f"Отрасль {index + 1}" if level == "industry" else None, created_at=now, updated_at=now)
            found.setdefault(level, []).append(commission)
            secretary = secretaries[(len(found[level]) + 7 * len(found)) % len(secretaries)]
            tables[CommissionSecretaryship].add(user_id=secretary, commission_id=commission, created_at=now)
    return found


def _instrument(world: _World, index: int) -> None:
    tables, scale, org_ids, groups = world.tables, world.scale, world.org_ids, world.groups
    secretaries, focal, rng, now = world.secretaries, world.focal, world.rng, world.now
    kind = ("general", "industry", "regional", "roadmap")[index % 4]
    instrument = tables[Instrument].add(
        key=f"bench-{kind}-{index + 1:03d}", kind=kind, title_ru=f"Соглашение {index + 1} ({kind})",
        valid_from=date(2024, 1, 1), valid_to=date(2027, 12, 31), completeness="complete", language="ru",
        parties=[], is_public=index % 5 == 0, file_name=f"bench-{index + 1}.yaml", created_at=now, updated_at=now,
        commission_id=_commission_of(world.commissions, kind, index))
    for secretary in {secretaries[index % len(secretaries)], secretaries[0]}:
        tables[Secretaryship].add(user_id=secretary, instrument_id=instrument, created_at=now)
    sections = [tables[Section].add(instrument_id=instrument, number=str(s + 1), position=s,
                                    title_ru=f"Раздел {s + 1}") for s in range(5)]
    lead_pool = org_ids[: len(org_ids) - 4]
    first_measures = []
    for position in range(scale.obligations_per_instrument):
        section = sections[position * len(sections) // scale.obligations_per_instrument]
        number = f"{sections.index(section) + 1}.{position + 1}"
        text_ru = (f"Обеспечить исполнение мероприятия {number} по вопросам занятости, трудовых споров и "
                   f"социального партнёрства в отрасли {rng.randint(1, 40)}")
        obligation = tables[Obligation].add(
            key=f"bench-{kind}-{index + 1:03d}/{number}", instrument_id=instrument, section_id=section,
            number=number, position=position, text=text_ru, deadline_text="ежеквартально",
            deadline_kind="recurring", owners_text="", translations={}, content_hash="0" * 64,
            created_at=now, updated_at=now)
        if position < 2:
            first_measures.append((obligation, number))
        owners = [(rng.choice(lead_pool), True)] + [(org, False) for org in rng.sample(lead_pool, rng.randint(0, 2))]
        if rng.random() < 0.05:
            owners.append((rng.choice(list(groups)), False))
        seen = set()
        for rank, (org, is_lead) in enumerate(owners):
            if org in seen:
                continue
            seen.add(org)
            tables[ObligationOwner].add(obligation_id=obligation, organization_id=org, position=rank, is_lead=is_lead,
                                        is_by_agreement=rng.random() < 0.1)
        responsible = []
        for org, is_lead in owners:
            if org in groups:
                responsible += [(member, False, org) for member in groups[org]]
            else:
                responsible.append((org, is_lead, None))
        for period in _periods(rng):
            checkpoint = tables[Checkpoint].add(obligation_id=obligation, period=period.label,
                                                starts_on=period.starts_on, due_on=period.ends_on,
                                                original_due_on=period.ends_on, is_event=False, created_at=now)
            done = set()
            for org, is_lead, via in responsible:
                if org in done:
                    continue
                done.add(org)
                _report(world, checkpoint, period.ends_on, (org, is_lead, via), focal.get(org),
                        secretaries[index % len(secretaries)])
    _indicators(world, instrument, f"bench-{kind}-{index + 1:03d}", first_measures, lead_pool)


def _indicators(world: _World, instrument: int, key: str, measures: list[tuple[int, str]], reporters: list[int]):
    """Three indicators of an instrument (one of the whole, one on each of its first two measures): a baseline at
    the end of 2023, a target at the end of 2027, quarterly values accepted up to the last quarter over, drifting
    around the planned line so that some are on track, some at risk, some off track."""
    rng, now, tables = world.rng, world.now, world.tables
    for n, (obligation, number) in enumerate([(None, None), *measures]):
        baseline, target = rng.uniform(50, 150), rng.uniform(10, 200)
        indicator = tables[Indicator].add(
            key=f"{key}/indicator-{n + 1}", instrument_id=instrument, obligation_id=obligation, position=n,
            name_ru=f"Показатель {n + 1}" + (f" меры {number}" if number else ""), unit="percent",
            direction="up" if target > baseline else "down", tolerance=10.0, baseline_value=round(baseline, 1),
            baseline_on=date(2023, 12, 31), baseline_source="bench",
            targets=[{"period": "2027", "due_on": "2027-12-31", "value": round(target, 1), "source": "bench",
                      "final": True}],
            reporter_id=rng.choice(reporters), frequency="quarterly", is_public=n == 0, content_hash="0" * 64,
            created_at=now, updated_at=now)
        quarter = Period.quarter(2024, 1)
        while quarter.ends_on < world.today:
            share = (quarter.ends_on - date(2023, 12, 31)).days / (date(2027, 12, 31) - date(2023, 12, 31)).days
            value = baseline + (target - baseline) * share + rng.gauss(0, abs(target - baseline) * 0.1)
            accepted = _moment(quarter.ends_on + timedelta(days=rng.randint(5, 30)), rng)
            tables[IndicatorValue].add(indicator_id=indicator, period=quarter.label, period_end=quarter.ends_on,
                                       value=round(value, 2), source="bench", state="accepted",
                                       organization_id=rng.choice(reporters), submitted_at=accepted,
                                       decided_at=accepted)
            quarter = quarter.next()


@cache
def _note_html(note: str) -> str:
    """A note as the application stores it beside its text when it is written (rendered and sanitised once): the
    pages show the stored form (a few distinct notes here, each rendered once)."""
    return str(render_markdown(note))


def _report(world: _World, checkpoint: int, due_on: date, owner: tuple, author: int | None, secretary: int) -> None:
    """One report and its history: past checkpoints mostly answered (on time or late, some returned and
    resubmitted, most accepted); future ones not started. `owner` is (organization, is lead, via group)."""
    tables, rng, today, now = world.tables, world.rng, world.today, world.now
    org, is_lead, via = owner
    history = []
    if due_on < today and rng.random() < 0.85:
        submitted = due_on + timedelta(days=rng.randint(-20, 60))
        submitted = min(submitted, today - timedelta(days=1))
        for step in range(rng.randint(1, 3), 0, -1):  # drafts saved along the way
            history.append(("in_progress", submitted - timedelta(days=10 * step + rng.randint(0, 9)), author))
        history.append(("submitted", submitted, author))
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            returned = history[-1][1] + timedelta(days=rng.randint(1, 10))
            history.append(("returned", returned, secretary))
            history.append(("submitted", returned + timedelta(days=rng.randint(1, 15)), author))
        if rng.random() < 0.8:
            history.append(("accepted", history[-1][1] + timedelta(days=rng.randint(1, 20)), secretary))
    elif due_on - timedelta(days=60) < today and rng.random() < 0.4:
        history.append(("in_progress", today - timedelta(days=rng.randint(1, 30)), author))
    history = [(status, min(day, today - timedelta(days=1)), who) for status, day, who in history]
    moments = [_moment(day, rng) for _status, day, _who in history]
    submissions = [moment for (status, _day, _who), moment in zip(history, moments, strict=True)
                   if status == "submitted"]
    report_id = tables[Report].add(
        checkpoint_id=checkpoint, organization_id=org, via_group_id=via, is_lead=is_lead, is_by_agreement=False,
        status=history[-1][0] if history else "not_started", version=len(history),
        submitted_at=submissions[-1] if submissions else None,
        first_submitted_at=submissions[0] if submissions else None, updated_at=moments[-1] if moments else now)
    previous = "not_started"
    for version, ((status, _day, who), moment) in enumerate(zip(history, moments, strict=True), 1):
        note = f"Выполнено: этап {version}"
        update = tables[StatusUpdate].add(report_id=report_id, status=status, previous_status=previous,
                                          report_version=version, note=note, note_html=_note_html(note),
                                          author_id=who, created_at=moment)
        if status == "submitted" and rng.random() < 0.5:
            digest = hashlib.sha256(f"{update}".encode()).hexdigest()
            tables[Evidence].add(report_id=report_id, status_update_id=update, kind="file",
                                 file_name=f"Справка {update}.pdf", storage_key=digest, sha256=digest,
                                 size=rng.randint(20_000, 2_000_000), content_type="application/pdf",
                                 is_public=rng.random() < 0.2, uploaded_by_id=who, created_at=moment)
        previous = status


def analyze(session: Session) -> None:
    """Refresh the planner's statistics after a bulk load (commits): without them PostgreSQL plans the dashboard's
    on-time figures as nested loops over every status update (39 s instead of 0.13 s on the small data). On
    PostgreSQL also VACUUM: the triggers that keep the counts leave a dead row version per count they move (218,000
    in section_tally, 30 MB for 2 MB of rows), which autovacuum clears on a server with its defaults; a server with
    autovacuum off (this machine's) would otherwise measure every page over the dead rows.

    Only the tables that hold rows, as autovacuum would: an empty table analyzed is planned as one that stays
    empty, so the first quarter-end tick checked each claim's outbox message by reading the whole growing outbox
    (22 s of its 47), where a table never analyzed is looked up by its index."""
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        filled = [table.name for table in SQLModel.metadata.sorted_tables
                  if session.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table.name})")).scalar()]
        session.commit()
        compact_kept_counts(session.get_bind())  # as `mindet roadmaps sync` does after a bulk load
        with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"VACUUM ANALYZE {', '.join(filled)}"))
            # the load's pages written out now, not by a checkpoint spread over the minutes the pages and jobs are
            # timed in (the bench's account is the server's superuser)
            connection.execute(text("CHECKPOINT"))
    else:
        session.execute(text("ANALYZE"))
        session.commit()


def _bump_sequences(session: Session) -> None:
    """PostgreSQL: move each id sequence past the ids given here (SQLite needs nothing)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in SQLModel.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"))
