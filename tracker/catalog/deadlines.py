"""Deadlines as written in the roadmaps ("3-й квартал 2024", "Ежеквартально", …) → periods and due dates."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l

from tracker.periods import Period


class DeadlineError(ValueError):
    """A deadline that the grammar does not know; never silently defaulted."""


class Kind(enum.StrEnum):
    """How an obligation's deadline turns into checkpoints."""

    ONE_OFF = "one_off"  #: one checkpoint at the end of a period
    RECURRING = "recurring"  #: one checkpoint per period across the validity
    CONTINUOUS = "continuous"  #: a standing duty, reported quarterly
    EVENT = "event"  #: no fixed checkpoint; the secretary opens one when the event happens


#: each kind in words (pages, exports, the audit trail): a person never reads "one_off"
_KIND_LABELS = {Kind.ONE_OFF: _l("однократно"), Kind.RECURRING: _l("периодически"),
                Kind.CONTINUOUS: _l("постоянно"), Kind.EVENT: _l("по событию")}


def kind_label(kind: str) -> str:
    """A deadline kind in the reader's language."""
    return str(_KIND_LABELS.get(kind, kind))


class Frequency(enum.StrEnum):
    """Length of a reporting period."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


@dataclass(frozen=True)
class Deadline:
    """A parsed deadline: its kind, and the one period (one-off) or the frequency (recurring, continuous)."""

    text: str
    kind: Kind
    period: Period | None = None
    frequency: Frequency | None = None

    def periods(self, valid_from: date, valid_to: date) -> list[Period]:
        """The periods to report on within an instrument's validity; none for an event-driven deadline."""
        if self.kind is Kind.ONE_OFF:
            return [self.period]
        if self.kind is Kind.EVENT:
            return []
        return periods_between(self.frequency, valid_from, valid_to)


_KIND_OF = {Frequency.MONTH: "monthly", Frequency.QUARTER: "quarterly", Frequency.HALF: "half",
            Frequency.YEAR: "yearly"}


def _period_of(frequency: Frequency, day: date) -> Period:
    return Period.containing(day, _KIND_OF[frequency])


def periods_between(frequency: Frequency, valid_from: date, valid_to: date) -> list[Period]:
    """Every period of `frequency` that overlaps [valid_from, valid_to], in order."""
    result = []
    day = valid_from
    while day <= valid_to:
        period = _period_of(frequency, day)
        result.append(period)
        day = date.fromordinal(period.ends_on.toordinal() + 1)
    return result


# The grammar works on a normalised text: lower case, "ё" → "е", dashes unified, whitespace collapsed.
_YEAR = r"(?P<year>(?:19|20)\d\d)\s*(?:года|год|г\.?)?"
#: "3-й", "3", and Roman numerals as officials write them ("IV квартал 2027 года")
_ORDINAL = r"(?:(?P<n>\d)|(?P<roman>iv|i{1,3}))\s*-?\s*(?:й|ый|ое|е)?\s*-?\s*"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_ONE_OFF = [
    (re.compile(rf"^(?:в течение\s+)?{_ORDINAL}(?:квартала?|кв\.?)\s+{_YEAR}$"),
     lambda m: Period.quarter(int(m["year"]), _n(m, 4))),
    (re.compile(rf"^(?:в течение\s+)?{_ORDINAL}полугоди[ея]\s+{_YEAR}$"),
     lambda m: Period.half(int(m["year"]), _n(m, 2))),
    (re.compile(rf"^(?:в течение\s+|до конца\s+)?{_YEAR}$"), lambda m: Period.year(int(m["year"]))),
    (
        re.compile(r"^(?:в течение\s+)?(?P<first>(?:19|20)\d\d)\s*-\s*(?P<last>(?:19|20)\d\d)"
                   r"\s*(?:годы|годов|гг\.?)?$"),
        lambda m: _years(m),
    ),
]
_RECURRING = {
    Frequency.MONTH: ["ежемесячно", "1 раз в месяц", "один раз в месяц", "раз в месяц"],
    Frequency.QUARTER: ["ежеквартально", "1 раз в квартал", "один раз в квартал", "раз в квартал"],
    Frequency.HALF: ["1 раз в полугодие", "один раз в полугодие", "раз в полугодие", "ежеполугодно",
                     "2 раза в год", "два раза в год"],
    Frequency.YEAR: ["ежегодно", "1 раз в год", "один раз в год", "раз в год"],
}
_CONTINUOUS = ["постоянно", "на постоянной основе", "ежедневно, на постоянной основе", "ежедневно",
               "оперативно, постоянно", "оперативно", "на системной основе", "в течение всего периода"]
_EVENT = ["по мере поступления запроса", "по мере поступления запросов", "по итогу проведения заседания",
          "по итогам проведения заседания", "по итогам заседания", "в соответствии с графиком",
          "согласно графику", "по мере необходимости"]


def _n(match: re.Match, most: int) -> int:
    number = int(match["n"]) if match["n"] else _ROMAN[match["roman"]]
    if not 1 <= number <= most:
        raise DeadlineError(f"there is no period number {number} (1 to {most})")
    return number


def _years(match: re.Match) -> Period:
    first, last = int(match["first"]), int(match["last"])
    if last <= first:
        raise DeadlineError(f"the range {first}-{last} does not run forward")
    return Period.years(first, last)


def normalize(text: str) -> str:
    """Lower case, "ё" → "е", any dash → "-", whitespace collapsed: the form the grammar reads."""
    text = text.lower().replace("ё", "е")
    text = re.sub(r"[‐‑‒–—―]", "-", text)
    text = re.sub(r"\s+", " ", text).strip().rstrip(".")
    return re.sub(r"\s*,\s*", ", ", text)


def parse(text: str) -> Deadline:
    """Parse a deadline as written; raise DeadlineError for anything the grammar does not know."""
    if not isinstance(text, str) or not text.strip():
        raise DeadlineError("the deadline is empty")
    norm = normalize(text)
    for pattern, build in _ONE_OFF:
        match = pattern.match(norm)
        if match:
            return Deadline(text, Kind.ONE_OFF, period=build(match))
    for frequency, phrases in _RECURRING.items():
        if norm in phrases:
            return Deadline(text, Kind.RECURRING, frequency=frequency)
    if norm in _CONTINUOUS:
        return Deadline(text, Kind.CONTINUOUS, frequency=Frequency.QUARTER)
    if norm in _EVENT:
        return Deadline(text, Kind.EVENT)
    raise DeadlineError(
        f"unknown deadline «{text.strip()}»: write a period («3-й квартал 2024», «1-полугодие 2025 года», "
        "«2025 год», «2025-2026 годы»), a recurrence («Ежемесячно», «Ежеквартально», «1 раз в полугодие», "
        "«Ежегодно»), a standing duty («Постоянно») or an event («По мере поступления запроса»)"
    )
