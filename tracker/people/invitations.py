"""Invitation and password-reset links: a single-use token, and an email in the person's language via the outbox.

The link travels only in the email (and, for an invitation, on the inviting administrator's screen); the outbox
forgets the message body once the mail server has taken it, so the database keeps no usable link.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from tracker.models import OutboxMessage, User
from tracker.notify import outbox
from tracker.people import accounts


def queue_link(*, session: Session, app, user: User, kind: str, created_by: User | None,
               now: datetime) -> tuple[str, OutboxMessage]:
    """Issue an invite or reset token and queue its email, rendered with the app's templates and linking to its
    BASE_URL: (link, queued message). The caller commits."""
    if kind not in outbox.SECRET_KINDS:
        raise ValueError(f"unknown link kind {kind!r}")
    token = accounts.issue_token(session=session, user=user, kind=kind, now=now, created_by=created_by)
    link = f"{app.config['BASE_URL']}/{kind}/{token}"
    subject, text, html = outbox.render_email(app, kind, user, link=link)
    message = outbox.enqueue(session, kind=kind, user=user, subject=subject, text=text, html=html,
                             sender=app.config["MAIL_SENDER"], now=now)
    return link, message
