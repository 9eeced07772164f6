"""The `mindet` command: the Flask CLI of a freshly built app."""

from __future__ import annotations

from flask.cli import FlaskGroup

from tracker.app import create_app


def main() -> None:
    """Entry point of the `mindet` command."""
    FlaskGroup(create_app=create_app, help="Mindet command line.")(prog_name="mindet")
