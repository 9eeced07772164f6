"""The `mindet` command: the Flask CLI of a freshly built app."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from tracker.app import create_app
from tracker.config import ConfigError
from tracker.runtime import freeze_what_started


def _create_app():
    try:
        app = create_app()
    except ConfigError as exc:
        click.secho(f"Configuration error: {exc}", fg="red", err=True)
        raise SystemExit(2) from None
    freeze_what_started()  # the clock and long commands create millions of objects; the app's own need no walking
    return app


def main() -> None:
    """Entry point of the `mindet` command."""
    FlaskGroup(create_app=_create_app, help="Mindet command line.")(prog_name="mindet")
