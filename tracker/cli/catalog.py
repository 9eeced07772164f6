"""Command line for the catalog: `mindet db upgrade|downgrade`, `roadmaps check|sync`, `obligations export`."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlmodel import select

from tracker import migrate
from tracker.as_of import Moment
from tracker.catalog import loader, obligations, sync
from tracker.cli.common import database_errors, fail
from tracker.db import KEPT_COUNT_TABLES, compact_kept_counts, get_session
from tracker.insight import exports
from tracker.models import Instrument
from tracker.timeutil import now_utc, today_almaty


@click.group("db")
def db_group():
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True,
              help="Target revision; with --sql also a range, e.g. 0011:head (from what the database is at).")
@click.option("--sql", is_flag=True, help="Print the SQL for a database administrator instead of running it "
                                         "(for the dialect of TRACKER_DATABASE_URL; nothing is connected to).")
@with_appcontext
def db_upgrade(revision, sql):
    """Create or upgrade the schema of TRACKER_DATABASE_URL."""
    if sql:
        url = current_app.config["DATABASE_URL"]
        if not url.startswith("postgresql"):
            fail("--sql prints PostgreSQL's SQL (SQLite's own upgrades need the live file): set "
                 "TRACKER_DATABASE_URL=postgresql+psycopg://… for the target server; nothing is connected to.")
        migrate.upgrade(url, revision, sql=True, output=sys.stdout)
        return
    with database_errors():
        migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at revision {revision}.")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision):
    """Downgrade the schema to REVISION ("base" drops every table: data is lost)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"Database at revision {revision}.")


@click.group("roadmaps")
def roadmaps_group():
    """Roadmap YAML files: validate and load into the database."""


def _load_and_report(directory, synced: dict[str, str] | None = None) -> loader.Catalog:
    catalog = loader.load_catalog(directory, synced)
    for problem in catalog.problems:
        click.secho(str(problem), fg="red", err=True)
    return catalog


_dir_option = click.option("--dir", "directory", type=click.Path(file_okay=False),
                           help="Roadmaps folder (default: TRACKER_ROADMAPS_DIR, else roadmaps/).")


@roadmaps_group.command("check")
@_dir_option
@with_appcontext
def roadmaps_check(directory):
    """Validate every file; print every problem (file:line: path: message). Exit 1 on any problem."""
    catalog = _load_and_report(directory or current_app.config["ROADMAPS_DIR"])
    if not catalog.is_valid:
        fail(f"{len(catalog.problems)} problem(s); fix them and run `mindet roadmaps check` again.")
    total = sum(len(p.obligations) for p in catalog.instruments)
    for plan in catalog.instruments:
        click.echo(f"{plan.file_name}: {len(plan.obligations)} obligations, {len(plan.sections)} sections"
                   + (f", {len(plan.indicators)} indicators" if plan.indicators else ""))
    click.echo(f"OK: {len(catalog.organizations.organizations)} organizations, "
               f"{len(catalog.organizations.groups)} groups, {len(catalog.organizations.commissions)} commissions, "
               f"{len(catalog.instruments)} instruments, "
               f"{total} obligations.")


@roadmaps_group.command("sync")
@_dir_option
@click.option("--full", is_flag=True, help="Read and apply every file, also those unchanged since the last sync.")
@with_appcontext
def roadmaps_sync(directory, full):
    """Apply all files in one transaction: create, update, retire; nothing at all if any file is invalid.

    A file identical to the one last synced (with the same organizations.yaml and the same loader rules) is
    skipped: it would change nothing. --full applies every file anyway."""
    session = get_session()
    with database_errors():
        synced = {} if full else sync.synced_fingerprints(session)
    catalog = _load_and_report(directory or current_app.config["ROADMAPS_DIR"], synced)
    if not catalog.is_valid:
        fail(f"{len(catalog.problems)} problem(s): nothing was changed. "
              "Fix them (`mindet roadmaps check`) and sync again.")
    for plan in catalog.instruments:
        click.echo(f"  {plan.file_name}: {len(plan.obligations)} obligations")
    if catalog.unchanged:
        click.echo(f"  {len(catalog.unchanged)} file(s) unchanged since the last sync: skipped (--full reads them)")
    with database_errors():
        summary = sync.sync_catalog(session=session, catalog=catalog, now=now_utc())
        session.commit()
    for line in summary.lines():
        click.echo(line)
    click.echo("Synced." if summary.changed else "Already in sync: nothing changed.")
    if summary.counts["reports"]["created"] >= BULK_LOAD:
        with database_errors():
            if compact_kept_counts(session.get_bind()):
                click.echo(f"Compacted the kept counts ({', '.join(KEPT_COUNT_TABLES)}) after the bulk load.")


#: reports created by one sync from which the kept counts' tables are rewritten compact afterwards
BULK_LOAD = 10_000


@click.group("obligations")
def obligations_group():
    """Obligations: export."""


@obligations_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--instrument", "instrument_key", help="Only this instrument's key, e.g. decent-work-2024-2025.")
@click.option("--include-retired", is_flag=True, help="Also obligations that left the YAML.")
@with_appcontext
def obligations_export(fmt, instrument_key, include_retired):
    """Write every obligation to stdout with owners, checkpoints and status."""
    with database_errors():
        records = _export_records(instrument_key, include_retired)
    (exports.write_json if fmt == "json" else exports.write_csv)(records, sys.stdout)


def _export_records(instrument_key: str | None, include_retired: bool) -> list[dict]:
    session = get_session()
    instrument = None
    if instrument_key:
        instrument = session.exec(select(Instrument).where(Instrument.key == instrument_key)).first()
        if instrument is None:
            known = ", ".join(session.exec(select(Instrument.key).order_by(Instrument.key)))
            fail(f"No instrument {instrument_key!r}. Known: {known or 'none (run `mindet roadmaps sync`)'}.")
    views = obligations.obligation_views(session=session, when=Moment.today(today_almaty()), instrument=instrument,
                                         include_retired=include_retired)
    return [obligations.export_record(v) for v in views]
