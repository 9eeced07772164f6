"""The open data package, public: an index of its files with their descriptions, and the files themselves."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, send_from_directory

from tracker.db import get_session
from tracker.insight import open_data
from tracker.timeutil import now_utc, today_almaty
from tracker.web.arguments import this_app

bp = Blueprint("open_data", __name__, url_prefix="/public/open-data")


def _directory():
    return this_app().config["OPEN_DATA_DIR"]


@bp.get("")
def index():
    """What the package holds and when it was built; built on the spot the first time (the clock keeps it daily)."""
    directory = _directory()
    if open_data.built_at(directory) is None:  # once; the clock rebuilds it daily
        open_data.refresh(get_session(), directory, base_url=this_app().config["BASE_URL"], now=now_utc(),
                          today=today_almaty())
    return render_template("public/open_data.html", files=open_data.files(directory),
                           built_at=open_data.built_at(directory), tables=open_data.TABLES,
                           zip_name=open_data.ZIP_NAME)


@bp.get("/<name>")
def download(name: str):
    """One file of the package (the CSV tables, datapackage.json, data.json or the zip)."""
    directory = _directory()
    if name not in {path.name for path in open_data.files(directory)}:
        abort(404)
    return send_from_directory(directory, name, as_attachment=name.endswith(".zip"), max_age=3600)
