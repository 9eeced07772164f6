"""Command line for backups: `mindet backup` and `mindet restore`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import backup
from tracker.cli.common import database_errors, fail
from tracker.db import get_engine
from tracker.reporting.storage import evidence_folder
from tracker.stores import evidence_store
from tracker.timeutil import now_utc, today_almaty


def _progress(label: str):
    def show(files):
        with click.progressbar(files, label=label, show_pos=True, file=sys.stderr) as bar:
            yield from bar
    return show


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


@click.command("backup")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Archive to write [default: mindet-backup-<date>.tar.gz in the current folder].")
@with_appcontext
def backup_command(out: Path | None):
    """Write the database and every evidence file into one .tar.gz with a manifest of checksums.

    With TRACKER_EVIDENCE_STORE (an object store) the archive holds the database only.

    Safe while the app runs. Restore with `mindet restore ARCHIVE` into an empty instance.
    """
    out = out or Path(f"mindet-backup-{today_almaty().isoformat()}.tar.gz")
    if not out.parent.exists():
        fail(f"The folder {out.parent} does not exist; create it or choose another --out.")
    try:
        with database_errors():
            summary = backup.create(get_engine(), evidence_folder(current_app.config), out, now_utc(),
                                    progress=_progress("evidence files"))
    except (backup.BackupError, OSError) as exc:
        fail(f"No backup written: {exc}")
    click.echo(f"Backup written to {summary.archive} ({_size(out.stat().st_size)}): {summary.dialect} database at "
               f"revision {summary.revision}, {summary.tables} tables, {summary.rows} rows; {summary.files} evidence "
               f"files ({_size(summary.bytes)}).")
    if evidence_folder(current_app.config) is None:
        click.echo(f"The evidence files are in {current_app.config['EVIDENCE_STORE']}, not in this archive: keep "
                   "that bucket versioned and replicated (its own backup).")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the database even if this instance is not empty.")
@with_appcontext
def restore_command(archive: Path, force: bool):
    """Restore ARCHIVE (from `mindet backup`) into this instance's database and evidence folder (or store).

    Every checksum is verified before anything changes; a non-empty instance is refused unless --force.
    Run `mindet db upgrade` afterwards if this Mindet is newer than the backup.
    """
    try:
        with database_errors():
            summary = backup.restore(get_engine(), evidence_folder(current_app.config), archive, force=force,
                                     progress=_progress("evidence files"), store=evidence_store())
    except (backup.BackupError, OSError) as exc:
        fail(f"Nothing restored: {exc}")
    click.echo(f"Restored {archive}: {summary.dialect} database at revision {summary.revision}, {summary.tables} "
               f"tables, {summary.rows} rows; {summary.files} evidence files ({_size(summary.bytes)}).")
