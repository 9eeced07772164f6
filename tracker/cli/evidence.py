"""Command line for the evidence store: `mindet evidence check [--fix]`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker import audit
from tracker.cli.common import database_errors
from tracker.db import get_session
from tracker.reporting import debris
from tracker.reporting.storage import evidence_folder
from tracker.stores import evidence_store
from tracker.timeutil import now_utc


@click.group("evidence")
def evidence_group():
    """The stored evidence files."""


@evidence_group.command("check")
@click.option("--fix", is_flag=True, help="Remove the orphans older than an hour (each removal is audited).")
@with_appcontext
def evidence_check(fix: bool):
    """List stored files no evidence row refers to (left by uploads a killed worker never committed) and rows
    whose file is missing from the store; with --fix, remove the orphans. Also removes temporary upload files
    older than an hour. Exits 1 while something is wrong, so that a monitor can run it."""
    session, store, now = get_session(), evidence_store(), now_utc()
    swept = debris.sweep_temporary(evidence_folder(current_app.config), now)
    with database_errors():
        findings = debris.check(session, store)
    for key, stored_at in findings.orphans:
        click.echo(f"orphan   {key}  stored {stored_at:%Y-%m-%d %H:%M} UTC, referenced by no evidence row")
    for evidence_id, key in findings.missing:
        click.echo(f"missing  {key}  named by evidence row {evidence_id}: restore it from a backup")
    removed = []
    if fix and findings.orphans:
        removed = debris.remove_orphans(session, store, findings, now, by=audit.Actor(label="cli:evidence check"))
        session.commit()
        for key in removed:
            click.echo(f"removed  {key}")
    left = len(findings.orphans) - len(removed)
    click.echo(f"Checked the evidence store: {len(findings.orphans)} orphan(s), {len(findings.missing)} missing "
               f"file(s), {len(removed)} orphan(s) removed, {swept} temporary upload file(s) removed.")
    if left and not fix:
        click.echo("Run `mindet evidence check --fix` to remove the orphans.")
    elif left:
        click.echo(f"{left} orphan(s) younger than an hour were kept: an upload may still be committing them.")
    if left or findings.missing:
        raise SystemExit(1)
