"""Figures the database keeps so that pages read a few thousand rows, not every report: checkpoints counted per
section, due day and state (kept by triggers, migrations 0023 and 0025) and per section and state (0033), open
reports counted per organization, instrument and due day (0026), and the on-time figures of complete quarters,
stored once computed and dropped by any write that could change them; and the pages kept once rendered, under the
generation of the data they were rendered from (tracker/kept_pages.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, Text
from sqlmodel import Field, SQLModel

from tracker.models.base import counter, timestamp


class SectionTally(SQLModel, table=True):
    """The live checkpoints of live obligations of one section due on one day whose lead reports fall in one class
    (statuses.LeadCounts.of_class), counted, with their co-executors' reports answered and in all. Never written by
    the application: a trigger on checkpoint and obligation recounts the (section, due day) of every change."""

    __tablename__ = "section_tally"
    section_id: int = Field(foreign_key="section.id", primary_key=True)
    due_on: date = Field(primary_key=True)
    lead_class: int = Field(primary_key=True)
    checkpoints: int = 0
    co_answered: int = 0
    co_total: int = 0
    #: of them, those with an accepted lead report (the public progress), and their reports awaiting a verdict
    #: (the review queue), migration 0025
    accepted: int = counter()
    submitted: int = counter()
    #: the rows due from a day on, without reading the rest: today's tally subtracts them from a section's whole
    __table_args__ = (Index("ix_section_tally_due_on", "due_on"),)


class SectionClassTally(SQLModel, table=True):
    """A section's section_tally rows of one lead class summed over every due day (2,000 rows at national scale, not
    38,908). Never written by the application: a trigger on section_tally adds each change (migration 0033), so
    today's tally reads a section's whole here and takes away only the rows not yet due."""

    __tablename__ = "section_class_tally"
    section_id: int = Field(foreign_key="section.id", primary_key=True)
    lead_class: int = Field(primary_key=True)
    checkpoints: int = 0
    co_answered: int = 0
    co_total: int = 0
    accepted: int = 0
    submitted: int = 0


class OverdueTally(SQLModel, table=True):
    """The live reports awaiting one organization on live checkpoints of live measures of one instrument due on one
    day, counted: today's overdue totals add up the rows due before today. Never written by the application:
    triggers on report, checkpoint and obligation move the counts of every change (migration 0026)."""

    __tablename__ = "overdue_tally"
    #: one instrument's rows (its dashboard's overdue by organization) without reading every instrument's: the
    #: key leads with the organization. An update moves only `reports`, so it stays a heap-only update.
    __table_args__ = (Index("ix_overdue_tally_instrument", "instrument_id", "due_on"),)
    organization_id: int = Field(foreign_key="organization.id", primary_key=True)
    instrument_id: int = Field(foreign_key="instrument.id", primary_key=True)
    due_on: date = Field(primary_key=True)
    reports: int = 0


class StoredQuarter(SQLModel, table=True):
    """An instrument's on-time figures of one complete quarter are stored (in quarter_rate, one row per
    organization): a trigger deletes both when a report, checkpoint or obligation of that quarter changes."""

    __tablename__ = "stored_quarter"
    instrument_id: int = Field(foreign_key="instrument.id", primary_key=True)
    starts_on: date = Field(primary_key=True)
    ends_on: date
    stored_at: datetime = timestamp()
    #: the sums of its rates: the trend of all organizations together reads these (migration 0028)
    on_time: int = counter()
    total: int = counter()


class QuarterRate(SQLModel, table=True):
    """One organization's reports of an instrument due in a stored quarter, and how many were on time."""

    __tablename__ = "quarter_rate"
    #: a quarter's rates of every instrument (the league tables): its key leads with the instrument
    __table_args__ = (Index("ix_quarter_rate_quarter", "starts_on", "instrument_id"),)
    instrument_id: int = Field(foreign_key="instrument.id", primary_key=True)
    starts_on: date = Field(primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", primary_key=True)
    ends_on: date
    on_time: int = 0
    total: int = 0


class DataGeneration(SQLModel, table=True):
    """One row: a number that every committed write of something a page shows adds one to (tracker/kept_pages.py),
    so that a page kept under it is known to be still true."""

    __tablename__ = "data_generation"
    id: int = Field(default=1, primary_key=True)
    generation: int = Field(default=0, sa_type=BigInteger)


class KeptPage(SQLModel, table=True):
    """A page's part that is the same for everyone who may see it, as rendered under one data generation."""

    __tablename__ = "kept_page"
    #: sha256 of what the part depends on besides the data (page, arguments, language, day, reach)
    key: str = Field(primary_key=True, max_length=64)
    generation: int = Field(sa_type=BigInteger)
    body: str = Field(sa_type=Text)
    kept_at: datetime = timestamp(index=True)
