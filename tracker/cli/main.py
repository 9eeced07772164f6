"""The `mindet` command: the Flask CLI of a freshly built app."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

from tracker.app import create_app
from tracker.config import ConfigError


def _create_app():
    try:
        return create_app()
    except ConfigError as exc:
        click.secho(f"Configuration error: {exc}", fg="red", err=True)
        raise SystemExit(2) from None


def main() -> None:
    """Entry point of the `mindet` command."""
    FlaskGroup(create_app=_create_app, help="Mindet command line.")(prog_name="mindet")
