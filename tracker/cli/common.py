"""What every command shares: one way to fail with a message, and database errors that say what to do next."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click
from flask import current_app
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from tracker.db import get_session


def fail(message: str) -> None:
    """Print the error in red on stderr and exit 1 (every command ends this way on bad input)."""
    click.secho(message, fg="red", err=True)
    sys.exit(1)


@contextmanager
def database_errors():
    """Turn database failures into a message that says what to do next."""
    try:
        yield
    except (OperationalError, ProgrammingError) as exc:
        get_session().rollback()
        detail = str(exc.orig).strip().splitlines()[0]
        url = make_url(current_app.config["DATABASE_URL"]).render_as_string(hide_password=True)
        if "no such table" in detail or "does not exist" in detail:
            fail(f"The database has no Mindet schema ({detail}). Run `mindet db upgrade` first.")
        fail(f"Database error at {url}: {detail}. Check TRACKER_DATABASE_URL and that the server is running.")
