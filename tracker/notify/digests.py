"""Digests: each person's quarterly (or monthly) summary, on the first working day of the period at 09:00 Almaty.

Focal points get their organizations' previous period (accepted, late, returned) and this period's checkpoints;
secretaries get, per instrument, progress per section, overdue by organization, the on-time reporting rate,
changes since their previous digest and this period's deadlines. Nothing to say means no email.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.as_of import Moment, moment
from tracker.catalog.obligations import ROW_COLUMNS, ReportRow, live_reports
from tracker.insight.figures import SectionProgress, first_submitted_at, on_time_rates, progress
from tracker.insight.indicators import IndicatorView, indicator_views, worst_first
from tracker.insight.overdue import Filters, OverdueRow, overdue_page
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
from tracker.notify.reminders import claim
from tracker.people.permissions import access_for
from tracker.periods import Period
from tracker.statuses import DONE, EXEMPT, is_on_time
from tracker.statuses import label as status_label


@dataclass
class FocalPart:
    """A focal point's organizations: the previous period and this one."""

    organizations: list[str]
    accepted: int = 0
    late: list[ReportRow] = field(default_factory=list)
    returned: list[ReportRow] = field(default_factory=list)
    upcoming: list[ReportRow] = field(default_factory=list)

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
    worst: dict[str, list[OverdueRow]] = field(default_factory=dict)
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


def _lines(session: Session, org_ids, start: date, end: date) -> list[ReportRow]:
    return [ReportRow(*row) for row in session.exec(
        live_reports(*ROW_COLUMNS)
        .where(Report.organization_id.in_(org_ids), Checkpoint.due_on >= start, Checkpoint.due_on <= end)
        .order_by(Checkpoint.due_on, Obligation.key))]


def _focal_part(session: Session, org_ids, period: Period) -> FocalPart | None:
    if not org_ids:
        return None
    own = session.exec(select(Organization.code).where(Organization.id.in_(org_ids))
                       .order_by(Organization.code)).all()
    part = FocalPart(organizations=list(own)[:10])
    previous = period.previous()
    lines = _lines(session, org_ids, previous.starts_on, previous.ends_on)
    first = first_submitted_at(session, [line.report.id for line in lines])
    for line in lines:
        status = line.report.status
        if status == "returned":
            part.returned.append(line)
        elif status == "accepted" and is_on_time(first.get(line.report.id), line.checkpoint.due_on):
            part.accepted += 1
        elif status not in EXEMPT:
            part.late.append(line)  # still open, or accepted after a late first submission
    part.upcoming = [x for x in _lines(session, org_ids, period.starts_on, period.ends_on)
                     if x.report.status not in DONE]
    return part if part else None


def _secretary_part(session: Session, instrument: Instrument, period: Period, since: datetime | None,
                    today: date) -> SecretaryPart:
    now = Moment.today(today)
    _counts, sections = progress(session, now, instrument.id, due_before=period.starts_on)
    found, overdue = overdue_page(session, Filters(instrument=instrument.key), now, page_size=None)
    worst: dict[str, list[OverdueRow]] = defaultdict(list)
    for row in found.rows:  # already most overdue first
        if len(worst[row.organization.code]) < MOST_OVERDUE:
            worst[row.organization.code].append(row)
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
    lagging = [view for view in worst_first(indicator_views(session, now, instrument_ids=[instrument.id]))
               if view.judgement in ("off_track", "at_risk")]
    return SecretaryPart(instrument, sections, list(overdue), [(r.code, r.on_time, r.total) for r in rates],
                         sorted(changes.items()), upcoming, since=since, worst=dict(worst), lagging=lagging)


def _previous_digest_at(session: Session, user: User, period: Period) -> datetime | None:
    return session.exec(select(func.max(Notification.claimed_at)).where(
        Notification.recipient_id == user.id, Notification.kind == "digest",
        Notification.period != period.label)).one()


def build_digest(session: Session, user: User, period: Period, today: date, parts: dict | None = None) -> dict | None:
    """The digest's content for one person, or None when there is nothing to tell them.

    `parts` keeps the parts already built in this run: people of the same organizations get the same focal part,
    secretaries of an instrument the same part for it (read once, so every email of the run gives the same
    figures)."""
    parts = {} if parts is None else parts
    access = access_for(session, user)
    own = ("focal", tuple(sorted(access.organization_ids)))
    if own not in parts:
        parts[own] = _focal_part(session, access.organization_ids, period)
    focal = parts[own]
    secretary = []
    if access.secretary_of:
        since = _previous_digest_at(session, user, period)
        for instrument in session.exec(select(Instrument).where(Instrument.id.in_(access.secretary_of),
                                                                is_live(Instrument))
                                       .order_by(Instrument.key)):
            key = ("secretary", instrument.id, since)
            if key not in parts:
                parts[key] = _secretary_part(session, instrument, period, since, today)
            secretary.append(parts[key])
    if not focal and not secretary:
        return None
    return dict(period=period, focal=focal, secretary=secretary)


def render_digest(session: Session, user: User, period: Period, today: date, *, app,
                  parts: dict | None = None) -> tuple[str, str, str] | None:
    """(subject, text, HTML) of a person's digest with the app's templates, or None."""
    content = build_digest(session, user, period, today, parts)
    if content is None:
        return None
    return outbox.render_html_email(app, "digest", user, status_label=status_label, **content)


def send_digests(session: Session, period: Period, now: datetime, today: date, *, app, dry_run: bool = False,
                 progress=None, should_stop=lambda: False) -> dict:
    """Claim and queue the period's digest for every active person who chose this kind of period; once each."""
    counts = defaultdict(int)
    users = session.exec(select(User).where(User.active, User.digest_frequency == period.kind)
                         .order_by(User.id)).all()
    # the clock asks every few minutes: people who already have this period's digest are not rendered again
    sent = set(session.exec(select(Notification.recipient_id).where(Notification.kind == "digest",
                                                                    Notification.period == period.label)))
    parts = {}
    for done, user in enumerate(users, 1):
        if should_stop():  # once a digest is claimed, it is never sent twice: the rest wait for the next tick
            break
        rendered = None if user.id in sent else render_digest(session, user, period, today, app=app, parts=parts)
        if user.id in sent:
            counts["already sent"] += 1
        elif rendered is None:  # never an empty email
            counts["nothing to say"] += 1
        elif (claimed := claim(session, kind="digest", key=f"digest:{period.label}:user-{user.id}", user=user,
                               now=now, period=period.label)) is None:
            counts["already sent"] += 1
        else:
            subject, text, html = rendered
            claimed.outbox_id = outbox.enqueue(session, kind="digest", user=user, subject=subject, text=text,
                                               html=html, sender=app.config["MAIL_SENDER"], now=now).id
            counts["queued"] += 1
        if dry_run:
            session.rollback()
        else:
            session.commit()
        if progress:
            progress(done, len(users))
    return dict(counts)
