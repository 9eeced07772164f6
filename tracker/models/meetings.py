"""A commission's meetings: when and where, their agenda item by item, and the decisions recorded on each item."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import json_column, optional_timestamp, timestamp


class Meeting(SQLModel, table=True):
    """A meeting of a commission: planned by its secretary, held, or cancelled."""

    id: int | None = Field(default=None, primary_key=True)
    commission_id: int = Field(foreign_key="commission.id", index=True)
    #: the protocol's number («Протокол РТК № 5»): what decisions cite
    number: str = Field(max_length=32)
    held_on: date
    starts_at: str = Field(default="10:00", max_length=5)  #: HH:MM, Almaty time
    place: str | None = Field(default=None, sa_type=Text)
    link: str | None = Field(default=None, sa_type=Text)
    status: str = Field(default="planned", max_length=16)  #: planned | held | cancelled
    #: bumped by every change of the meeting or its agenda: a stale edit is refused, invitations carry it
    version: int = 0
    invited_at: datetime | None = optional_timestamp()
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class AgendaItem(SQLModel, table=True):
    """One item of a meeting's agenda: drafted by Mindet from what needs the commission, or added by hand."""

    __tablename__ = "agenda_item"
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    position: int  #: its number in the agenda, from 1 («п. 3» of the protocol)
    #: overdue | returned | event | heard | decision | request | other
    kind: str = Field(max_length=16)
    title: str = Field(sa_type=Text)
    details: str | None = Field(default=None, sa_type=Text)
    organization_id: int | None = Field(default=None, foreign_key="organization.id")
    #: the measure it is about; for an earlier decision not yet executed, that decision's tracked obligation
    obligation_id: int | None = Field(default=None, foreign_key="obligation.id")
    checkpoint_id: int | None = Field(default=None, foreign_key="checkpoint.id")
    report_id: int | None = Field(default=None, foreign_key="report.id")


class Decision(SQLModel, table=True):
    """What the commission decided on one agenda item, applied in the transaction that recorded it."""

    __table_args__ = (UniqueConstraint("agenda_item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    agenda_item_id: int = Field(foreign_key="agenda_item.id")
    #: noted | deadline | event | not_applicable | cancelled | new | owner
    kind: str = Field(max_length=16)
    text: str = Field(sa_type=Text)
    #: «Протокол РТК № 5 от 29.12.2025, п. 3»: the source every change it made cites
    source: str = Field(sa_type=Text)
    obligation_id: int | None = Field(default=None, foreign_key="obligation.id", index=True)
    checkpoint_id: int | None = Field(default=None, foreign_key="checkpoint.id", index=True)
    new_due_on: date | None = None
    #: the checkpoint it opened (an event-driven measure), or of the new decision it made a tracked obligation of
    opened_checkpoint_id: int | None = Field(default=None, foreign_key="checkpoint.id")
    #: a new commission decision, tracked as an obligation of the commission's instrument of decisions
    decision_obligation_id: int | None = Field(default=None, foreign_key="obligation.id")
    #: an owner reassigned: the organization that leads the measure from now on (applied as a new version)
    new_owner_id: int | None = Field(default=None, foreign_key="organization.id")
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = timestamp()


class InformationRequest(SQLModel, table=True):
    """A party's or a secretary's request to an owner for information on the execution of a measure (seed 001:
    workers' representatives may request it), with its answer; public when the instrument is."""

    __tablename__ = "information_request"
    id: int | None = Field(default=None, primary_key=True)
    obligation_id: int = Field(foreign_key="obligation.id", index=True)
    #: the owner asked; its focal points answer
    organization_id: int = Field(foreign_key="organization.id", index=True)
    question: str = Field(sa_type=Text)
    asked_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    #: the organization the asker spoke for (a party's focal point), none for a secretary
    asked_for_id: int | None = Field(default=None, foreign_key="organization.id")
    asked_at: datetime = timestamp()
    #: the answer is due by the end of this day (working days from the request, TRACKER_INFORMATION_REQUEST_DAYS)
    due_on: date = Field(index=True)
    answer: str | None = Field(default=None, sa_type=Text)
    answered_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    answered_at: datetime | None = optional_timestamp()


class CommissionRating(SQLModel, table=True):
    """A commission's figures for one quarter, frozen at the quarter's end (tracker/insight/rating.py)."""

    __tablename__ = "commission_rating"
    __table_args__ = (UniqueConstraint("commission_id", "quarter"),)
    id: int | None = Field(default=None, primary_key=True)
    commission_id: int = Field(foreign_key="commission.id", index=True)
    quarter: str = Field(max_length=7)  #: 2026-Q3
    figures: dict = json_column(dict)
    frozen_at: datetime = timestamp()
