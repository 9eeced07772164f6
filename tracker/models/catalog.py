"""Instruments, organizations, obligations, their owners, checkpoints and reports."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from tracker.models.base import counter, json_column, optional_timestamp, timestamp


class Organization(SQLModel, table=True):
    """A party with a canonical code; a group (МИО, ЦГО, РОП, РОР) lists its members."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    kind: str = Field(max_length=32)
    name_ru: str = Field(sa_type=Text)
    name_kk: str | None = Field(default=None, sa_type=Text)
    name_en: str | None = Field(default=None, sa_type=Text)
    aliases: list = json_column(list)
    note: str | None = Field(default=None, sa_type=Text)
    is_group: bool = False
    #: for groups: "each_member" fans a report out to every member, "jointly" answers as one party
    group_reports: str | None = Field(default=None, max_length=16)
    retired_at: datetime | None = optional_timestamp()

    def __repr__(self) -> str:
        return f"<Organization {self.code}>"


class GroupMembership(SQLModel, table=True):
    """A member organization of a group organization."""

    __tablename__ = "group_membership"
    group_id: int = Field(foreign_key="organization.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="organization.id", primary_key=True, ondelete="CASCADE")
    position: int = 0


class Commission(SQLModel, table=True):
    """A tripartite commission (republican, regional or industry): its instruments, secretaries and meetings."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=100, unique=True)
    level: str = Field(max_length=16)  #: republican | regional | industry
    #: how protocols name it («РТК»); the full name when organizations.yaml gives none
    short_ru: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, sa_type=Text)
    industry: str | None = Field(default=None, sa_type=Text)
    name_ru: str = Field(sa_type=Text)
    name_kk: str | None = Field(default=None, sa_type=Text)
    name_en: str | None = Field(default=None, sa_type=Text)
    #: {"government": [codes], "workers": [codes], "employers": [codes]}
    parties: dict = json_column(dict)
    secretariat_id: int | None = Field(default=None, foreign_key="organization.id")
    note: str | None = Field(default=None, sa_type=Text)
    retired_at: datetime | None = optional_timestamp()
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()

    def __repr__(self) -> str:
        return f"<Commission {self.key}>"


#: the kind of instrument Mindet keeps itself, never read from a roadmap file: a commission's decisions (a sync
#: does not retire it for being absent from roadmaps/)
KEPT_IN_APP = "decisions"


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
    parties: list = json_column(list)
    is_public: bool = False
    file_name: str = Field(max_length=255)
    #: loader.fingerprint of the file it was last synced from: an unchanged file is skipped by the next sync
    fingerprint: str | None = Field(default=None, max_length=64)
    #: the commission whose instrument it is (none when organizations.yaml names no commission)
    commission_id: int | None = Field(default=None, foreign_key="commission.id", index=True)
    retired_at: datetime | None = optional_timestamp()
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()

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
    retired_at: datetime | None = optional_timestamp()


class Obligation(SQLModel, table=True):
    """One measure of an instrument; the text stays verbatim in the source language."""

    #: home counts each instrument's live obligations from this index alone, not from the wide rows (0032)
    __table_args__ = (Index("ix_obligation_instrument_live", "instrument_id", "retired_at"),)

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
    #: the day the obligation begins: its YAML `from:`, or the day it was added to an instrument already under way;
    #: None: the instrument's valid_from. Recurring checkpoints start with the period that contains it.
    starts_on: date | None = None
    owners_text: str = Field(sa_type=Text)
    owners_note: str | None = Field(default=None, sa_type=Text)
    note: str | None = Field(default=None, sa_type=Text)
    source_document: str | None = Field(default=None, sa_type=Text)
    source_quote: str | None = Field(default=None, sa_type=Text)
    #: {"en": {"title": …, "text": …}, "kk": {…}}
    translations: dict = json_column(dict)
    #: sha256 of the YAML content that produced this row; a change means an update
    content_hash: str = Field(max_length=64)
    #: heard at its commission's meetings (the YAML says so): proposed on every meeting's agenda
    heard_at_meetings: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    retired_at: datetime | None = optional_timestamp()
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()

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
    #: what an event checkpoint answers ("Запрос МТСЗН от 12.11.2026"), set by the secretary who opened it
    label: str | None = Field(default=None, sa_type=Text)
    retired_at: datetime | None = optional_timestamp()
    created_at: datetime = timestamp()
    # Its live reports counted (statuses.LeadCounts and the co-executors'), kept by a database trigger in the
    # transaction that writes a report (migration 0014): figures read these instead of every report.
    lead_total: int = counter()
    lead_done: int = counter()
    lead_returned: int = counter()
    lead_answered: int = counter()
    lead_active: int = counter()
    co_answered: int = counter()
    co_total: int = counter()
    # (migration 0025) its lead reports accepted, and its reports (lead or not) awaiting a verdict
    lead_accepted: int = counter()
    submitted: int = counter()


class Report(SQLModel, table=True):
    """One responsible organization's answer for one checkpoint; groups fan out to their members."""

    __table_args__ = (
        UniqueConstraint("checkpoint_id", "organization_id"),
        Index("ix_report_organization_id_status", "organization_id", "status"),
        Index("ix_report_status", "status"),
        # the review queue in its order (oldest submission first): its first page without sorting 35,000 reports
        Index("ix_report_awaiting_verdict", "submitted_at", "id", postgresql_where=text("status = 'submitted'"),
              sqlite_where=text("status = 'submitted'")),
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
    submitted_at: datetime | None = optional_timestamp()
    #: the first submission ever: what the on-time rule reads (set once, in the transaction of that submission)
    first_submitted_at: datetime | None = optional_timestamp()
    retired_at: datetime | None = optional_timestamp()
    updated_at: datetime = timestamp()


#: the counts a checkpoint keeps of its lead reports, in the order of statuses.LeadCounts
KEPT_LEAD_COUNTS = (Checkpoint.lead_total, Checkpoint.lead_done, Checkpoint.lead_returned, Checkpoint.lead_answered,
                    Checkpoint.lead_active)


class InstrumentVersion(SQLModel, table=True):
    """One version of an instrument's YAML as it was applied: kept for ever, downloadable and comparable."""

    __tablename__ = "instrument_version"
    __table_args__ = (UniqueConstraint("instrument_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    number: int  #: 1, 2, … in the order applied
    text: str = Field(sa_type=Text)
    sha256: str = Field(max_length=64)
    #: where it came from: «roadmaps/<file>» for a sync
    source: str = Field(sa_type=Text)
    applied_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    applied_at: datetime = timestamp()
