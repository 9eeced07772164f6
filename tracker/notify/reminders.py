"""Reminders and escalations: who must hear about which open report today, claimed once per stage and person.

Stages (DESIGN.md, days configurable): 30, 7 and 1 days before the due date, on it, then weekly while overdue;
after 14 days overdue the organization's alternates and heads hear too, after 30 the instrument's secretaries.
A run computes the latest stage each open report has reached, so a clock that was down sends the missed
reminder once (older stages are folded into it), and never repeats a stage that was already claimed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import any_, func, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from tracker.catalog.obligations import live_reports
from tracker.db import refresh_statistics
from tracker.languages import format_day
from tracker.models import (
    Checkpoint,
    Instrument,
    Membership,
    Notification,
    Obligation,
    Organization,
    Report,
    StatusUpdate,
    User,
    is_live,
)
from tracker.notify import outbox
from tracker.notify.links import report_link
from tracker.people.permissions import secretaries_by_instrument
from tracker.statuses import AWAITING, days_until

log = logging.getLogger(__name__)


def reminder_stage(due_on: date, today: date, days_before: tuple[int, ...], every: int) -> str | None:
    """The latest reminder stage reached: "before-N", "due" (on the day and the days after), "overdue-W" (weeks)."""
    days = days_until(due_on, today)
    if days > max(days_before, default=0):
        return None
    if days > 0:
        return f"before-{min(d for d in days_before if d >= days)}"
    late = -days
    return "due" if late < every else f"overdue-{late // every}"


#: the items one reminder email lists; the rest are counted and linked (on a quarter's last day a secretary of a
#: national deployment has thousands of escalations: a list that long is read by nobody)
MAX_ITEMS_PER_EMAIL = 50


@dataclass(frozen=True, slots=True)  # slots: a third of the memory of 240,000 of them
class Item:
    """One open report somebody should hear about, and why: plain values, not loaded rows (a national quarter end
    has 240,000 of them)."""

    report_id: int
    checkpoint_id: int
    period: str  #: the checkpoint's label, or its period
    due_on: date
    obligation_key: str
    obligation_number: str
    instrument_id: int
    instrument_key: str
    organization_code: str
    kind: str = "reminder"  #: reminder | escalation_head | escalation_secretary | returned | submitted
    stage: str = ""
    today: date | None = None
    reason: str | None = None

    def describe(self, words: Wording) -> str:
        """One line in the words of the recipient's language (plain text: the email's template escapes it)."""
        days = days_until(self.due_on, self.today)
        due = format_day(self.due_on)
        if self.kind == "returned":
            return words.returned % {"reason": self.reason or "—"}
        if self.kind == "submitted":
            return words.submitted
        if days > 0:
            text = words.ahead % {"n": days, "due": due}
        elif days == 0:
            text = words.on_the_day % {"due": due}
        else:
            text = words.late % {"n": -days, "due": due}
        if self.kind == "escalation_head":
            text += " — " + words.to_head
        elif self.kind == "escalation_secretary":
            text += " — " + words.to_secretary
        return text


@dataclass(frozen=True, slots=True)
class Wording:
    """The phrases an email's lines are made of, translated once per email, not per line (a national quarter end
    looked up 142,000 of them: 2 s of its tick)."""

    returned: str
    submitted: str
    ahead: str
    on_the_day: str
    late: str
    to_head: str
    to_secretary: str

    @classmethod
    def in_current_language(cls) -> Wording:
        """The phrases in the language of the request being rendered."""
        return cls(returned=_("возвращено секретарём: %(reason)s"),
                   submitted=_("отправлено на проверку, ждёт вашего решения"),
                   ahead=_("срок через %(n)d дн. (%(due)s)"), on_the_day=_("срок сегодня (%(due)s)"),
                   late=_("просрочено на %(n)d дн. (срок %(due)s)"),
                   to_head=_("эскалация руководству организации"), to_secretary=_("эскалация секретарю комиссии"))


#: the columns of an Item's report part, in its order
_ITEM_COLUMNS = (Report.id, Checkpoint.id, func.coalesce(Checkpoint.label, Checkpoint.period), Checkpoint.due_on,
                 Obligation.key, Obligation.number, Instrument.id, Instrument.key, Organization.code)


@dataclass
class RunSummary:
    """What a reminders run queued."""

    emails: int = 0
    items: int = 0
    already_sent: int = 0
    by_kind: dict = field(default_factory=lambda: defaultdict(int))


def _open_reports(session: Session, today: date, horizon: int):
    """(item columns…, status, organization id, group id) of every open report due by the horizon, in the order
    the emails list them."""
    return session.exec(
        live_reports(*_ITEM_COLUMNS, Report.status, Report.organization_id, Report.via_group_id)
        .where(Report.status.in_(AWAITING), Checkpoint.due_on <= today + timedelta(days=horizon))
        .order_by(Instrument.key, Checkpoint.due_on, Obligation.position, Organization.code))


def _people(session: Session):
    """Organization id → role → active users; instrument id → its active secretaries."""
    by_org = defaultdict(lambda: defaultdict(list))
    for membership, user in session.exec(select(Membership, User).join(User, User.id == Membership.user_id)
                                         .where(User.active)):
        by_org[membership.organization_id][membership.role].append(user)
    return by_org, defaultdict(list, secretaries_by_instrument(session))


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

    returns = _latest_returns(session, today + timedelta(days=max(days_before, default=0)))
    for *columns, status, organization_id, via_group_id in _open_reports(session, today, max(days_before, default=0)):
        report = Item(*columns, today=today)
        people = by_org[organization_id]
        reporters = people["focal_point"] or people["alternate"] or by_org[via_group_id]["focal_point"]
        stage = reminder_stage(report.due_on, today, days_before, every)
        if stage:
            tell(reporters, replace(report, kind="reminder", stage=stage))
        late = -days_until(report.due_on, today)  # negative before the due day: no escalation yet
        if late >= rules.escalate_to_head:
            tell(people["alternate"] + people["head"], replace(report, kind="escalation_head", stage="escalation"))
        if late >= rules.escalate_to_secretary:
            tell(secretaries[report.instrument_id], replace(report, kind="escalation_secretary", stage="escalation"))
        if status == "returned" and report.report_id in returns:  # reporters hear of a return once
            update_id, author_id, reason = returns[report.report_id]
            own = [u for u in reporters + people["alternate"] if u.id != author_id]  # not for own action
            tell(list({u.id: u for u in own}.values()),
                 replace(report, kind="returned", stage=f"returned-{update_id}", reason=reason))
    _awaiting_verification(session, secretaries, tell, today)
    return result


def _awaiting_verification(session: Session, secretaries, tell, today: date) -> None:
    """Secretaries hear once of each submission waiting for their verdict, except the one they made themselves."""
    # the update that brought each submitted report to its current version
    rows = session.exec(
        live_reports(StatusUpdate.id, StatusUpdate.author_id, *_ITEM_COLUMNS)
        .join(StatusUpdate, (Report.id == StatusUpdate.report_id) & (StatusUpdate.report_version == Report.version))
        .where(Report.status == "submitted", StatusUpdate.status == "submitted"))
    for update_id, author_id, *columns in rows:
        item = Item(*columns, kind="submitted", stage=f"submitted-{update_id}", today=today)
        judges = [u for u in secretaries[item.instrument_id] if u.id != author_id]  # not for one's own action
        tell(judges, item)


def _latest_returns(session: Session, due_by: date) -> dict[int, tuple[int, int | None, str | None]]:
    """Report id → (id, author, reason) of its latest return, for the returned reports due by `due_by` (one query
    joined to them: a list of their ids would exceed what a statement can carry at national scale)."""
    returned = (select(Report.id).join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
                .where(Report.status == "returned", is_live(Report), Checkpoint.due_on <= due_by))
    latest = {}
    for report_id, update_id, author_id, reason in session.exec(
            select(StatusUpdate.report_id, StatusUpdate.id, StatusUpdate.author_id, StatusUpdate.reason)
            .where(StatusUpdate.report_id.in_(returned), StatusUpdate.status == "returned")
            .order_by(StatusUpdate.report_version)):
        latest[report_id] = (update_id, author_id, reason)
    return latest


def dedupe_key(item: Item, user: User) -> str:
    """The claim of one item for one person: kind, stage, report, recipient."""
    return f"{item.kind}:{item.stage}:report-{item.report_id}:user-{user.id}"


def claim(session: Session, *, kind: str, key: str, user: User, now: datetime, outbox_id: int | None = None,
          period=None) -> bool:
    """Insert the claim under its unique key, telling of it in the message `outbox_id`; False when it was already
    claimed (by this or another clock).

    INSERT … ON CONFLICT DO NOTHING, not a savepoint: with SQLite's Python driver a savepoint opened first in a
    transaction commits on release, which would let a claim outlive a rolled-back email (or a dry run).
    """
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = Notification.__table__
    statement = (insert(table).values(kind=kind, dedupe_key=key, recipient_id=user.id, period=period,
                                      claimed_at=now, outbox_id=outbox_id)
                 .on_conflict_do_nothing(index_elements=[table.c.dedupe_key]).returning(table.c.id))
    return session.execute(statement).scalar() is not None


def claim_many(session: Session, *, user: User, items: dict[str, Item], now: datetime, outbox_id: int) -> int:
    """Claim these items (dedupe key → item) for one person, all told in the message `outbox_id`; how many were
    claimed (fewer than given when another run claimed some first). The rule of `claim`, in bulk: PostgreSQL is
    given the rows as arrays in one statement that counts what it inserted (307,075 claims of a national quarter
    end: 2.5 s instead of 10.5 s through the driver's many-row insert); SQLite, one statement run over every row by
    the driver, then the claims of that message counted."""
    if not items:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(_CLAIM_ARRAYS, dict(
            kinds=_one_per_line(item.kind for item in items.values()), keys=_one_per_line(items),
            checkpoints=_one_per_line(item.checkpoint_id for item in items.values()),
            reports=_one_per_line(item.report_id for item in items.values()),
            stages=_one_per_line(item.stage for item in items.values()),
            recipient=user.id, claimed_at=now, outbox=outbox_id)).scalar_one()
    table = Notification.__table__
    rows = [dict(kind=item.kind, dedupe_key=key, recipient_id=user.id, checkpoint_id=item.checkpoint_id,
                 report_id=item.report_id, period=item.stage, claimed_at=now, outbox_id=outbox_id)
            for key, item in items.items()]
    session.execute(sqlite_insert(table).on_conflict_do_nothing(index_elements=[table.c.dedupe_key]), rows)
    return session.exec(select(func.count()).select_from(Notification).where(Notification.outbox_id == outbox_id)).one()


def _one_per_line(values) -> str:
    """Values as one text, a line each, for PostgreSQL to split (none of a claim's values holds a line break): as
    an array the driver quoted each of a national tick's 1.5 million values on its own (1.5 s)."""
    return "\n".join(map(str, values))


#: claim_many on PostgreSQL: the rows as one text per column split into lines, the conflicts skipped, the inserted
#: rows counted
_CLAIM_ARRAYS = text("""
    WITH claimed AS (
        INSERT INTO notification (kind, dedupe_key, recipient_id, checkpoint_id, report_id, period, claimed_at,
                                  outbox_id)
        SELECT kind, dedupe_key, :recipient, checkpoint_id, report_id, stage, :claimed_at, :outbox
        FROM unnest(string_to_array(:kinds, E'\n'), string_to_array(:keys, E'\n'),
                    CAST(string_to_array(:checkpoints, E'\n') AS integer[]),
                    CAST(string_to_array(:reports, E'\n') AS integer[]), string_to_array(:stages, E'\n'))
             AS item(kind, dedupe_key, checkpoint_id, report_id, stage)
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING 1)
    SELECT count(*) FROM claimed""")


def already_claimed(session: Session, keys: list[str]) -> set[str]:
    """The keys among these that were claimed before. PostgreSQL is given them as one text it splits into an array
    (= ANY): as an IN list of 10,000 values each statement cost more to build and parse than to run; SQLite is
    asked in slices (a statement carries at most 32,766 values there)."""
    if session.get_bind().dialect.name == "postgresql":
        wanted = Notification.dedupe_key == any_(func.string_to_array(_one_per_line(keys), "\n"))
        return set(session.exec(select(Notification.dedupe_key).where(wanted)))
    found = set()
    for start in range(0, len(keys), 10_000):
        found.update(session.exec(select(Notification.dedupe_key)
                                  .where(Notification.dedupe_key.in_(keys[start:start + 10_000]))))
    return found


#: people whose earlier claims are looked up in one query (2,000 queries of a national tick become 20; a daily tick
#: finds 300,000 claimed items: read in parts, they never all sit in memory)
LOOKED_UP_TOGETHER = 100

#: where each kind of item is listed in full, for an email that shows only the first MAX_ITEMS_PER_EMAIL
_LISTS = {"reminder": ("reports.mine", _l("мои отчёты")), "returned": ("reports.mine", _l("мои отчёты")),
          "escalation_head": ("reports.mine", _l("мои отчёты")),
          "escalation_secretary": ("dashboards.overdue", _l("просроченные отчёты")),
          "submitted": ("review.queue", _l("отчёты на проверке"))}


@dataclass(frozen=True)
class Line:
    """An item as an email shows it: in words and with its link (made once for the HTML and the text)."""

    item: Item
    words: str
    link: str


def _lines(items: list[Item]) -> dict:
    """The emails' context for these items: their lines in the recipient's language."""
    words = Wording.in_current_language()
    link = report_link()
    return {"lines": [Line(item, item.describe(words), link(item.report_id)) for item in items]}


def _where_the_rest_are(items: list[Item]) -> list[tuple[str, object]]:
    """(endpoint, its name, translated when the email is rendered) of the lists that hold every item of these
    kinds, each once."""
    return list({_LISTS[item.kind][0]: _LISTS[item.kind] for item in items}.values())


def run_reminders(session: Session, now: datetime, today: date, *, app, dry_run: bool = False,
                  progress=None, should_stop=lambda: False) -> RunSummary:
    """Claim and queue today's reminders: one email per person listing all their new items (never an empty one),
    rendered with the app's templates and settings (TRACKER_REMINDER_*).

    Each person's claims and email are committed together; a dry run computes everything and rolls it all back.
    """
    summary = RunSummary()
    people = list(due_items(session, today, ReminderRules.from_settings(app.config)).values())
    instruments = {instrument.id: instrument for instrument in session.exec(select(Instrument))}
    told: set[str] = set()
    for done, (user, items) in enumerate(people, 1):
        if should_stop():  # each person's claims are committed with their email: the rest wait for the next tick
            break
        if (done - 1) % LOOKED_UP_TOGETHER == 0:  # the next people's earlier claims, in one query
            if done > 1 and not dry_run:
                # each claim is checked against its email in the outbox, which this run fills: measured anew, the
                # check looks the email up by key instead of scanning an outbox that was analysed empty (as a
                # restore leaves it): 9 → 67 µs a claim by the end of a national quarter end, 24 s of the run's 35
                refresh_statistics(session, "outbox_message")
            told = already_claimed(session, [dedupe_key(item, someone) for someone, their in
                                             people[done - 1:done - 1 + LOOKED_UP_TOGETHER] for item in their])
        keyed = {dedupe_key(item, user): item for item in items}
        summary.already_sent += len(items) - len(keyed) + len(told & keyed.keys())
        fresh = {key: item for key, item in keyed.items() if key not in told}
        if fresh:
            listed = list(fresh.values())
            subject, text, html = outbox.render_html_email(
                app, "reminders", user, prepare=lambda listed=listed: _lines(listed[:MAX_ITEMS_PER_EMAIL]),
                kinds=list(dict.fromkeys(item.kind for item in listed)), total=len(listed), instruments=instruments,
                more=max(len(listed) - MAX_ITEMS_PER_EMAIL, 0), more_links=_where_the_rest_are(listed))
            message = outbox.enqueue(session, kind="reminders", user=user, subject=subject, text=text, html=html,
                                     sender=app.config["MAIL_SENDER"], now=now)
            if claim_many(session, user=user, items=fresh, now=now, outbox_id=message.id) != len(fresh):
                # another run claimed some of them since we looked: this email would repeat them; the next tick
                # tells this person what is still theirs to hear
                log.warning("reminders for %s: claimed meanwhile by another run; left for the next tick", user.email)
                session.rollback()
                continue
            for item in listed:
                summary.by_kind[item.kind] += 1
            summary.emails += 1
            summary.items += len(listed)
        if not dry_run:
            session.commit()
        if progress:
            progress(done, len(people))
    if dry_run:  # once at the end: a rollback per person would expire every row loaded for the others
        session.rollback()
    return summary
