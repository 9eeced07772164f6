"""Files prepared in the background: their page (rows written so far, then the link) and the file itself, for the
person who asked only."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, render_template, send_file, url_for
from flask_login import current_user

from tracker.db import get_session
from tracker.insight import prepared as files
from tracker.models import PreparedFile
from tracker.notify.scheduler import clock_health
from tracker.timeutil import now_utc

bp = Blueprint("prepared", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own(token: str) -> PreparedFile:
    """The person's prepared file behind the link; anyone else's, or one deleted, is not found."""
    found = files.find(get_session(), token, current_user)
    if found is None:
        abort(404)
    return found


@bp.get("/files/<token>")
def show(token: str):
    """Where a prepared file stands: queued, rows written of how many, ready with its link, or what went wrong.
    The page reloads itself every two seconds until the file is ready or failed."""
    prepared = _own(token)
    asked = prepared.arguments
    as_of = date.fromisoformat(asked["as_of"]) if asked.get("as_of") else None
    back = url_for("dashboards.overdue", as_of=asked.get("as_of"), **asked["filters"])
    # a file waits for the clock: when no clock runs, the person should hear it rather than wait for nothing
    no_clock = prepared.status == "queued" and clock_health(get_session(), now_utc())["status"] == "silent"
    return render_template("prepared.html", prepared=prepared, kept_for=files.KEPT_FOR, back=back, as_of=as_of,
                           today=date.fromisoformat(asked["today"]), no_clock=no_clock,
                           size=len(prepared.content) if prepared.content else 0)


@bp.get("/files/<token>/download")
def download(token: str):
    """The prepared file, once ready."""
    prepared = _own(token)
    if prepared.status != "ready":
        abort(404)
    return send_file(io.BytesIO(prepared.content), mimetype=XLSX, as_attachment=True,
                     download_name=f"{prepared.name}.xlsx")
