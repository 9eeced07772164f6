"""Demo mode only: a plausible history of reporting up to the day the demo is seeded, so that a newcomer sees a
tracker in use — most reports submitted (some early, some late), returns and resubmissions, accepted reports,
notes and small evidence files, a few overdue — instead of a wall of overdue work. Never loaded by a sync.

Every step goes through the workflow (transitions, kept counts, audit) at the time it is dated. The draws are
seeded by each report's identity (measure, period, organization), so the same day gives the same history.
"""

from __future__ import annotations

import io
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from tracker import audit
from tracker.models import (
    Checkpoint,
    Instrument,
    Membership,
    Obligation,
    Organization,
    Report,
    StatusUpdate,
    User,
    is_live,
)
from tracker.people import accounts
from tracker.people.permissions import Access, access_for
from tracker.reporting import evidence as uploads
from tracker.reporting import workflow
from tracker.stores import EvidenceStore

ALMATY = ZoneInfo("Asia/Almaty")
#: how far ahead of the day the history reaches: measures due soon are already in progress or handed in
AHEAD = timedelta(days=45)
#: the domain of the accounts that carry the history of organizations without a demo focal point (no password)
HISTORY_DOMAIN = "history.demo.mindet.kz"

NOTES_IN_PROGRESS = (
    "Работа начата: назначены ответственные, подготовлен план мероприятий на {period}.",
    "Собираем сведения от подведомственных организаций; проект информации готовится.",
    "Проведено рабочее совещание; материалы направлены на согласование.",
)
NOTES_SUBMITTED = (
    "Мера исполнена за {period}: проведены запланированные мероприятия, информация направлена в секретариат.",
    "За {period} проведено {count} мероприятий с участием сторон социального партнёрства; итоги приложены.",
    "Исполнено. Подготовлена и направлена информация; охвачено {count} организаций.",
    "Выполнено в полном объёме за {period}: {count} встреч с трудовыми коллективами, протоколы приложены.",
)
RETURN_REASONS = (
    "Не приложены подтверждающие документы (протокол, справка).",
    "Информация дана в общем виде: укажите количество мероприятий и охват.",
    "Период отчёта указан неверно, уточните сведения за отчётный период.",
)
NOTES_RESUBMITTED = "Дополнено по замечаниям секретариата: приложены протокол и справка, указан охват ({count})."
NO_EVIDENCE = "Подтверждающие документы направлены в секретариат письмом."
LINKS = ("https://www.gov.kz/memleket/entities/enbek", "https://www.enbek.kz")


@dataclass
class HistorySummary:
    """What the history wrote: reports touched, updates posted, files attached, and accounts it made."""

    reports: int = 0
    updates: int = 0
    files: int = 0
    accounts: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


def _seed_of(*parts: object) -> random.Random:
    return random.Random("|".join(str(part) for part in parts))  # str seeds are hashed the same in every process


def _at(day: date, rng: random.Random) -> datetime:
    """A working moment (10:00–17:59 Almaty) of `day`, in UTC."""
    clock = time(10 + rng.randrange(8), rng.randrange(60))
    return datetime.combine(day, clock, ALMATY).astimezone(UTC)


class _Actors:
    """Who writes the history: each organization's reporter, and the secretary of each instrument."""

    def __init__(self, session: Session, secretaries: list[User], now: datetime):
        self.session, self.now, self.made = session, now, 0
        self._secretaries = [(user, access_for(session, user)) for user in secretaries]
        self._reporters: dict[int, tuple[User, Access]] = {}

    def reporter(self, organization: Organization) -> tuple[User, Access]:
        """A member of the organization (a demo focal point where there is one; else an account made for the
        history, which cannot sign in)."""
        if organization.id not in self._reporters:
            user = self.session.exec(select(User).join(Membership, Membership.user_id == User.id)
                                     .where(Membership.organization_id == organization.id)
                                     .order_by(User.id)).first()
            if user is None:
                user = accounts.create_user(
                    session=self.session, email=f"org{organization.id}@{HISTORY_DOMAIN}",
                    name=f"{organization.code}, контактное лицо (демо-история)",
                    grant=accounts.Grant("focal_point", (organization.code,)), now=self.now,
                    by=audit.Actor(label="cli:demo seed"))
                self.made += 1
            self._reporters[organization.id] = (user, access_for(self.session, user))
        return self._reporters[organization.id]

    def secretary(self, instrument: Instrument) -> tuple[User, Access] | None:
        """The first demo secretary who manages the instrument."""
        return next(((u, a) for u, a in self._secretaries if a.can_manage_instrument(instrument)), None)


def _plan(rng: random.Random, due: date, today: date) -> list[tuple[str, date]]:
    """The steps of one report as (status, day), all before today: the shape of a working year."""
    if due >= today:  # not yet due: some are started, a few handed in early
        draw = rng.random()
        started = due - timedelta(days=rng.randint(10, 40))
        if draw < 0.15 and started + timedelta(days=3) < today:
            return [("in_progress", started), ("submitted", min(today - timedelta(days=1),
                                                                 started + timedelta(days=rng.randint(3, 15))))]
        return [("in_progress", started)] if draw < 0.5 and started < today else []
    draw = rng.random()
    if draw < 0.03:
        return []  # never started: overdue
    if draw < 0.07:
        return [("in_progress", due - timedelta(days=rng.randint(5, 30)))]  # started, still overdue
    timing = rng.random()
    offset = -rng.randint(1, 25) if timing < 0.6 else (rng.randint(0, 2) if timing < 0.8 else rng.randint(3, 25))
    submitted = due + timedelta(days=offset)
    steps = [("in_progress", submitted - timedelta(days=rng.randint(5, 20)))] if rng.random() < 0.5 else []
    steps.append(("submitted", submitted))
    if rng.random() < 0.15:  # returned once, answered, then accepted
        returned = submitted + timedelta(days=rng.randint(2, 6))
        again = returned + timedelta(days=rng.randint(2, 8))
        steps += [("returned", returned), ("submitted", again)]
        submitted = again
    steps.append(("accepted", submitted + timedelta(days=rng.randint(1, 9))))
    return [(status, day) for status, day in steps if day < today]


def write_history(session: Session, *, today: date, now: datetime, store: EvidenceStore, limits: uploads.Limits,
                  secretaries: list[User], progress=lambda done, total: None) -> HistorySummary:
    """Post the history of every report of a live instrument due before today + AHEAD that has none yet (reports
    the sources document are left as they are). The caller commits."""
    rows = session.exec(
        select(Report, Checkpoint, Obligation, Instrument, Organization)
        .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
        .join(Obligation, Obligation.id == Checkpoint.obligation_id)
        .join(Instrument, Instrument.id == Obligation.instrument_id)
        .join(Organization, Organization.id == Report.organization_id)
        .where(is_live(Instrument), Report.retired_at.is_(None), Checkpoint.retired_at.is_(None),
               Checkpoint.due_on < today + AHEAD, Report.status == "not_started",
               Report.id.not_in(select(StatusUpdate.report_id)))
        .order_by(Checkpoint.due_on, Report.id)).all()
    actors, summary = _Actors(session, secretaries, now), HistorySummary()
    for done, (report, checkpoint, obligation, instrument, organization) in enumerate(rows, start=1):
        story = _Story(report, instrument, organization, period=checkpoint.period or checkpoint.label,
                       rng=_seed_of(obligation.key, checkpoint.period or checkpoint.label, organization.code))
        steps = _plan(story.rng, checkpoint.due_on, today)
        if steps and _tell(session, story, steps, actors, store, limits, summary):
            summary.reports += 1
        progress(done, len(rows))
    summary.accounts = actors.made
    summary.by_status = dict(session.exec(select(Report.status, func.count()).where(Report.retired_at.is_(None))
                                          .group_by(Report.status)).all())
    return summary


@dataclass
class _Story:
    """One report whose history is written, with the draws that shape it."""

    report: Report
    instrument: Instrument
    organization: Organization
    period: str
    rng: random.Random


def _tell(session: Session, story: _Story, steps: list[tuple[str, date]], actors: _Actors, store: EvidenceStore,
          limits: uploads.Limits, summary: HistorySummary) -> bool:
    """Post the steps of one report; False when nobody may judge it (no demo secretary for its instrument)."""
    secretary, reporter = actors.secretary(story.instrument), actors.reporter(story.organization)
    count = story.rng.randint(3, 40)
    for status, day in steps:
        who = secretary if status in ("accepted", "returned") else reporter
        if who is None:
            return False
        actor, access = who
        received = []
        resubmitted = any(s == "returned" for s, d in steps if d <= day)
        submission = _submission(status, story, count, received, limits, resubmitted)
        ctx = workflow.load_report(session, story.report.id)
        try:
            workflow.post_update(session=session, store=store, ctx=ctx, actor=actor, access=access,
                                 now=_at(day, story.rng), via="demo seed",
                                 submission=workflow.Submission(expected_version=ctx.report.version, **submission))
        finally:
            uploads.discard(received)
        summary.updates += 1
        summary.files += len(received)
    return True


def _submission(status: str, story: _Story, count: int, received: list, limits: uploads.Limits,
                resubmitted: bool) -> Mapping:
    """What a person writes at each step: a note, evidence (a small file, a link, or why there is none), a reason."""
    rng, period, organization = story.rng, story.period, story.organization
    if status == "in_progress":
        return {"target": status, "note": rng.choice(NOTES_IN_PROGRESS).format(period=period)}
    if status == "returned":
        return {"target": status, "reason": rng.choice(RETURN_REASONS)}
    if status == "accepted":
        return {"target": status}
    note = (NOTES_RESUBMITTED.format(count=count) if resubmitted
            else rng.choice(NOTES_SUBMITTED).format(period=period, count=count))
    draw = rng.random()
    if draw < 0.45:
        text = (f"Справка {organization.code} об исполнении меры за {period}.\n\n{note}\n\n"
                "Демонстрационный файл: создан командой `mindet demo seed`.\n")
        received.append(uploads.receive(io.BytesIO(text.encode()), f"справка-{period}.txt", limits))
        return {"target": status, "note": note, "uploads": tuple(received), "public_evidence": rng.random() < 0.5}
    if draw < 0.7:
        return {"target": status, "note": note, "links": (rng.choice(LINKS),), "public_evidence": True}
    return {"target": status, "note": note, "no_evidence_reason": NO_EVIDENCE}
