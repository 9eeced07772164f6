"""Logging for every process (web, clock, commands): one line per record, JSON or text (TRACKER_LOG_FORMAT), at
TRACKER_LOG_LEVEL, each carrying the request id of the web request it belongs to; and one line per request with
its route, status, duration and user."""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect

log = logging.getLogger("tracker.request")
#: an X-Request-ID from the proxy is kept when it looks like one (no spaces, no control characters, short)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestContext(logging.Filter):
    """Adds the request id (or "-") to every record, so that a line can be traced to its request."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def configure(*, fmt: str, level: str) -> None:
    """Send every record to standard error as JSON or text at `level`; called once per process."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                                           rename_fields={"asctime": "time", "levelname": "level",
                                                          "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestContext())
    handler.mindet = True  # ours: replaced when the settings are applied again, other handlers (pytest's) kept
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "mindet", False)] + [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))


def _start() -> None:
    sent = request.headers.get("X-Request-ID", "")
    g.request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id", "-")
    started = g.get("request_started")
    if started is not None:
        log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "route": request.url_rule.rule if request.url_rule else None, "endpoint": request.endpoint,
            "method": request.method, "status": response.status_code, "user_id": _user_id(),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
    return response


def _user_id() -> int | None:
    """The signed-in person's id as loaded for this request, read without asking the database again (the row may
    be expired or detached by then)."""
    user = g.get("_login_user")
    state = inspect(user, raiseerr=False) if user is not None else None
    return state.identity[0] if state is not None and state.identity else None


def init_app(app: Flask) -> None:
    """A request id for every request (X-Request-ID from the proxy, or a new one), echoed in the response and
    carried by every log line; one line per request."""
    configure(fmt=app.config["LOG_FORMAT"], level=app.config["LOG_LEVEL"])
    app.before_request(_start)
    app.after_request(_finish)
