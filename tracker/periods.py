"""Periods and working days: months, quarters, halves and years as labelled date ranges; weekends and holidays.

One `Period` serves the roadmaps' deadlines ("3-й квартал 2024" → 2024-Q3), the digests (a quarter or a month)
and every "for a quarter" figure. Dates are `*_on`: the first and the last day of the period, both included.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache

import holidays


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Period:
    """A labelled range of days: `2025-03`, `2025-Q3`, `2025-H1`, `2025` or `2025-2026`."""

    label: str
    starts_on: date
    ends_on: date

    @classmethod
    def month(cls, year: int, number: int) -> Period:
        """The calendar month `number` of `year`."""
        return cls(f"{year}-{number:02d}", date(year, number, 1), _end_of_month(year, number))

    @classmethod
    def quarter(cls, year: int, number: int) -> Period:
        """The calendar quarter `number` (1–4) of `year`."""
        first = 3 * number - 2
        return cls(f"{year}-Q{number}", date(year, first, 1), _end_of_month(year, first + 2))

    @classmethod
    def half(cls, year: int, number: int) -> Period:
        """The half-year `number` (1–2) of `year`."""
        first = 6 * number - 5
        return cls(f"{year}-H{number}", date(year, first, 1), _end_of_month(year, first + 5))

    @classmethod
    def year(cls, number: int) -> Period:
        """The calendar year."""
        return cls(str(number), date(number, 1, 1), date(number, 12, 31))

    @classmethod
    def years(cls, first: int, last: int) -> Period:
        """A multi-year range such as 2025–2026, due at the end of its last year."""
        return cls(f"{first}-{last}", date(first, 1, 1), date(last, 12, 31))

    @classmethod
    def parse(cls, label: str) -> Period:
        """A digest period as people write it on the command line: "2026-Q1" or "2026-01"; ValueError otherwise."""
        if match := re.fullmatch(r"(\d{4})-Q([1-4])", label):
            return cls.quarter(int(match[1]), int(match[2]))
        if match := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", label):
            return cls.month(int(match[1]), int(match[2]))
        raise ValueError(f"{label!r} is not a period: write 2026-Q1 or 2026-01")

    @classmethod
    def from_label(cls, label: str) -> Period:
        """Any single period by its label: "2025", "2025-H1", "2025-Q3" or "2025-03"; ValueError otherwise."""
        if re.fullmatch(r"\d{4}", label):
            return cls.year(int(label))
        if match := re.fullmatch(r"(\d{4})-H([12])", label):
            return cls.half(int(match[1]), int(match[2]))
        return cls.parse(label)

    @classmethod
    @lru_cache(maxsize=8192)  # figures ask it for every report they count; a period is immutable
    def containing(cls, day: date, kind: str) -> Period:
        """The month ("monthly"), quarter ("quarterly"), half ("half") or year ("yearly") that contains `day`."""
        if kind == "monthly":
            return cls.month(day.year, day.month)
        if kind == "half":
            return cls.half(day.year, 1 if day.month <= 6 else 2)
        if kind == "yearly":
            return cls.year(day.year)
        return cls.quarter(day.year, (day.month - 1) // 3 + 1)

    @property
    def kind(self) -> str:
        """"quarterly" or "monthly" (the two kinds of digest period)."""
        return "quarterly" if "Q" in self.label else "monthly"

    def previous(self) -> Period:
        """The period just before this one, of the same kind."""
        return Period.containing(self.starts_on - timedelta(days=1), self.kind)

    def next(self) -> Period:
        """The period just after this one, of the same kind."""
        return Period.containing(self.ends_on + timedelta(days=1), self.kind)

    def send_on(self, extra_days_off: list[str] = ()) -> date:
        """The day its digest goes out: the first working day of the period."""
        return first_working_day(self.starts_on, extra_days_off)


@cache
def _official_calendar(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KZ", years=year)


def is_working_day(day: date, extra_days_off: list[str] = ()) -> bool:
    """A working day in Kazakhstan's official calendar — weekends, public holidays, their observed and transferred
    days off, Kurban Ait, and weekends made working days by a transfer, from the maintained `holidays` package —
    and not one of `extra_days_off` (TRACKER_HOLIDAYS: "MM-DD" every year or "YYYY-MM-DD" once)."""
    if day.strftime("%m-%d") in extra_days_off or day.isoformat() in extra_days_off:
        return False
    return _official_calendar(day.year).is_working_day(day)


def first_working_day(start: date, extra_days_off: list[str] = ()) -> date:
    """The first working day on or after `start`."""
    day = start
    while not is_working_day(day, extra_days_off):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, count: int, extra_days_off: list[str] = ()) -> date:
    """The `count`-th working day after `start` (10 working days from a Friday is the second Friday after it)."""
    day = start
    for _ in range(count):
        day = first_working_day(day + timedelta(days=1), extra_days_off)
    return day
