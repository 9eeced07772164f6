"""Digests: each person's quarterly (or monthly) summary, on the first working day of the period at 09:00 Almaty.

Focal points get their organizations' previous period (accepted, late, returned) and this period's checkpoints;
secretaries get, per instrument, progress per section, overdue by organization, the on-time reporting rate,
changes since their previous digest and this period's deadlines. Nothing to say means no email.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from jinja2 import Environment
from jinja2.filters import do_truncate
from sqlalchemy import func
from sqlmodel import Session, select

from tracker.as_of import Moment, moment
from tracker.catalog.obligations import live_reports
from tracker.insight.figures import SectionProgress, on_time_rates, progress
from tracker.insight.indicators import IndicatorView, indicator_views, worst_first
from tracker.insight.overdue import Filters, Mention, most_overdue, overdue_totals
from tracker.languages import format_day
from tracker.models import (
    Checkpoint,
    Instrument,
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
from tracker.notify.reminders import claim
from tracker.people.permissions import Access, access_for, accesses_for
from tracker.periods import Period
from tracker.statuses import DONE, EXEMPT, is_on_time
from tracker.statuses import label as status_label


class DigestLine(NamedTuple):
    """One report as a focal point's digest lists it: plain values (a national run lists 200,000 of them)."""

    report_id: int
    status: str
    first_submitted_at: datetime | None
    period: str
    due_on: date
    number: str
    instrument_title: str
    organization: str
    obligation_key: str
    organization_id: int


@dataclass
class FocalPart:
    """A focal point's organizations: the previous period and this one."""

    organizations: list[str]
    accepted: int = 0
    late: list[DigestLine] = field(default_factory=list)
    returned: list[DigestLine] = field(default_factory=list)
    upcoming: list[DigestLine] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.accepted or self.late or self.returned or self.upcoming)


@dataclass
class SecretaryPart:
    """One instrument as its secretary sees it at the start of a period."""

    instrument: Instrument
    sections: list[SectionProgress]
    overdue: list[tuple[str, int]]  #: every organization with overdue reports, most first
    on_time: list[tuple[str, int, int]]
    changes: list[tuple[str, int]]
    upcoming: int
    #: the changes counted since this moment: the previous digest, or the start of the period it reviews
    since: datetime | None = None
    #: organization code → its most overdue reports (at most MOST_OVERDUE), for the lines of the overdue list
    worst: dict[str, list[Mention]] = field(default_factory=dict)
    #: the instrument's target indicators off track or at risk, worst first
    lagging: list[IndicatorView] = field(default_factory=list)

    @property
    def shown_overdue(self) -> list[tuple[str, int]]:
        """The organizations the email lists; the rest are counted and linked."""
        return self.overdue[:OVERDUE_ORGANIZATIONS]

    @property
    def more_overdue(self) -> int:
        """How many organizations with overdue reports the email does not list."""
        return max(len(self.overdue) - OVERDUE_ORGANIZATIONS, 0)


#: organizations listed by name in a secretary's digest (the rest: "and N more", linked to the overdue view)
OVERDUE_ORGANIZATIONS = 40
#: overdue reports named per organization, the most overdue first
MOST_OVERDUE = 3


_LINE_COLUMNS = (Report.id, Report.status, Report.first_submitted_at, Checkpoint.period, Checkpoint.due_on,
                 Obligation.number, Instrument.title_ru, Organization.code, Obligation.key, Report.organization_id)


def _lines(session: Session, period: Period, org_ids=None) -> list[DigestLine]:
    """The live reports due in `period` of these organizations (None: of every organization), in due date and
    document order."""
    query = live_reports(*_LINE_COLUMNS).where(Checkpoint.due_on >= period.starts_on,
                                               Checkpoint.due_on <= period.ends_on)
    if org_ids is not None:
        query = query.where(Report.organization_id.in_(org_ids))
    return [DigestLine(*row) for row in session.exec(query.order_by(Checkpoint.due_on, Obligation.key))]


class FocalLines:
    """Every organization's live reports due in a period, read in one query the first time a digest of the run asks
    (a national run has 600 organizations: one query, not one per focal point's set of organizations)."""

    def __init__(self, period: Period):
        self.period = period
        self.by_organization: dict[int, list[DigestLine]] | None = None

    def of(self, session: Session, org_ids) -> list[DigestLine]:
        """The lines of these organizations, in due date and document order."""
        if self.by_organization is None:
            self.by_organization = defaultdict(list)
            for line in _lines(session, self.period):
                self.by_organization[line.organization_id].append(line)
        found = [line for org_id in org_ids for line in self.by_organization.get(org_id, [])]
        return sorted(found, key=lambda line: (line.due_on, line.obligation_key))


class MostOverdue:
    """Every instrument's most overdue reports per organization, read in one pass the first time a secretary's
    digest of the run asks (not once per instrument)."""

    def __init__(self):
        self.found: dict[tuple[str, str], list[Mention]] | None = None

    def of(self, session: Session, now: Moment) -> dict[tuple[str, str], list[Mention]]:
        """(instrument key, organization code) → its most overdue reports."""
        if self.found is None:
            self.found = most_overdue(session, Filters(), now, per_organization=MOST_OVERDUE)
        return self.found


def _focal_part(session: Session, org_ids, period: Period, parts: dict) -> FocalPart | None:
    if not org_ids:
        return None
    own = session.exec(select(Organization.code).where(Organization.id.in_(org_ids))
                       .order_by(Organization.code)).all()
    part = FocalPart(organizations=list(own)[:10])

    def lines(of: Period) -> list[DigestLine]:
        run = parts.get(("lines", of.label))  # a whole run reads everyone's at once; one digest, its own
        return run.of(session, org_ids) if run else _lines(session, of, org_ids)
    for line in lines(period.previous()):
        if line.status == "returned":
            part.returned.append(line)
        elif line.status == "accepted" and is_on_time(line.first_submitted_at, line.due_on):
            part.accepted += 1
        elif line.status not in EXEMPT:
            part.late.append(line)  # still open, or accepted after a late first submission
    part.upcoming = [x for x in lines(period) if x.status not in DONE]
    return part if part else None


def _secretary_part(session: Session, instrument: Instrument, period: Period, since: datetime | None,
                    today: date, parts: dict) -> SecretaryPart:
    now = Moment.today(today)
    _counts, sections = progress(session, now, instrument.id, due_before=period.starts_on)
    scope = Filters(instrument=instrument.key)
    overdue = overdue_totals(session, scope, now)
    run = parts.get("worst")  # a whole run reads every instrument's at once; one digest, its own
    found = run.of(session, now) if run else most_overdue(session, scope, now, per_organization=MOST_OVERDUE)
    worst = {code: found.get((instrument.key, code), []) for code, _n in overdue}
    previous = period.previous()
    rates = on_time_rates(session, now, instrument_ids=[instrument.id], start=previous.starts_on, end=previous.ends_on)
    since = since or moment(previous.starts_on - timedelta(days=1))  # the first digest: since the period began
    changes = Counter(session.exec(
        select(StatusUpdate.status).join(Report, Report.id == StatusUpdate.report_id)
        .join(Checkpoint, Checkpoint.id == Report.checkpoint_id)
        .join(Obligation, Obligation.id == Checkpoint.obligation_id)
        .where(Obligation.instrument_id == instrument.id, StatusUpdate.created_at > since)).all())
    upcoming = session.exec(
        select(func.count()).select_from(Checkpoint).join(Obligation, Obligation.id == Checkpoint.obligation_id)
        .where(Obligation.instrument_id == instrument.id, is_live(Obligation),
               is_live(Checkpoint), Checkpoint.due_on >= period.starts_on,
               Checkpoint.due_on <= period.ends_on)).one()
    lagging = [view for view in worst_first(indicator_views(session, now, instrument_ids=[instrument.id],
                                                            latest_only=True))
               if view.judgement in ("off_track", "at_risk")]
    return SecretaryPart(instrument, sections, list(overdue), [(r.code, r.on_time, r.total) for r in rates],
                         sorted(changes.items()), upcoming, since=since, worst=worst, lagging=lagging)


def _previous_digest_at(session: Session, user: User, period: Period) -> datetime | None:
    return session.exec(select(func.max(Notification.claimed_at)).where(
        Notification.recipient_id == user.id, Notification.kind == "digest",
        Notification.period != period.label)).one()


def build_digest(session: Session, user: User, period: Period, today: date, parts: dict | None = None,
                 access: Access | None = None) -> dict | None:
    """The digest's content for one person, or None when there is nothing to tell them.

    `parts` keeps the parts already built in this run: people of the same organizations get the same focal part,
    secretaries of an instrument the same part for it (read once, so every email of the run gives the same
    figures). `access`, the person's reach, when the run has read everyone's at once."""
    parts = {} if parts is None else parts
    access = access or access_for(session, user)
    own = ("focal", tuple(sorted(access.organization_ids)))
    if own not in parts:
        parts[own] = _focal_part(session, access.organization_ids, period, parts)
    focal = parts[own]
    secretary = []
    if access.secretary_of:
        since = _previous_digest_at(session, user, period)
        for instrument in session.exec(select(Instrument).where(Instrument.id.in_(access.secretary_of),
                                                                is_live(Instrument))
                                       .order_by(Instrument.key)):
            key = ("secretary", instrument.id, since)
            if key not in parts:
                parts[key] = _secretary_part(session, instrument, period, since, today, parts)
            secretary.append(parts[key])
    if not focal and not secretary:
        return None
    return dict(period=period, focal=focal, secretary=secretary)


class Said(NamedTuple):
    """A report as a focal point's digest says it, in the recipient's language: made once for the HTML and the
    text, not by the templates per part (a national run says 150,000 of them)."""

    words: str  #: measure, instrument, organization
    period: str
    due: str  #: its due day
    link: str  #: its page


#: reports a focal point's digest names: late ones from the previous period, this period's checkpoints (the rest
#: are counted)
LATE_NAMED, UPCOMING_NAMED = 20, 30


def _said(focal: FocalPart | None, templates: Environment) -> dict:
    """The focal part's reports in the words of the language being rendered, with their links (titles cut as the
    `templates`' truncate filter cuts them)."""
    if not focal:
        return {}
    measure, link = _("мера"), report_link()

    def said(line: DigestLine) -> Said:
        title = do_truncate(templates, line.instrument_title, 60)
        return Said(f"{measure} {line.number} ({title}) · {line.organization}", line.period,
                    format_day(line.due_on), link(line.report_id))
    return {"returned": [said(line) for line in focal.returned],
            "late": [said(line) for line in focal.late[:LATE_NAMED]],
            "upcoming": [said(line) for line in focal.upcoming[:UPCOMING_NAMED]]}


def render_digest(session: Session, user: User, period: Period, today: date, *, app, parts: dict | None = None,
                  access: Access | None = None) -> tuple[str, str, str] | None:
    """(subject, text, HTML) of a person's digest with the app's templates, or None."""
    content = build_digest(session, user, period, today, parts, access)
    if content is None:
        return None
    return outbox.render_html_email(app, "digest", user, prepare=lambda: _said(content["focal"], app.jinja_env),
                                    status_label=status_label, **content)


def send_digests(session: Session, period: Period, now: datetime, today: date, *, app, dry_run: bool = False,
                 progress=None, should_stop=lambda: False) -> dict:
    """Claim and queue the period's digest for every active person who chose this kind of period; once each. Each
    email is written with its claim, COMMIT_EVERY people to a transaction: a run cut short loses the uncommitted
    ones whole (neither claimed nor queued), and the next run writes them."""
    counts = defaultdict(int)
    users = session.exec(select(User).where(User.active, User.digest_frequency == period.kind)
                         .order_by(User.id)).all()
    # the clock asks every few minutes: people who already have this period's digest are not rendered again
    sent = set(session.exec(select(Notification.recipient_id).where(Notification.kind == "digest",
                                                                    Notification.period == period.label)))
    parts = {("lines", p.label): FocalLines(p) for p in (period.previous(), period)} | {"worst": MostOverdue()}
    accesses = accesses_for(session, users)
    for done, user in enumerate(users, 1):
        if should_stop():  # once a digest is claimed, it is never sent twice: the rest wait for the next tick
            break
        rendered = None if user.id in sent else render_digest(session, user, period, today, app=app, parts=parts,
                                                                access=accesses[user.id])
        if user.id in sent:
            counts["already sent"] += 1
        elif rendered is None:  # never an empty email
            counts["nothing to say"] += 1
        elif dry_run:  # nothing written: a rollback per person would expire every part built so far
            counts["queued"] += 1
        else:
            subject, text, html = rendered
            message = outbox.enqueue(session, kind="digest", user=user, subject=subject, text=text, html=html,
                                     sender=app.config["MAIL_SENDER"], now=now)
            if claim(session, kind="digest", key=f"digest:{period.label}:user-{user.id}", user=user, now=now,
                     outbox_id=message.id, period=period.label):
                counts["queued"] += 1
            else:  # another run claimed it since we looked: its email is theirs, this one is never sent
                session.delete(message)
                session.flush()
                counts["already sent"] += 1
        if not dry_run and done % COMMIT_EVERY == 0:
            session.commit()
        if progress:
            progress(done, len(users))
    if not dry_run:
        session.commit()
    return dict(counts)


#: digests committed together, each with its claim: a commit per person was a tenth of a national run
COMMIT_EVERY = 50
