"""One way to cut a query into pages: a count, then one page of rows, in two queries whatever the size."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

#: the largest page number we accept: anything past it is past the end of any list we hold
MAX_PAGE = 100_000


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number (from 1), the size of a page and the total number of rows."""

    rows: list
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def has_next(self) -> bool:
        """Whether a page follows this one."""
        return self.number < self.pages


def page_number(value: str | int | None) -> int:
    """A page number from a query parameter: 1 for anything missing, negative, absurd or not a number."""
    try:
        number = int(value or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def paginate(session: Session, query, number: int, size: int) -> Page:
    """Page `number` of the ordered `query`, with the total count of its rows."""
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    rows = session.exec(query.offset((number - 1) * size).limit(size)).all()
    return Page(rows=list(rows), number=number, size=size, total=total)
