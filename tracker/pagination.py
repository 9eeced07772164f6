"""Cutting a query into pages: by number (a count, then OFFSET) for the API, by keyset for long lists on pages."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, tuple_
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


def page_of(items: list, number: int, size: int) -> Page:
    """Page `number` of a list already in memory, `size` to a page; past the end, its last page."""
    pages = max((len(items) + size - 1) // size, 1)
    number = min(number, pages)
    return Page(rows=items[(number - 1) * size:number * size], number=number, size=size, total=len(items))


@dataclass(frozen=True)
class KeysetPage:
    """A page reached by keyset: its rows, the keys that lead to the next and the previous page (None at either
    end), its number as the person counted it (for "page 3 of 40"), the size of a page and the total."""

    rows: list
    number: int
    size: int
    total: int
    next_key: str | None = None
    previous_key: str | None = None

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one, even when empty)."""
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def has_next(self) -> bool:
        """Whether a page follows this one."""
        return self.next_key is not None


def encode_key(values: tuple) -> str:
    """A row's sort values as an opaque token for a link (dates and times in ISO form)."""
    plain = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, ensure_ascii=False).encode()).decode().rstrip("=")


def decode_key(token: str | None, types: tuple[Callable, ...]) -> tuple | None:
    """The sort values of a token made by `encode_key`, each read by its type (date.fromisoformat, int, str…); None
    for a missing or forged token (the list then starts from its beginning)."""
    if not token or len(token) > 2_000:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(values, list) or len(values) != len(types):
            return None
        return tuple(read(value) for read, value in zip(types, values, strict=True))
    except (ValueError, TypeError):
        return None


def keyset_rows(session: Session, query, order: list, key_of: Callable, *, size: int, after: tuple | None = None,
                before: tuple | None = None) -> tuple[list, str | None, str | None]:
    """(rows, next key, previous key) of the page of `query` that follows the row `after` (or precedes `before`)
    in the ascending order of the `order` columns, which must end with a unique one. The database seeks the key
    instead of counting past every earlier row as an OFFSET does: a late page costs what the first does."""
    row_key = tuple_(*order)
    if before is not None:
        rows = list(session.exec(query.order_by(None).where(row_key < tuple_(*before))
                                 .order_by(*(column.desc() for column in order)).limit(size + 1)))
        more_before, rows = len(rows) > size, rows[:size][::-1]
        return rows, encode_key(key_of(rows[-1])) if rows else None, \
            encode_key(key_of(rows[0])) if more_before else None
    ordered = query.order_by(None).order_by(*order)
    if after is not None:
        ordered = ordered.where(row_key > tuple_(*after))
    rows = list(session.exec(ordered.limit(size + 1)))
    more_after, rows = len(rows) > size, rows[:size]
    return rows, encode_key(key_of(rows[-1])) if more_after else None, \
        encode_key(key_of(rows[0])) if after is not None and rows else None
