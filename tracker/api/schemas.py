"""The JSON API's shapes: pydantic models for queries, paths, forms and responses (the OpenAPI document's
components come from here)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from flask_openapi3 import FileStorage
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

PER_PAGE = 50
#: the largest integer a column holds (PostgreSQL's integer): a larger version or id cannot name anything
MAX_INT = 2**31 - 1


def _storable(value: str) -> str:
    """Text the database can keep: no NUL byte, no lone surrogate (neither is text in PostgreSQL)."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL bytes")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text must be valid Unicode (a lone surrogate is not)") from None
    return value


#: free text in a request body
Text = Annotated[str, AfterValidator(_storable)]


def _as_sent(value):
    """flask-openapi3 decodes each multipart field as JSON when it can ("2025" → 2025, "true" → True); the form is
    read again as sent (routes.form_as_sent), so here any decoded scalar or list passes as text."""
    return value if isinstance(value, str) or value is None else str(value)


#: free text in a multipart form: never read as JSON
FormText = Annotated[Text, BeforeValidator(_as_sent)]


class ProblemDetails(BaseModel):
    """RFC 9457: every error of the API has this shape (422 adds `errors`, 409 the report's `version`)."""

    model_config = ConfigDict(extra="allow")
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str


class Paging(BaseModel):
    """?page=N&per_page=M (1-based; at most 200 rows a page)."""

    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(PER_PAGE, ge=1, le=200)


class KeyPath(BaseModel):
    """An instrument's key."""

    key: str = Field(max_length=120, pattern=r"^[a-z0-9-]+$")


class ObligationPath(BaseModel):
    """An obligation's key: <instrument key>/<number>."""

    key: str = Field(max_length=160)


class IdPath(BaseModel):
    """A numeric id."""

    id: int = Field(ge=1, le=MAX_INT)


class OverdueQuery(Paging):
    """The overdue view's filters: instrument key, organization (code, alias or name; a group stands for its
    members), status, period as written (2026-Q1)."""

    instrument: str | None = Field(None, max_length=120)
    organization: str | None = Field(None, max_length=200)
    status: str | None = Field(None, max_length=16)
    period: str | None = Field(None, max_length=32)


class Organization(BaseModel):
    code: str
    name: str


class Owner(Organization):
    lead: bool
    by_agreement: bool


class Instrument(BaseModel):
    key: str
    kind: str
    title: str
    valid_from: date
    valid_to: date
    public: bool
    obligations: int | None = None
    checkpoints: int | None = None
    overdue: int | None = None


class Section(BaseModel):
    number: str
    title: str


class InstrumentDetail(Instrument):
    sections: list[Section]


class CheckpointBrief(BaseModel):
    id: int
    period: str
    due_on: date
    status: str


class Obligation(BaseModel):
    key: str
    instrument: str
    section: str
    number: str
    text: str = Field(description="verbatim, in Russian")
    result: str | None
    deadline_text: str | None
    status: str
    owners: list[Owner]
    checkpoints: list[CheckpointBrief]


class ReportBrief(BaseModel):
    id: int
    organization: Organization
    lead: bool
    status: str
    version: int


class Checkpoint(CheckpointBrief):
    obligation: str
    original_due_on: date
    reports: list[ReportBrief]


class EvidenceItem(BaseModel):
    id: int
    kind: Literal["file", "link"]
    file_name: str | None
    size: int | None
    content_type: str | None
    sha256: str | None
    url: str | None = Field(description="the link itself, or the download address of a file")
    covers_period: str | None


class StatusUpdate(BaseModel):
    id: int
    status: str
    previous_status: str | None
    version: int
    note: str | None
    reason: str | None
    reason_source: str | None
    author: str | None
    created_at: datetime
    evidence: list[EvidenceItem]


class Report(ReportBrief):
    checkpoint_id: int
    obligation: str
    period: str
    due_on: date
    updates: list[StatusUpdate]


class OverdueItem(BaseModel):
    report_id: int
    obligation: str
    instrument: str
    period: str
    due_on: date
    days_overdue: int
    organization: Organization
    status: str


class Page(BaseModel):
    page: int
    per_page: int
    total: int
    pages: int


class InstrumentList(Page):
    items: list[Instrument]


class ObligationList(Page):
    items: list[Obligation]


class OverdueList(Page):
    items: list[OverdueItem]
    totals: dict[str, int] = Field(description="overdue reports per organization code")


class DashboardQuery(BaseModel):
    """One instrument (or all) and the quarter whose timeliness is asked (default: the previous quarter)."""

    instrument: str | None = Field(None, max_length=120)
    quarter: str | None = Field(None, max_length=16, pattern=r"^20\d\d-Q[1-4]$")
    as_of: date | None = Field(None, description="figures as they stood at the end of this past day")


class Timeliness(BaseModel):
    code: str
    on_time: int
    total: int
    percent: float


class SectionFigures(BaseModel):
    instrument: str
    section: str
    done: int
    total: int


class Dashboard(BaseModel):
    """The dashboard's figures, the same functions as the page: checkpoints per state today, progress per
    section, each organization's on-time rate for the quarter, overdue reports per organization."""

    instrument: str | None
    today: date
    as_of: date | None = None
    quarter: str
    checkpoints: dict[str, int]
    sections: list[SectionFigures]
    on_time: list[Timeliness]
    overdue: dict[str, int]


class IndicatorQuery(Paging):
    """Indicators of one instrument (or all), as they stood at the end of a past day if asked."""

    instrument: str | None = Field(None, max_length=120)
    as_of: date | None = Field(None, description="values accepted by the end of this past day")


class IndicatorAsOf(BaseModel):
    as_of: date | None = Field(None, description="values accepted by the end of this past day")


class IndicatorPath(BaseModel):
    """An indicator's key: <instrument key>/<indicator key>."""

    key: str = Field(max_length=200)


class Target(BaseModel):
    period: str
    due_on: date
    value: float
    final: bool
    source: str


class IndicatorValue(BaseModel):
    period: str
    period_end: date
    value: float
    expected: float | None = Field(description="the planned line at the period's end (none for a band)")
    judgement: str = Field(description="on_track, at_risk or off_track")
    source: str
    evidence_url: str | None
    accepted_at: datetime | None


class Indicator(BaseModel):
    """A target indicator with its accepted values and the judgement of the latest (see the README's rule)."""

    key: str
    instrument: str
    obligation: str | None
    name: str
    unit: str
    direction: str = Field(description="up, down or band")
    band: list[float] | None
    tolerance: float = Field(description="percent of the planned change (of the band's width)")
    baseline: float
    baseline_on: date
    baseline_source: str
    targets: list[Target]
    reporter: Organization
    frequency: str
    public: bool
    judgement: str = Field(description="on_track, at_risk, off_track or no_data")
    values: list[IndicatorValue]


class IndicatorList(Page):
    as_of: date | None = None
    items: list[Indicator]


class UpdateForm(BaseModel):
    """A status update, as multipart/form-data (files repeat the `files` field)."""

    model_config = ConfigDict(extra="forbid")
    status: FormText = Field(max_length=16, description="the status to move to, e.g. in_progress, submitted")
    version: int = Field(ge=0, le=MAX_INT, description="the report's version you read; a changed report answers 409")
    note: FormText | None = Field(None, max_length=20_000)
    reason: FormText | None = Field(None, max_length=2_000)
    reason_source: FormText | None = Field(None, max_length=2_000)
    no_evidence_reason: FormText | None = Field(None, max_length=2_000)
    links: list[FormText] = Field(default_factory=list, max_length=20)
    files: list[FileStorage] = Field(default_factory=list, max_length=10)


class Verdict(BaseModel):
    """A secretary's decision on a submitted report."""

    model_config = ConfigDict(extra="forbid")
    decision: Literal["accept", "return"]
    version: int = Field(ge=0, le=MAX_INT)
    reason: Text | None = Field(None, max_length=2_000, description="required to return a report")


class Written(BaseModel):
    report_id: int
    status: str
    version: int
    update_id: int
