"""Time in one place: aware UTC timestamps, Almaty dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

ALMATY = ZoneInfo("Asia/Almaty")


def now_utc() -> datetime:
    """The current time, aware, in UTC. Domain code takes `now` as an argument; only edges call this."""
    return datetime.now(UTC)


def today_almaty(now: datetime | None = None) -> date:
    """The calendar date in Asia/Almaty at `now` (deadlines are Almaty dates)."""
    return (now or now_utc()).astimezone(ALMATY).date()
