"""Command line: `mindet` (or `flask --app tracker`); each area's commands live in a module of their own."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    """Register every command group on the app's CLI."""
    from tracker.cli.backup import backup_command, restore_command
    from tracker.cli.catalog import db_group, obligations_group, roadmaps_group
    from tracker.cli.evidence import evidence_group
    from tracker.cli.exports import exports_group
    from tracker.cli.imports import import_docx, import_xlsx
    from tracker.cli.mail import digest_group, mail_group, reminders_group, scheduler_group
    from tracker.cli.open_data import open_data_group
    from tracker.cli.rating import rating_group
    from tracker.cli.serve import serve_command
    from tracker.cli.tokens import token_group
    from tracker.cli.users import demo_group, users_group

    users_group.add_command(token_group)
    roadmaps_group.add_command(import_docx)
    roadmaps_group.add_command(import_xlsx)

    for group in (db_group, roadmaps_group, obligations_group, users_group, demo_group, reminders_group,
                  digest_group, mail_group, scheduler_group, backup_command, restore_command,
                  serve_command, evidence_group, rating_group, open_data_group, exports_group):
        app.cli.add_command(group)

