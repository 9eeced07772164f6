"""One input layer in front of every route: text with a NUL byte is refused with 400, ids outside what the
database can hold are a 404 — no input reaches the database as an error it cannot answer."""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

#: the largest id a row can have (PostgreSQL's integer); a larger one cannot name anything
MAX_ID = 2**31 - 1


def bounded_int(value: str | None) -> int | None:
    """A form or query value as a non-negative integer a column can hold (ids and versions), else None."""
    if value is None or not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs: a non-negative integer up to MAX_ID; anything larger does not match (404)."""

    def __init__(self, url_map, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, **kwargs)


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values.getlist(key)) for key in values)


def refuse_nul_bytes():
    """400 for a NUL byte anywhere in the path, the query string, the form or uploaded file names."""
    if "\x00" in request.path or _has_nul(request.args):
        abort(400)
    if _has_nul(request.form) or any("\x00" in (f.filename or "") for f in request.files.values()):
        abort(400)


def init_app(app: Flask) -> None:
    """Bounded ids in URLs; NUL bytes refused before any view runs."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul_bytes)
