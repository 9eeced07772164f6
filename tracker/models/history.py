"""History: status updates, evidence, deadline changes, notifications, the audit trail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from tracker.models.base import optional_timestamp, timestamp


class StatusUpdate(SQLModel, table=True):
    """An append-only entry on a report: status, Markdown note, the period it covers, author, time."""

    __tablename__ = "status_update"
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    status: str = Field(max_length=16)
    #: the report's status before this update (the timeline shows "submitted → returned")
    previous_status: str | None = Field(default=None, max_length=16)
    #: the report's version after this update; a stale editor is shown every update above their version
    report_version: int = 0
    note: str | None = Field(default=None, sa_type=Text)
    #: the note rendered and sanitised once, when written (None for notes older than migration 0008)
    note_html: str | None = Field(default=None, sa_type=Text)
    #: submitting without evidence asks for an explicit reason
    no_evidence_reason: str | None = Field(default=None, sa_type=Text)
    covers_period: str | None = Field(default=None, max_length=32)
    #: for returned / not applicable / cancelled: why, and the act it rests on
    reason: str | None = Field(default=None, sa_type=Text)
    reason_source: str | None = Field(default=None, sa_type=Text)
    author_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = timestamp()


class Evidence(SQLModel, table=True):
    """A file or a link that proves a status update."""

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    status_update_id: int | None = Field(default=None, foreign_key="status_update.id")
    kind: str = Field(max_length=8)  # file | link
    file_name: str | None = Field(default=None, max_length=255)
    storage_key: str | None = Field(default=None, max_length=128)
    sha256: str | None = Field(default=None, max_length=64)
    size: int | None = None
    content_type: str | None = Field(default=None, max_length=128)
    url: str | None = Field(default=None, sa_type=Text)
    covers_period: str | None = Field(default=None, max_length=32)
    #: the evidence row this one was carried forward from ("no change since last period")
    carried_from_id: int | None = Field(default=None, foreign_key="evidence.id")
    is_public: bool = False
    uploaded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = timestamp()


class DeadlineChange(SQLModel, table=True):
    """A change of a checkpoint's due date, with reason and source: a secretary's rescheduling, or an amendment of the
    roadmap (then no person: changed_by_id is None)."""

    __tablename__ = "deadline_change"
    id: int | None = Field(default=None, primary_key=True)
    checkpoint_id: int = Field(foreign_key="checkpoint.id", index=True)
    old_due_on: date
    new_due_on: date
    reason: str = Field(sa_type=Text)
    source: str = Field(sa_type=Text)
    changed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = timestamp()


class Notification(SQLModel, table=True):
    """One item a person was told about (a reminder stage, an escalation, a digest): claimed under a unique key
    before anything is sent, so that a crash, a restart or a second clock never tells it twice."""

    id: int | None = Field(default=None, primary_key=True)
    #: reminder | escalation_head | escalation_secretary | returned | digest
    kind: str = Field(max_length=32)
    #: (kind, stage, report or period, recipient) — the claim that prevents a second send
    dedupe_key: str = Field(max_length=255, unique=True)
    recipient_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    #: the checkpoint and report told of, without foreign keys (migration 0030): reports and checkpoints are never
    #: deleted, and a key locked their rows for each of a national quarter end's 307,075 claims
    checkpoint_id: int | None = None
    report_id: int | None = None
    #: "before-7", "due", "overdue-3" (weeks), or the digest period "2026-Q4"
    period: str | None = Field(default=None, max_length=32)
    outbox_id: int | None = Field(default=None, foreign_key="outbox_message.id", index=True)
    claimed_at: datetime = timestamp()


class OutboxMessage(SQLModel, table=True):
    """One email, rendered once and kept until the mail server took it: retried with back-off, never lost."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_status_next", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    recipient_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    to_email: str = Field(max_length=254)
    subject: str = Field(sa_type=Text)
    body_text: str = Field(sa_type=Text)
    body_html: str = Field(sa_type=Text)
    message_id: str = Field(max_length=255)
    #: pending → sending → sent; retrying after a failure; failed after the last attempt (the admin sees it)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = timestamp()
    next_attempt_at: datetime = timestamp()
    sent_at: datetime | None = optional_timestamp()
    #: one attached file, kept as text (a meeting's calendar invitation): its name, MIME type and content
    attachment_name: str | None = Field(default=None, max_length=255)
    attachment_type: str | None = Field(default=None, max_length=100)
    attachment: str | None = Field(default=None, sa_type=Text)


class AuditEvent(SQLModel, table=True):
    """Every change: by whom, from where, before and after. Never edited, never deleted."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = timestamp(index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    #: who acted when there is no user: "cli:roadmaps sync", "clock"
    actor_label: str | None = Field(default=None, max_length=255)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    action: str = Field(max_length=64)
    object_type: str = Field(max_length=32)
    object_id: str | None = Field(default=None, max_length=160)
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    ip: str | None = Field(default=None, max_length=64)
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)


class ClockBeat(SQLModel, table=True):
    """The clock's heartbeat: one row, updated by every job of the clock that holds the lock (shown on /health)."""

    __tablename__ = "clock_beat"
    id: int = Field(default=1, primary_key=True)
    beat_at: datetime = timestamp()
    #: host and process of the clock that wrote it, e.g. "web-1:4711"
    holder: str = Field(max_length=255)
