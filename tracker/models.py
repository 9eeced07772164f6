"""Table models of DESIGN.md: instruments, organizations, obligations, checkpoints, reports and their history."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, DateTime, Index, MetaData, Text, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

from .timeutil import now_utc

# Named constraints keep Alembic migrations stable and SQLite batch operations possible.
SQLModel.metadata.naming_convention = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
).naming_convention


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite forgets the zone; this puts it back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: pass an aware UTC datetime")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def _timestamp(**kwargs) -> Field:
    return Field(default_factory=now_utc, sa_type=UTCDateTime, **kwargs)


def _optional_timestamp(**kwargs) -> Field:
    return Field(default=None, sa_type=UTCDateTime, **kwargs)


def _json(default) -> Field:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


class Organization(SQLModel, table=True):
    """A party with a canonical code; a group (МИО, ЦГО, РОП, РОР) lists its members."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=32)
    name_ru: str = Field(sa_type=Text)
    name_kk: str | None = Field(default=None, sa_type=Text)
    name_en: str | None = Field(default=None, sa_type=Text)
    aliases: list = _json(list)
    note: str | None = Field(default=None, sa_type=Text)
    is_group: bool = False
    #: for groups: "each_member" fans a report out to every member, "jointly" answers as one party
    group_reports: str | None = Field(default=None, max_length=16)
    retired_at: datetime | None = _optional_timestamp()

    def __repr__(self) -> str:
        return f"<Organization {self.code}>"


class GroupMembership(SQLModel, table=True):
    """A member organization of a group organization."""

    __tablename__ = "group_membership"
    group_id: int = Field(foreign_key="organization.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="organization.id", primary_key=True, ondelete="CASCADE")
    position: int = 0


class Instrument(SQLModel, table=True):
    """A roadmap or an agreement, loaded from one YAML file."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=100, unique=True)
    kind: str = Field(max_length=32)
    title_ru: str = Field(sa_type=Text)
    title_kk: str | None = Field(default=None, sa_type=Text)
    title_en: str | None = Field(default=None, sa_type=Text)
    approved_by: str | None = Field(default=None, sa_type=Text)
    approved_on: date | None = None
    valid_from: date
    valid_to: date
    validity_note: str | None = Field(default=None, sa_type=Text)
    #: "complete", or "partial" when the source text is not fully known (the app says so)
    completeness: str = Field(default="complete", max_length=16)
    completeness_note: str | None = Field(default=None, sa_type=Text)
    language: str = Field(default="ru", max_length=8)
    source: str | None = Field(default=None, sa_type=Text)
    numbering_note: str | None = Field(default=None, sa_type=Text)
    parties: list = _json(list)
    is_public: bool = False
    file_name: str = Field(max_length=255)
    retired_at: datetime | None = _optional_timestamp()
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()

    def __repr__(self) -> str:
        return f"<Instrument {self.key}>"


class Section(SQLModel, table=True):
    """A numbered section of an instrument."""

    __table_args__ = (UniqueConstraint("instrument_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    number: str = Field(max_length=32)
    position: int = 0
    title_ru: str = Field(sa_type=Text)
    title_kk: str | None = Field(default=None, sa_type=Text)
    title_en: str | None = Field(default=None, sa_type=Text)
    retired_at: datetime | None = _optional_timestamp()


class Obligation(SQLModel, table=True):
    """One measure of an instrument; the text stays verbatim in the source language."""

    id: int | None = Field(default=None, primary_key=True)
    #: stable key "<instrument>/<number>", e.g. "decent-work-2024-2025/1.3"
    key: str = Field(max_length=160, unique=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    section_id: int = Field(foreign_key="section.id", index=True)
    number: str = Field(max_length=32)
    position: int = 0
    text: str = Field(sa_type=Text)
    #: expected result / form of completion
    result: str | None = Field(default=None, sa_type=Text)
    deadline_text: str = Field(sa_type=Text)
    #: one_off | recurring | continuous | event (deadlines.Kind)
    deadline_kind: str = Field(max_length=16)
    deadline_note: str | None = Field(default=None, sa_type=Text)
    owners_text: str = Field(sa_type=Text)
    owners_note: str | None = Field(default=None, sa_type=Text)
    note: str | None = Field(default=None, sa_type=Text)
    source_document: str | None = Field(default=None, sa_type=Text)
    source_quote: str | None = Field(default=None, sa_type=Text)
    #: {"en": {"title": …, "text": …}, "kk": {…}}
    translations: dict = _json(dict)
    #: sha256 of the YAML content that produced this row; a change means an update
    content_hash: str = Field(max_length=64)
    retired_at: datetime | None = _optional_timestamp()
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()

    def __repr__(self) -> str:
        return f"<Obligation {self.key}>"


class ObligationOwner(SQLModel, table=True):
    """An organization responsible for an obligation, in source order; the first is the lead executor."""

    __tablename__ = "obligation_owner"
    __table_args__ = (UniqueConstraint("obligation_id", "organization_id"),)
    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", index=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    position: int
    is_lead: bool = False
    #: "(по согласованию)": takes part by agreement
    is_by_agreement: bool = False


class Checkpoint(SQLModel, table=True):
    """One dated thing to report on: an obligation × a reporting period."""

    __table_args__ = (UniqueConstraint("obligation_id", "period"), Index("ix_checkpoint_due_on", "due_on"))
    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", index=True)
    #: "2025-Q3", "2025-H1", "2025", "2025-03", "2025-2026"; event checkpoints get their own label
    period: str = Field(max_length=32)
    starts_on: date | None = None
    due_on: date
    #: the due date the instrument set; differs from due_on after a deadline change (slippage)
    original_due_on: date
    is_event: bool = False
    retired_at: datetime | None = _optional_timestamp()
    created_at: datetime = _timestamp()


class Report(SQLModel, table=True):
    """One responsible organization's answer for one checkpoint; groups fan out to their members."""

    __table_args__ = (
        UniqueConstraint("checkpoint_id", "organization_id"),
        Index("ix_report_organization_id_status", "organization_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    checkpoint_id: int = Field(foreign_key="checkpoint.id", index=True)
    organization_id: int = Field(foreign_key="organization.id")
    #: the group owner this report was fanned out from (МИО → an akimat), if any
    via_group_id: int | None = Field(default=None, foreign_key="organization.id")
    is_lead: bool = False
    is_by_agreement: bool = False
    #: the status of the latest status update (a cache of the append-only history)
    status: str = Field(default="not_started", max_length=16)
    #: bumped by every update; a stale edit is refused
    version: int = 0
    submitted_at: datetime | None = _optional_timestamp()
    retired_at: datetime | None = _optional_timestamp()
    updated_at: datetime = _timestamp()


class User(SQLModel, table=True):
    """A person who signs in."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    language: str = Field(default="ru", max_length=8)
    #: stored as `active`; Flask-Login's `is_active` is a property on top of it
    active: bool = True
    created_at: datetime = _timestamp()

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class StatusUpdate(SQLModel, table=True):
    """An append-only entry on a report: status, Markdown note, the period it covers, author, time."""

    __tablename__ = "status_update"
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    status: str = Field(max_length=16)
    note: str | None = Field(default=None, sa_type=Text)
    covers_period: str | None = Field(default=None, max_length=32)
    #: for returned / not applicable / cancelled: why, and the act it rests on
    reason: str | None = Field(default=None, sa_type=Text)
    reason_source: str | None = Field(default=None, sa_type=Text)
    author_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _timestamp()


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
    is_public: bool = False
    uploaded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _timestamp()


class DeadlineChange(SQLModel, table=True):
    """A secretary's rescheduling of a checkpoint, with reason and source."""

    __tablename__ = "deadline_change"
    id: int | None = Field(default=None, primary_key=True)
    checkpoint_id: int = Field(foreign_key="checkpoint.id", index=True)
    old_due_on: date
    new_due_on: date
    reason: str = Field(sa_type=Text)
    source: str = Field(sa_type=Text)
    changed_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = _timestamp()


class Notification(SQLModel, table=True):
    """A reminder or digest that was due: claimed under a unique key before sending, then its delivery."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    #: (kind, checkpoint or period, recipient) — the claim that prevents a second send
    dedupe_key: str = Field(max_length=255, unique=True)
    recipient_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    checkpoint_id: int | None = Field(default=None, foreign_key="checkpoint.id")
    period: str | None = Field(default=None, max_length=32)
    status: str = Field(default="claimed", max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)
    claimed_at: datetime = _timestamp()
    next_attempt_at: datetime | None = _optional_timestamp()
    sent_at: datetime | None = _optional_timestamp()


class AuditEvent(SQLModel, table=True):
    """Every change: by whom, from where, before and after. Never edited, never deleted."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = _timestamp(index=True)
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
