"""Command line for turning documents into roadmap YAML: `mindet roadmaps import-docx` and `import-xlsx`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from tracker.catalog import xlsx_import
from tracker.catalog.docx_import import DocxImportError, draft_from_docx
from tracker.cli.common import fail


@click.command("import-docx")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--instrument", "key", required=True, help="The new instrument's key (lower-case, digits, hyphens), "
              "e.g. conflict-prevention-2027-2028; also the YAML file's name.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the draft here (e.g. roadmaps/<key>.yaml) [default: print it].")
@with_appcontext
def import_docx(file: Path, key: str, out: Path | None):
    """Make a YAML draft of the roadmap table in FILE (.docx), then list what `mindet roadmaps check` would
    refuse, with the table's row numbers. Every guess is a comment in the draft: read them before you sync.

    Exit 1 when a person must decide something (the draft is written all the same).
    """
    try:
        draft = draft_from_docx(file, key, Path(current_app.config["ROADMAPS_DIR"]))
    except DocxImportError as exc:
        fail(f"Nothing written: {exc}")
    if out:
        if out.exists() and out.resolve() != file.resolve():
            click.echo(f"Replacing {out}.", err=True)
        out.write_text(draft.yaml, encoding="utf-8")
        click.echo(f"Draft written to {out}: {draft.sections} sections, {draft.measures} measures.")
    else:
        click.echo(draft.yaml, nl=False)
    for problem in draft.problems:
        click.secho(problem, fg="red", err=True)
    if draft.problems:
        fail(f"{len(draft.problems)} thing(s) to decide: fix them in the draft, then run `mindet roadmaps check`.")
    click.echo("No problems: `mindet roadmaps check`, then `mindet roadmaps sync`.", err=True)


@click.command("import-xlsx")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              help="Roadmaps folder to change (default: TRACKER_ROADMAPS_DIR, else roadmaps/).")
@click.option("--apply", "apply_changes", is_flag=True, help="Write the changed YAML files (default: a dry run).")
@with_appcontext
def import_xlsx(file: Path, directory: Path | None, apply_changes: bool):
    """Bring back an edited obligations workbook (an instrument's XLSX export): list every change (texts, results,
    deadlines, owners) and every row error; with --apply, write the YAML files. Nothing is written if any row is
    wrong; then `mindet roadmaps sync` loads the change.
    """
    directory = directory or Path(current_app.config["ROADMAPS_DIR"])
    try:
        outcome = xlsx_import.import_workbook(file, directory)
    except xlsx_import.WorkbookError as exc:
        fail(f"Nothing changed: {exc}")
    for change in outcome.changes:
        click.echo(str(change))
    for error in outcome.errors:
        click.secho(error, fg="red", err=True)
    if outcome.errors:
        fail(f"{len(outcome.errors)} row error(s) in {outcome.rows} rows: nothing written. Fix the workbook and run "
             "again.")
    if not outcome.changes:
        click.echo(f"No changes in {outcome.rows} rows: the workbook matches {directory}.")
        return
    files = ", ".join(path.name for path in outcome.files)
    if not apply_changes:
        click.echo(f"Dry run: {len(outcome.changes)} change(s) in {files}. Run again with --apply to write them.")
        return
    xlsx_import.write(outcome)
    click.echo(f"Written: {len(outcome.changes)} change(s) in {files}. Review the diff, then `mindet roadmaps sync`.")
