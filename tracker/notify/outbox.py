"""Outgoing email: render from Markdown templates in the recipient's language, queue, deliver with retries.

A message is rendered once into the outbox and kept until the mail server takes it. Delivery leases a message
with a conditional UPDATE (pending → sending), so two clocks never send the same row; a failure is retried with
exponential back-off, and after the last attempt the message stays visible as failed on the delivery log.

The server's acceptance (its 250 after DATA) is committed before QUIT or anything else, so a clock killed after
that moment never sends again. What remains at-least-once: a clock killed in the microseconds between the 250 and
that commit, and a server that dies after receiving the message but before answering. Both resend with the same
Message-ID (kept in the outbox row), which mail clients and archives use to recognise the copy.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import Flask, render_template
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import case, func, update
from sqlmodel import Session, select

from tracker import audit
from tracker.models import OutboxMessage, User
from tracker.notify import mail
from tracker.notify.plain_text import html_to_text
from tracker.pagination import Page, paginate
from tracker.text import render_markdown

log = logging.getLogger(__name__)
#: kinds of message whose body carries a secret (a sign-in link): blanked once the server has taken it
SECRET_KINDS = ("invite", "reset")
REDACTED = "[removed after delivery: it contained a single-use link]"
#: a message left in "sending" this long (a clock killed mid-send) is tried again: one SMTP exchange takes at most
#: its 30 s timeout per step, and the delivery job runs every minute, so an interrupted send goes out again within 2
LEASE = timedelta(seconds=90)


def render_email(app: Flask, template: str, user: User, **context) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of templates/email/<template>.md in the user's language, absolute links to the
    app's BASE_URL; the text part is made from the HTML, so that it reads as text."""
    with app.test_request_context(base_url=app.config["BASE_URL"]), force_locale(user.language or "ru"):
        text = render_template(f"email/{template}.md", user=user, **context).strip() + "\n"
        subject, _, body = text.partition("\n")  # the first line of a template is its subject
        rendered = render_markdown(body.strip() + "\n")
        html = render_template("email/layout.html", body=rendered, subject=subject.strip(), user=user)
    return subject.strip(), html_to_text(str(rendered)), html


#: more than one blank line in a row, left where a template's optional parts were empty
_BLANK_LINES = re.compile(r"\n{3,}")


def render_html_email(app: Flask, template: str, user: User, prepare: Callable[[], dict] | None = None,
                      **context) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of templates/email/<template>.html and .txt, written directly (Jinja escapes
    every value in the HTML), not through Markdown: for the long generated emails (reminders, digests), where
    turning each item's Markdown into HTML, sanitising it and reading text back out of it was most of a clock
    tick's time. The first line of the HTML template is the subject. `prepare`, called in the recipient's language
    with links available, adds to the context what both parts show (each item's words and link, made once)."""
    with app.test_request_context(base_url=app.config["BASE_URL"]), force_locale(user.language or "ru"):
        context |= prepare() if prepare else {}
        rendered = render_template(f"email/{template}.html", user=user, **context).strip()
        subject, _, body = rendered.partition("\n")
        subject = html.unescape(subject.strip())
        page = render_template("email/layout.html", body=Markup(body), subject=subject, user=user)  # noqa: S704
        text = render_template(f"email/{template}.txt", user=user, **context).strip() + "\n"
    return subject, _BLANK_LINES.sub("\n\n", text), page


@dataclass(frozen=True)
class Attachment:
    """A file carried by an email, as text (a calendar invitation)."""

    name: str
    content_type: str
    content: str


def enqueue(session: Session, *, kind: str, user: User, subject: str, text: str, html: str, sender: str,
            now: datetime, attachment: Attachment | None = None) -> OutboxMessage:
    """Add a rendered message to the outbox (the caller's transaction commits it with its claims); its Message-ID
    is on the sender's domain."""
    message = OutboxMessage(kind=kind, recipient_id=user.id, to_email=user.email, subject=subject, body_text=text,
                            body_html=html, message_id=mail.new_message_id(sender), created_at=now,
                            next_attempt_at=now, attachment_name=attachment and attachment.name,
                            attachment_type=attachment and attachment.content_type,
                            attachment=attachment and attachment.content)
    session.add(message)
    session.flush()
    return message


def to_email_message(row: OutboxMessage, now: datetime, settings: Mapping) -> EmailMessage:
    """The MIME message: text and HTML alternatives, Message-ID, Date and List-Unsubscribe."""
    base = settings["BASE_URL"]
    message = EmailMessage()
    message["From"] = settings["MAIL_SENDER"]
    message["To"] = row.to_email
    message["Subject"] = row.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = row.message_id
    message["List-Unsubscribe"] = f"<{base}/account#notifications>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies should not answer
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    if row.attachment is not None:
        maintype, _slash, subtype = row.attachment_type.partition("/")
        message.add_attachment(row.attachment.encode(), maintype=maintype, subtype=subtype,
                               filename=row.attachment_name)
    return message


@dataclass
class DeliverySummary:
    """What one delivery pass did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


#: messages leased together and sent over one connection to the mail server
BATCH = 50
#: a message in one of these is sent when its next attempt is due ("sending": its lease ran out)
DUE_STATUSES = ("pending", "retrying", "sending")


def deliver(session: Session, now: datetime, settings: Mapping, limit: int = 500,
            only: list[int] | None = None, should_stop: Callable[[], bool] = lambda: False) -> DeliverySummary:
    """Send what is due in the outbox (or only the messages with these ids) with the mail settings (the app's
    TRACKER_MAIL_*). Messages are leased in batches, each batch sent over one connection, and each message's
    outcome committed the moment it is known. `should_stop` is asked before each message: a stopping clock sends
    none more, and hands back what it had leased."""
    summary = DeliverySummary()
    query = (select(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.last_error)
             .where(OutboxMessage.status.in_(DUE_STATUSES), OutboxMessage.next_attempt_at <= now))
    if only is not None:
        query = query.where(OutboxMessage.id.in_(only))
    due = session.exec(query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)).all()
    session.rollback()  # end the read transaction: each lease below is its own
    for start in range(0, len(due), BATCH):
        if should_stop():
            break
        leased = _lease(session, due[start:start + BATCH], now)
        with mail.Connection(settings) as connection:
            for position, (row, interrupted) in enumerate(leased):
                if should_stop():
                    _hand_back(session, [row for row, _ in leased[position:]], now)
                    break
                _attempt(session, row, interrupted, now, settings, summary, connection)
    return summary


def _lease(session: Session, due: list, now: datetime) -> list[tuple[OutboxMessage, bool]]:
    """Lease these messages (→ sending, the attempt counted before the server is contacted) in one statement, those
    still due: a message another clock leased, sent or rescheduled since they were read is left out. Returns (row,
    whether its last attempt was cut off), in order; the rows are copies outside the session, so that committing
    each outcome does not expire and read back the batch's other messages."""
    taken = session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_([row.id for row in due]),
                                    OutboxMessage.status.in_(DUE_STATUSES), OutboxMessage.next_attempt_at <= now)
        .values(status="sending", next_attempt_at=now + LEASE, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id).execution_options(synchronize_session=False)).scalars().all()
    session.commit()
    table = OutboxMessage.__table__  # read as plain rows, not through the session's identity map
    rows = {found["id"]: OutboxMessage(**found)
            for found in session.execute(select(table).where(table.c.id.in_(taken))).mappings()}
    # counted before this lease and no failure written: the last attempt never reached an outcome
    return [(rows[row.id], bool(row.attempts) and row.last_error is None) for row in due if row.id in rows]


def _hand_back(session: Session, rows: list[OutboxMessage], now: datetime) -> None:
    """Leased messages a stopping clock will not send: due again at once, their attempt not counted."""
    for row in rows:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id, OutboxMessage.status == "sending")
                        .values(status="retrying" if row.attempts > 1 else "pending",
                                attempts=OutboxMessage.attempts - 1, next_attempt_at=now))
    session.commit()


def _attempt(session: Session, row: OutboxMessage, interrupted: bool, now: datetime, config: Mapping,
             summary: DeliverySummary, connection: mail.Connection) -> None:
    if interrupted:
        # leased again with no recorded outcome: the last attempt was cut off (a clock killed mid-send). The server's
        # acceptance is recorded the moment it is given, so the message did not get through; say so all the same.
        log.warning("message %s to %s: the previous attempt was interrupted; sending it again with Message-ID %s",
                    row.id, row.to_email, row.message_id)

    def accepted() -> None:
        values = {"status": "sent", "sent_at": now, "last_error": None}
        if row.kind in SECRET_KINDS:  # the link it carried must not stay readable in the database
            values |= {"body_text": REDACTED, "body_html": REDACTED}
        table = OutboxMessage.__table__  # a plain UPDATE: nothing in the session to keep in step with it
        session.execute(update(table).where(table.c.id == row.id).values(**values))
        session.commit()

    try:
        connection.send(to_email_message(row, now, config), accepted=accepted)
    except mail.MailError as exc:
        row = session.get(OutboxMessage, row.id)  # the leased copy is detached: its current state, to change
        row.last_error = str(exc)[:2000]
        if row.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            row.status = "failed"
            summary.failed += 1
            log.error("giving up on message %s to %s after %s attempts: %s", row.id, row.to_email, row.attempts, exc)
        else:
            row.status = "retrying"
            row.next_attempt_at = now + timedelta(minutes=config["MAIL_RETRY_MINUTES"] * 2 ** (row.attempts - 1))
            summary.retrying += 1
        session.add(row)
        session.commit()
    else:
        summary.sent += 1


def release_interrupted(session: Session, now: datetime) -> int:
    """At a clock's start, when it has just taken the one clock lock: a message still "sending" was leased by a clock
    that died (no other runs), so it is due again now, not when its lease runs out. The caller commits."""
    return session.execute(update(OutboxMessage).where(OutboxMessage.status == "sending")
                           .values(status="retrying", next_attempt_at=now)
                           .execution_options(synchronize_session=False)).rowcount


def retry(session: Session, message: OutboxMessage, now: datetime, by: audit.Actor) -> None:
    """An administrator puts a failed message back in the queue (attempts start again). Audited."""
    message.status, message.attempts, message.next_attempt_at = "pending", 0, now
    session.add(message)
    audit.record(session=session, now=now, action="outbox.retry", object_type="outbox_message",
                 object_id=str(message.id), by=by)


#: every status of a queued message, in the order the delivery log offers them
STATUSES = ("pending", "sending", "retrying", "failed", "sent")
DELIVERY_LOG_PAGE_SIZE = 50


def delivery_log(session: Session, *, status: str | None, number: int) -> Page:
    """A page of queued messages, failed first, then retrying, then newest; only one status if given."""
    query = select(OutboxMessage)
    if status in STATUSES:
        query = query.where(OutboxMessage.status == status)
    failed_first = case((OutboxMessage.status == "failed", 0), (OutboxMessage.status == "retrying", 1), else_=2)
    return paginate(session, query.order_by(failed_first, OutboxMessage.id.desc()), number, DELIVERY_LOG_PAGE_SIZE)


def status_counts(session: Session) -> dict[str, int]:
    """How many messages are in each status."""
    return dict(session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
