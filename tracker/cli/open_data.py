"""`mindet open-data build`: the open data package (the clock rebuilds it daily; this builds it now)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.db import get_session
from tracker.insight import open_data
from tracker.timeutil import now_utc, today_almaty


@click.group("open-data")
def open_data_group():
    """The open data package served at /public/open-data."""


@open_data_group.command("build")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Where to write it (default: TRACKER_OPEN_DATA_DIR, or open-data/ in the instance folder).")
@with_appcontext
def build(directory):
    """Build the package now: CSV tables, datapackage.json, data.json and a zip of them, swapped in whole."""
    config = current_app.config
    target = directory or Path(config["OPEN_DATA_DIR"])
    built = open_data.build(get_session(), target, base_url=config["BASE_URL"], now=now_utc(), today=today_almaty())
    for name, count in built.counts.items():
        click.echo(f"{name + '.csv':<24} {count} rows")
    click.echo(f"Built in {target}: datapackage.json, {open_data.JSON_NAME}, {open_data.ZIP_NAME}. "
               f"Check it with `.venv/bin/frictionless validate {target / 'datapackage.json'}`.")
