"""Target indicators of instruments and measures, and the values reported for them period by period."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from tracker.models.base import json_column, optional_timestamp, timestamp


class Indicator(SQLModel, table=True):
    """What a measure or an instrument should change, from a baseline towards its targets (loaded from the YAML)."""

    id: int | None = Field(default=None, primary_key=True)
    #: "<instrument key>/<indicator key>"
    key: str = Field(max_length=200, unique=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    #: the measure it belongs to; None for the instrument as a whole
    obligation_id: int | None = Field(default=None, foreign_key="obligation.id", index=True)
    position: int = 0
    name_ru: str = Field(sa_type=Text)
    name_kk: str | None = Field(default=None, sa_type=Text)
    name_en: str | None = Field(default=None, sa_type=Text)
    unit: str = Field(max_length=32)
    #: up (more is better), down (less is better), band (stay within band_low–band_high)
    direction: str = Field(max_length=8)
    band_low: float | None = None
    band_high: float | None = None
    #: percent of the planned change (of the band's width) a value may fall behind and still be "at risk"
    tolerance: float = 10.0
    baseline_value: float
    baseline_on: date
    baseline_source: str = Field(sa_type=Text)
    #: [{"period", "due_on", "value", "source", "final"}] in period order
    targets: list = json_column(list)
    target_note: str | None = Field(default=None, sa_type=Text)
    #: the organization whose focal points report the values
    reporter_id: int = Field(foreign_key="organization.id", index=True)
    frequency: str = Field(max_length=16)  #: quarterly | half | yearly
    is_public: bool = False
    source: str | None = Field(default=None, sa_type=Text)
    note: str | None = Field(default=None, sa_type=Text)
    content_hash: str = Field(max_length=64)
    retired_at: datetime | None = optional_timestamp()
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()

    def __repr__(self) -> str:
        return f"<Indicator {self.key}>"


class IndicatorValue(SQLModel, table=True):
    """One value reported for one period, and the verdict on it. Rows are never changed once judged: a correction
    is a new row for the same period, and the value of a period as of a day is the one accepted last by then."""

    __tablename__ = "indicator_value"
    __table_args__ = (Index("ix_indicator_value_indicator_id_period", "indicator_id", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id")
    period: str = Field(max_length=16)  #: "2025", "2025-H2", "2025-Q4"
    period_end: date
    value: float
    #: where the figure comes from (a statistical bulletin, a ministry's letter), required
    source: str = Field(sa_type=Text)
    #: a link to the published figure or the document, when there is one
    evidence_url: str | None = Field(default=None, sa_type=Text)
    note: str | None = Field(default=None, sa_type=Text)
    #: submitted (awaiting a verdict), accepted, returned
    state: str = Field(default="submitted", max_length=16, index=True)
    #: the organization it was reported for (the indicator's reporter at the time)
    organization_id: int = Field(foreign_key="organization.id")
    submitted_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    submitted_at: datetime = timestamp()
    decided_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = optional_timestamp()
    decision_note: str | None = Field(default=None, sa_type=Text)
