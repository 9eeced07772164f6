"""Validating models of the roadmap YAML format (table models do not validate; these do)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from tracker.languages import DEFAULT_LANGUAGE, Language


def _plain_text(value):
    """Refuse what YAML 1.1 turned into another type, with a hint that names the trap."""
    if isinstance(value, bool):
        raise ValueError(
            f"YAML read this value as the boolean {str(value).lower()} (unquoted yes/no/on/off/true/false): "
            "put the text in quotes"
        )
    if isinstance(value, int | float | date):
        raise ValueError(f"YAML read this value as {type(value).__name__} {value!r}: put it in quotes")
    return value


Text = Annotated[str, BeforeValidator(_plain_text), Field(min_length=1)]
Code = Annotated[str, BeforeValidator(_plain_text), Field(min_length=1, max_length=64)]
Key = Annotated[str, BeforeValidator(_plain_text), Field(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$", max_length=100)]
Number = Annotated[str, BeforeValidator(_plain_text), Field(pattern=r"^\d+(\.\d+)*$", max_length=32)]


class Strict(BaseModel):
    """Base: unknown fields are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Names(Strict):
    """A name in Russian, with Kazakh and English beside it."""

    ru: Text
    kk: Text | None = None
    en: Text | None = None


class OrganizationSpec(Strict):
    """An organization of roadmaps/organizations.yaml."""

    code: Code
    kind: Literal["ministry", "akimat", "government", "international", "holding", "trade_union", "employers",
                  "commission", "other"]
    names: Names
    aliases: list[Text] = []
    note: Text | None = None


class GroupSpec(Strict):
    """A group owner (МИО, ЦГО, РОП, РОР) and its members."""

    code: Code
    names: Names
    reports: Literal["each_member", "jointly"]
    members: list[Code] = Field(min_length=1)
    note: Text | None = None


class PartiesSpec(Strict):
    """A commission's parties by side, as organization codes."""

    government: list[Code] = []
    workers: list[Code] = []
    employers: list[Code] = []


class CommissionSpec(Strict):
    """A tripartite commission: the republican one (РТК), a region's, or an industry's."""

    key: Key
    level: Literal["republican", "regional", "industry"]
    names: Names
    short: Text | None = None  #: how protocols name it («РТК»)
    region: Text | None = None  #: for a regional commission: the oblast or city of republican significance
    industry: Text | None = None  #: for an industry commission: its industry
    parties: PartiesSpec = PartiesSpec()
    secretariat: Code | None = None  #: the organization that keeps its secretariat
    note: Text | None = None

    @model_validator(mode="after")
    def _placed(self):
        if self.level == "regional" and not self.region:
            raise ValueError("a regional commission needs `region`")
        if self.level == "industry" and not self.industry:
            raise ValueError("an industry commission needs `industry`")
        return self


class OrganizationsFile(Strict):
    """roadmaps/organizations.yaml."""

    organizations: list[OrganizationSpec]
    groups: list[GroupSpec] = []
    commissions: list[CommissionSpec] = []


class SourceSpec(Strict):
    """Where an obligation comes from: the document and passage, and the quoted words."""

    document: Text
    quote: Text | None = None


class Translation(Strict):
    """A title and/or text beside the verbatim original."""

    title: Text | None = None
    text: Text | None = None


#: the units an indicator can be measured in (names shown to people: tracker/insight/indicators.py UNIT_NAMES)
UNITS = ("percent", "count", "people", "enterprises", "agreements", "conflicts", "days", "tenge",
         "thousand_tenge", "million_tenge", "billion_tenge", "index")


def _number(value):
    """A number as YAML writes it (4.5, 165924); refuse booleans and quoted numbers with a hint."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{value!r} is not a number: write it without quotes, with a dot for decimals (4.5)")
    return float(value)


Value = Annotated[float, BeforeValidator(_number)]


class BaselineSpec(Strict):
    """Where an indicator starts: the value, the day it was measured, the document that says so."""

    value: Value
    date: date
    source: Text


class TargetSpec(Strict):
    """A value to reach by the end of a period ("2025", "2026-H1", "2025-Q4"), with the document that sets it."""

    period: Text
    value: Value
    source: Text
    final: bool = False  #: the indicator's final target (default: the last one listed)


class BandSpec(Strict):
    """The band a "keep within" indicator must stay in."""

    low: Value
    high: Value

    @model_validator(mode="after")
    def _ordered(self):
        if self.high < self.low:
            raise ValueError("band: high is below low")
        return self


class IndicatorSpec(Strict):
    """A target indicator of an instrument or a measure: what is measured, from where to where, who reports it."""

    key: Key
    name: Names
    unit: Literal[UNITS]
    direction: Literal["up", "down", "band"]  #: up: more is better; down: less is better; band: stay within
    band: BandSpec | None = None
    #: how far behind the straight line from baseline to target still counts as "at risk", in percent of the planned
    #: change (of the band's width for a band)
    tolerance: Value = 10.0
    baseline: BaselineSpec
    targets: list[TargetSpec] = []
    target_note: Text | None = None  #: say why there is no target, or how it was inferred
    reporter: Code  #: the organization (code or alias) whose focal points report the values
    frequency: Literal["quarterly", "half", "yearly"] = "yearly"
    public: bool = False
    source: Text | None = None  #: the document that defines the indicator
    note: Text | None = None

    @model_validator(mode="after")
    def _coherent(self):
        if self.direction == "band" and self.band is None:
            raise ValueError("an indicator with direction: band needs `band: {low: …, high: …}`")
        if self.direction != "band" and self.band is not None:
            raise ValueError("`band` is only for direction: band")
        if not 0 <= self.tolerance <= 100:
            raise ValueError("tolerance is a percentage between 0 and 100")
        if sum(t.final for t in self.targets) > 1:
            raise ValueError("only one target can be final")
        return self


class ObligationSpec(Strict):
    """One measure: number, verbatim text, result, deadline as written, owners in order, source."""

    number: Number
    text: Text
    result: Text | None = None
    deadline: Text | None = None
    deadline_note: Text | None = None
    #: YAML `from:` — the day the obligation begins (an amendment adding it mid-life); default: the instrument's
    #: start for obligations of the first version, the day of the sync for obligations added later
    starts_on: date | None = Field(default=None, alias="from")
    #: "МТСЗН", "РОР (по согласованию)": codes or aliases, lead first
    owners: list[Text] | None = None
    owners_as_written: Text | None = None
    owners_note: Text | None = None
    note: Text | None = None
    source: SourceSpec | None = None
    translations: dict[Literal["kk", "en"], Translation] = {}
    #: the measure is heard at the commission's meetings: each meeting's agenda draft proposes it
    heard_at_meetings: bool = False
    indicators: list[IndicatorSpec] = []  #: target indicators of this measure

    @field_validator("text")
    @classmethod
    def _verbatim(cls, value: str) -> str:
        return value.strip()


class SectionSpec(Strict):
    """A numbered section and its obligations."""

    number: Number
    title: Names
    obligations: list[ObligationSpec] = Field(min_length=1)


class InstrumentSpec(Strict):
    """The instrument's header: what it is, who approved it, for how long, who signed it."""

    key: Key
    kind: Literal["roadmap", "agreement", "action_plan", "industry_agreement", "regional_agreement"]
    title: Names
    approved_by: Text | None = None
    approved_on: date | None = None
    valid_from: date
    valid_to: date
    validity_note: Text | None = None
    parties: list[Code] = []
    completeness: Literal["complete", "partial"]
    completeness_note: Text | None = None
    language: Language = DEFAULT_LANGUAGE
    source: Text | None = None
    numbering: Text | None = None
    public: bool = False
    #: the key of the commission it belongs to (organizations.yaml); none: the republican commission
    commission: Key | None = None

    @model_validator(mode="after")
    def _coherent(self):
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if self.completeness == "partial" and not self.completeness_note:
            raise ValueError("a partial instrument needs completeness_note saying what is missing")
        return self


class Defaults(Strict):
    """Values every obligation of the file takes unless it sets its own."""

    deadline: Text | None = None
    deadline_note: Text | None = None
    owners: list[Text] | None = None
    owners_note: Text | None = None


class InstrumentFile(Strict):
    """One roadmaps/<key>.yaml file."""

    instrument: InstrumentSpec
    defaults: Defaults = Defaults()
    sections: list[SectionSpec] = Field(min_length=1)
    indicators: list[IndicatorSpec] = []  #: target indicators of the instrument as a whole


BY_AGREEMENT = re.compile(r"\s*\(\s*по\s+согласованию\s*\)\s*$", re.IGNORECASE)


def split_owner(entry: str) -> tuple[str, bool]:
    """'РОР (по согласованию)' → ('РОР', True): the name as written and the by-agreement flag."""
    by_agreement = bool(BY_AGREEMENT.search(entry))
    return BY_AGREEMENT.sub("", entry).strip(), by_agreement

