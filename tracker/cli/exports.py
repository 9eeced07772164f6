"""`mindet exports prepare`: build the large exports people asked for now (the clock does it every two seconds)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from tracker.cli.common import database_errors
from tracker.db import get_session
from tracker.insight import prepared
from tracker.models import PreparedFile
from tracker.timeutil import now_utc


@click.group("exports")
def exports_group():
    """Exports prepared in the background (overdue workbooks above TRACKER_XLSX_BACKGROUND_ROWS rows)."""


@exports_group.command("prepare")
@with_appcontext
def prepare():
    """Build every waiting export now, oldest first, and say how each ended."""
    session = get_session()
    with database_errors(), current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        built = prepared.prepare_waiting(session, now_utc())
        for name, status, rows, error in session.exec(
                select(PreparedFile.name, PreparedFile.status, PreparedFile.rows_done, PreparedFile.error)
                .where(PreparedFile.id.in_(built)).order_by(PreparedFile.id)):
            click.echo(f"{name}.xlsx: {status}, {rows} rows" + (f" ({error})" if error else ""))
    click.echo(f"Prepared {len(built)} file(s)." if built else "No export was waiting.")
