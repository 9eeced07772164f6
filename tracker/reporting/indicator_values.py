"""Indicator values in the same flow as statuses: the reporter's focal point submits the value of a period with its
source, the instrument's secretary accepts or returns it; a correction is a new submission for the same period, and
every row stays in the history."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import gettext as _
from sqlmodel import Session, select

from tracker import audit
from tracker.insight.indicators import periods_due
from tracker.models import Indicator, IndicatorValue, Instrument, Organization, User
from tracker.notify import outbox
from tracker.people.permissions import Access
from tracker.timeutil import today_almaty

MAX_TEXT = 5_000


class IndicatorError(ValueError):
    """A value or a verdict refused: the message says why and what to do."""


def parse_number(text: str) -> float:
    """A number as people type it: «169 895», «4,5», «-1.25»; IndicatorError otherwise."""
    cleaned = (text or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        raise IndicatorError(_("«%(text)s» — не число: напишите, например, 4,5 или 169 895.", text=text[:40])) from None
    if not math.isfinite(number):
        raise IndicatorError(_("Значение должно быть числом."))
    return number


@dataclass(frozen=True)
class Submission:
    """What a focal point wrote in the form."""

    period: str
    value: float
    source: str
    evidence_url: str | None = None
    note: str | None = None


def _checked(submission: Submission) -> Submission:
    source = (submission.source or "").strip()
    if not source or len(source) > MAX_TEXT:
        raise IndicatorError(_("Укажите источник значения: документ, письмо или публикацию, откуда взята цифра."))
    if not math.isfinite(submission.value):
        raise IndicatorError(_("Значение должно быть числом."))
    link = (submission.evidence_url or "").strip() or None
    if link is not None:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 2000:
            raise IndicatorError(_("Ссылка «%(link)s» должна начинаться с http:// или https://.", link=link[:100]))
    note = (submission.note or "").strip() or None
    if note and len(note) > MAX_TEXT:
        raise IndicatorError(_("Комментарий длиннее %(n)d символов.", n=MAX_TEXT))
    return Submission(submission.period, submission.value, source, link, note)


def awaiting(session: Session, indicator_id: int, period: str) -> IndicatorValue | None:
    """The submission of this period still awaiting a verdict, if any."""
    return session.exec(select(IndicatorValue).where(
        IndicatorValue.indicator_id == indicator_id, IndicatorValue.period == period,
        IndicatorValue.state == "submitted")).first()


def submit(*, session: Session, indicator: Indicator, submission: Submission, actor: User, access: Access,
           now: datetime, ip: str | None = None) -> IndicatorValue:
    """Record a value for a period (a correction when the period already has one), audited; the caller commits."""
    if indicator.retired_at is not None:
        raise IndicatorError(_("Индикатор исключён из документа: значения больше не принимаются."))
    if not access.can_report_for(indicator.reporter_id):
        raise IndicatorError(_("Значение сообщает контактное лицо организации, ответственной за индикатор."))
    periods = {p.label: p for p in periods_due(indicator, today_almaty(now))}
    if submission.period not in periods:
        raise IndicatorError(_("Период «%(period)s» не подходит: выберите период из списка.",
                               period=submission.period))
    cleaned = _checked(submission)
    if awaiting(session, indicator.id, cleaned.period) is not None:
        raise IndicatorError(_("Значение за %(period)s уже ждёт решения секретаря: дождитесь его или попросите "
                               "вернуть значение на доработку.", period=cleaned.period))
    row = IndicatorValue(indicator_id=indicator.id, period=cleaned.period, period_end=periods[cleaned.period].ends_on,
                         value=cleaned.value, source=cleaned.source, evidence_url=cleaned.evidence_url,
                         note=cleaned.note, organization_id=indicator.reporter_id, submitted_by_id=actor.id,
                         submitted_at=now)
    session.add(row)
    session.flush()
    audit.record(session=session, now=now, action="indicator_value.submit", object_type="indicator",
                 object_id=indicator.key, organization_id=indicator.reporter_id,
                 after={"period": row.period, "value": row.value, "source": row.source,
                        "evidence_url": row.evidence_url, "note": row.note},
                 by=audit.Actor(user_id=actor.id, ip=ip))
    return row


def decide(*, session: Session, row: IndicatorValue, verdict: str, note: str | None, actor: User, access: Access,
           now: datetime, ip: str | None = None, app: Flask | None = None) -> IndicatorValue:
    """Accept or return a submitted value, audited; the caller commits. A value already judged is refused (the
    secretary saw a stale page). A returned value is emailed to the person who reported it (with `app`)."""
    indicator = session.get(Indicator, row.indicator_id)
    instrument = session.get(Instrument, indicator.instrument_id)
    if not access.can_judge_values(instrument, row.organization_id):
        raise IndicatorError(_("Значения индикатора принимает секретарь документа (не сотрудник организации, "
                               "которая их сообщила)."))
    if row.state != "submitted":
        raise IndicatorError(_("Решение по этому значению уже принято: обновите страницу."))
    if verdict not in ("accepted", "returned"):
        raise IndicatorError(_("Неизвестное решение."))
    note = (note or "").strip() or None
    if verdict == "returned" and not note:
        raise IndicatorError(_("Напишите, что исправить: без комментария значение не возвращают."))
    row.state, row.decided_by_id, row.decided_at, row.decision_note = verdict, actor.id, now, note
    session.add(row)
    audit.record(session=session, now=now, action=f"indicator_value.{verdict.removesuffix('ed')}",
                 object_type="indicator", object_id=indicator.key, organization_id=row.organization_id,
                 before={"state": "submitted"}, after={"period": row.period, "value": row.value, "state": verdict,
                                                       "note": note},
                 by=audit.Actor(user_id=actor.id, ip=ip))
    reporter = session.get(User, row.submitted_by_id) if row.submitted_by_id else None
    if verdict == "returned" and app is not None and reporter is not None and reporter.active:
        link = f"{app.config['BASE_URL']}/indicators/{indicator.key}#report"
        subject, text, html = outbox.render_email(app, "indicator_returned", reporter, row=row, indicator=indicator,
                                                  instrument=instrument, link=link)
        outbox.enqueue(session, kind="indicator_returned", user=reporter, subject=subject, text=text, html=html,
                       sender=app.config["MAIL_SENDER"], now=now)
    return row


@dataclass(frozen=True)
class HistoryRow:
    """A value as submitted, with who reported and who judged it."""

    row: IndicatorValue
    submitted_by: User | None
    decided_by: User | None


def history(session: Session, indicator_id: int) -> list[HistoryRow]:
    """Every value ever submitted for the indicator, the newest period first, the newest submission first within."""
    rows = session.exec(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator_id)
                        .order_by(IndicatorValue.period_end.desc(), IndicatorValue.id.desc())).all()
    people = {u.id: u for u in session.exec(select(User).where(User.id.in_(
        {r.submitted_by_id for r in rows} | {r.decided_by_id for r in rows})))} if rows else {}
    return [HistoryRow(r, people.get(r.submitted_by_id), people.get(r.decided_by_id)) for r in rows]


@dataclass(frozen=True)
class AwaitingValue:
    """A submitted value in a secretary's queue."""

    row: IndicatorValue
    indicator: Indicator
    instrument: Instrument
    organization: Organization


def awaiting_verdict(session: Session, access: Access) -> list[AwaitingValue]:
    """Values submitted on the person's instruments and awaiting a verdict, the oldest first (none of their own
    organizations': nobody judges what they reported)."""
    if not access.secretary_of:
        return []
    query = (select(IndicatorValue, Indicator, Instrument, Organization)
             .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
             .join(Instrument, Instrument.id == Indicator.instrument_id)
             .join(Organization, Organization.id == IndicatorValue.organization_id)
             .where(IndicatorValue.state == "submitted", Instrument.id.in_(access.secretary_of),
                    Indicator.retired_at.is_(None)))
    if access.organization_ids:
        query = query.where(IndicatorValue.organization_id.not_in(access.organization_ids))
    return [AwaitingValue(*row) for row in session.exec(query.order_by(IndicatorValue.submitted_at,
                                                                        IndicatorValue.id))]
