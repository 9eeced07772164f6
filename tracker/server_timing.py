"""Each response says how many SQL statements it ran and how long they took (`Server-Timing: db;dur=…;desc="N
queries"`, shown by browsers' developer tools, read by the benchmark): a page whose count grows with the data is
seen at once, at any scale."""

from __future__ import annotations

import time

from flask import Flask, g, has_request_context
from sqlalchemy import event

from tracker.db import get_engine


def _before(_connection, _cursor, _statement, _parameters, context, _executemany) -> None:
    if has_request_context():
        context._mindet_started = time.perf_counter()


def _after(_connection, _cursor, _statement, _parameters, context, _executemany) -> None:
    started = getattr(context, "_mindet_started", None)
    if started is not None and has_request_context():
        g.db_statements = g.get("db_statements", 0) + 1
        g.db_seconds = g.get("db_seconds", 0.0) + time.perf_counter() - started


def _header(response):
    count = g.get("db_statements", 0)
    response.headers.add("Server-Timing", f'db;dur={1000 * g.get("db_seconds", 0.0):.1f};desc="{count} queries"')
    return response


def init_app(app: Flask) -> None:
    """Count the statements of every request on the app's engine and answer with the Server-Timing header."""
    with app.app_context():
        engine = get_engine()
    event.listen(engine, "before_cursor_execute", _before)
    event.listen(engine, "after_cursor_execute", _after)
    app.after_request(_header)
