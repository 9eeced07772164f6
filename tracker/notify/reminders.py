"""Reminders and escalations: who must hear about which open report today, claimed once per stage and person.

Stages (DESIGN.md, days configurable): 30, 7 and 1 days before the due date, on it, then weekly while overdue;
after 14 days overdue the organization's alternates and heads hear too, after 30 the instrument's secretaries.
A run computes the latest stage each open report has reached, so a clock that was down sends the missed
reminder once (older stages are folded into it), and never repeats a stage that was already claimed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import update as sql_update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from tracker.catalog.obligations import ROW_COLUMNS, ReportRow, live_reports
from tracker.languages import format_day
from tracker.models import (
    Checkpoint,
    Instrument,
    Membership,
    Notification,
    Obligation,
    Report,
    Secretaryship,
    StatusUpdate,
    User,
)
from tracker.notify import outbox
from tracker.statuses import AWAITING, days_until
from tracker.text import escape_markdown


def reminder_stage(due_on: date, today: date, days_before: tuple[int, ...], every: int) -> str | None:
    """The latest reminder stage reached: "before-N", "due" (on the day and the days after), "overdue-W" (weeks)."""
    days = days_until(due_on, today)
    if days > max(days_before, default=0):
        return None
    if days > 0:
        return f"before-{min(d for d in days_before if d >= days)}"
    late = -days
    return "due" if late < every else f"overdue-{late // every}"


@dataclass(frozen=True)
class Item(ReportRow):
    """One open report somebody should hear about, and why."""

    kind: str = "reminder"  #: reminder | escalation_head | escalation_secretary | returned | submitted
    stage: str = ""
    today: date | None = None
    reason: str | None = None

    def describe(self) -> str:
        """One line in the recipient's language."""
        days = days_until(self.checkpoint.due_on, self.today)
        due = format_day(self.checkpoint.due_on)
        if self.kind == "returned":
            return _("возвращено секретарём: %(reason)s", reason=escape_markdown(self.reason) or "—")
        if self.kind == "submitted":
            return _("отправлено на проверку, ждёт вашего решения")
        if days > 0:
            text = _("срок через %(n)d дн. (%(due)s)", n=days, due=due)
        elif days == 0:
            text = _("срок сегодня (%(due)s)", due=due)
        else:
            text = _("просрочено на %(n)d дн. (срок %(due)s)", n=-days, due=due)
        if self.kind == "escalation_head":
            text += " — " + _("эскалация руководству организации")
        elif self.kind == "escalation_secretary":
            text += " — " + _("эскалация секретарю комиссии")
        return text


@dataclass
class RunSummary:
    """What a reminders run queued."""

    emails: int = 0
    items: int = 0
    already_sent: int = 0
    by_kind: dict = field(default_factory=lambda: defaultdict(int))


def _open_reports(session: Session, today: date, horizon: int):
    return session.exec(
        live_reports(*ROW_COLUMNS)
        .where(Report.status.in_(AWAITING), Checkpoint.due_on <= today + timedelta(days=horizon))
        .order_by(Instrument.key, Checkpoint.due_on, Obligation.position)).all()


def _people(session: Session):
    """Organization id → role → active users; instrument id → its active secretaries."""
    by_org = defaultdict(lambda: defaultdict(list))
    for membership, user in session.exec(select(Membership, User).join(User, User.id == Membership.user_id)
                                         .where(User.active)):
        by_org[membership.organization_id][membership.role].append(user)
    secretaries = defaultdict(list)
    for instrument_id, user in session.exec(select(Secretaryship.instrument_id, User)
                                            .join(User, User.id == Secretaryship.user_id).where(User.active)):
        secretaries[instrument_id].append(user)
    return by_org, secretaries


@dataclass(frozen=True)
class ReminderRules:
    """When people are told (TRACKER_REMINDER_* and TRACKER_ESCALATE_*): days before a due day, every N days while
    overdue, and after how many days the head and then the secretary hear of it."""

    days_before: tuple[int, ...]
    overdue_every: int
    escalate_to_head: int
    escalate_to_secretary: int

    @classmethod
    def from_settings(cls, settings) -> ReminderRules:
        """The rules of the app's settings."""
        return cls(tuple(settings["REMINDER_DAYS_BEFORE"]), settings["REMINDER_OVERDUE_EVERY_DAYS"],
                   settings["ESCALATE_TO_HEAD_DAYS"], settings["ESCALATE_TO_SECRETARY_DAYS"])


def due_items(session: Session, today: date, rules: ReminderRules) -> dict[int, tuple[User, list[Item]]]:
    """Recipient id → (user, items) for everything that should be told today under `rules` (before any claim)."""
    days_before, every = rules.days_before, rules.overdue_every
    by_org, secretaries = _people(session)
    result: dict[int, tuple[User, list[Item]]] = {}

    def tell(users, item):
        for user in users:
            result.setdefault(user.id, (user, []))[1].append(item)

    rows = _open_reports(session, today, max(days_before, default=0))
    returns = _latest_returns(session, [r.id for r, *_ in rows if r.status == "returned"])
    for row in rows:
        context = ReportRow(*row)
        report, checkpoint, instrument = context.report, context.checkpoint, context.instrument
        people = by_org[report.organization_id]
        reporters = people["focal_point"] or people["alternate"] or by_org[report.via_group_id]["focal_point"]
        stage = reminder_stage(checkpoint.due_on, today, days_before, every)
        if stage:
            tell(reporters, Item(*row, kind="reminder", stage=stage, today=today))
        late = -days_until(checkpoint.due_on, today)  # negative before the due day: no escalation yet
        if late >= rules.escalate_to_head:
            tell(people["alternate"] + people["head"], Item(*row, kind="escalation_head", stage="escalation",
                                                            today=today))
        if late >= rules.escalate_to_secretary:
            tell(secretaries[instrument.id],
                 Item(*row, kind="escalation_secretary", stage="escalation", today=today))
        if report.id in returns:  # reporters hear of a return once
            update = returns[report.id]
            own = [u for u in reporters + people["alternate"] if u.id != update.author_id]  # not for own action
            tell(list({u.id: u for u in own}.values()),
                 Item(*row, kind="returned", stage=f"returned-{update.id}", today=today, reason=update.reason))
    _awaiting_verification(session, secretaries, tell, today)
    return result


def _awaiting_verification(session: Session, secretaries, tell, today: date) -> None:
    """Secretaries hear once of each submission waiting for their verdict, except the one they made themselves."""
    # the update that brought each submitted report to its current version
    rows = session.exec(
        live_reports(StatusUpdate, *ROW_COLUMNS)
        .join(StatusUpdate, (Report.id == StatusUpdate.report_id) & (StatusUpdate.report_version == Report.version))
        .where(Report.status == "submitted", StatusUpdate.status == "submitted")).all()
    for update, *row in rows:
        item = Item(*row, kind="submitted", stage=f"submitted-{update.id}", today=today)
        judges = [u for u in secretaries[item.instrument.id] if u.id != update.author_id]  # not for one's own action
        tell(judges, item)


def _latest_returns(session: Session, report_ids: list[int]) -> dict[int, StatusUpdate]:
    latest = {}
    for update in session.exec(select(StatusUpdate).where(StatusUpdate.report_id.in_(report_ids),
                                                          StatusUpdate.status == "returned")
                               .order_by(StatusUpdate.report_version)):
        latest[update.report_id] = update
    return latest


def dedupe_key(item: Item, user: User) -> str:
    """The claim of one item for one person: kind, stage, report, recipient."""
    return f"{item.kind}:{item.stage}:report-{item.report.id}:user-{user.id}"


def claim(session: Session, *, kind: str, key: str, user: User, now: datetime, checkpoint_id=None,
          report_id=None, period=None) -> Notification | None:
    """Insert the claim under its unique key; None when it was already claimed (by this or another clock).

    INSERT … ON CONFLICT DO NOTHING, not a savepoint: with SQLite's Python driver a savepoint opened first in a
    transaction commits on release, which would let a claim outlive a rolled-back email (or a dry run).
    """
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = Notification.__table__
    statement = (insert(table).values(kind=kind, dedupe_key=key, recipient_id=user.id, checkpoint_id=checkpoint_id,
                                      report_id=report_id, period=period, claimed_at=now)
                 .on_conflict_do_nothing(index_elements=[table.c.dedupe_key]).returning(table.c.id))
    new_id = session.execute(statement).scalar()
    return None if new_id is None else session.get(Notification, new_id)


def claim_many(session: Session, *, user: User, items: dict[str, Item], now: datetime) -> dict[str, int]:
    """Claim these items (dedupe key → item) for one person in bulk; the keys this call claimed, with their ids
    (a key another clock claimed first is left out). The rule of `claim`, in bulk."""
    if not items:
        return {}
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = Notification.__table__
    rows = [dict(kind=item.kind, dedupe_key=key, recipient_id=user.id, checkpoint_id=item.checkpoint.id,
                 report_id=item.report.id, period=item.stage, claimed_at=now) for key, item in items.items()]
    # one compiled statement executed over every row: SQLAlchemy batches it into multi-row INSERTs with RETURNING
    # ("insertmanyvalues"); building a VALUES list per batch instead cost 60 ms of compiling per thousand rows
    statement = (insert(table).on_conflict_do_nothing(index_elements=[table.c.dedupe_key])
                 .returning(table.c.dedupe_key, table.c.id))
    return dict(session.execute(statement, rows).all())


def run_reminders(session: Session, now: datetime, today: date, *, app, dry_run: bool = False,
                  progress=None, should_stop=lambda: False) -> RunSummary:
    """Claim and queue today's reminders: one email per person listing all their new items (never an empty one),
    rendered with the app's templates and settings (TRACKER_REMINDER_*).

    Each person's claims and email are committed together; a dry run computes everything and rolls it all back.
    """
    summary = RunSummary()
    recipients = due_items(session, today, ReminderRules.from_settings(app.config))
    known = set(session.exec(select(Notification.dedupe_key).where(Notification.recipient_id.in_(recipients))))
    for done, (user, items) in enumerate(recipients.values(), 1):
        if should_stop():  # each person's claims are committed with their email: the rest wait for the next tick
            break
        keyed = {}
        for item in items:
            key = dedupe_key(item, user)
            if key in known or key in keyed:
                summary.already_sent += 1
            else:
                keyed[key] = item
        claimed = claim_many(session, user=user, items=keyed, now=now)
        summary.already_sent += len(keyed) - len(claimed)
        fresh = [keyed[key] for key in keyed if key in claimed]
        if fresh:
            subject, text, html = outbox.render_email(app, "reminders", user, items=fresh)
            message = outbox.enqueue(session, kind="reminders", user=user, subject=subject, text=text, html=html,
                                     sender=app.config["MAIL_SENDER"], now=now)
            session.execute(sql_update(Notification).where(Notification.id.in_(list(claimed.values())))
                            .values(outbox_id=message.id).execution_options(synchronize_session=False))
            for item in fresh:
                summary.by_kind[item.kind] += 1
            summary.emails += 1
            summary.items += len(fresh)
        if not dry_run:
            session.commit()
        if progress:
            progress(done, len(recipients))
    if dry_run:  # once at the end: a rollback per person would expire every row loaded for the others
        session.rollback()
    return summary
