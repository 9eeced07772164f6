"""Working days and digest periods: weekends and public holidays skipped, quarters and months as periods."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


def is_working_day(day: date, holidays: list[str]) -> bool:
    """Monday to Friday and not a holiday (holidays as "MM-DD" every year or "YYYY-MM-DD" once)."""
    return day.weekday() < 5 and day.strftime("%m-%d") not in holidays and day.isoformat() not in holidays


def first_working_day(start: date, holidays: list[str]) -> date:
    """The first working day on or after `start`."""
    day = start
    while not is_working_day(day, holidays):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class Period:
    """A digest period: a quarter ("2026-Q1") or a month ("2026-01")."""

    label: str
    start: date
    end: date

    @classmethod
    def parse(cls, label: str) -> Period:
        """ "2026-Q1" or "2026-01"; ValueError otherwise."""
        if match := re.fullmatch(r"(\d{4})-Q([1-4])", label):
            return cls.quarter(int(match[1]), int(match[2]))
        if match := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", label):
            return cls.month(int(match[1]), int(match[2]))
        raise ValueError(f"{label!r} is not a period: write 2026-Q1 or 2026-01")

    @classmethod
    def quarter(cls, year: int, number: int) -> Period:
        """Quarter `number` of `year`."""
        start = date(year, 3 * number - 2, 1)
        end = (date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)) - timedelta(days=1)
        return cls(f"{year}-Q{number}", start, end)

    @classmethod
    def month(cls, year: int, number: int) -> Period:
        """Month `number` of `year`."""
        end = (date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)) - timedelta(days=1)
        return cls(f"{year}-{number:02d}", date(year, number, 1), end)

    @classmethod
    def containing(cls, day: date, kind: str) -> Period:
        """The quarter ("quarterly") or month ("monthly") that contains `day`."""
        if kind == "monthly":
            return cls.month(day.year, day.month)
        return cls.quarter(day.year, (day.month - 1) // 3 + 1)

    @property
    def kind(self) -> str:
        """"quarterly" or "monthly"."""
        return "quarterly" if "Q" in self.label else "monthly"

    def previous(self) -> Period:
        """The period just before this one, of the same kind."""
        return Period.containing(self.start - timedelta(days=1), self.kind)

    def send_on(self, holidays: list[str]) -> date:
        """The day its digest goes out: the first working day of the period."""
        return first_working_day(self.start, holidays)
