"""`mindet roadmaps import-xlsx`: an instrument's obligations export, edited, comes back as exactly its changes;
an unchanged one is a no-op; one bad row stops everything with its row number."""

import io
import shutil

import pytest
from openpyxl import load_workbook

from tracker.catalog.loader import load_catalog
from tracker.catalog.xlsx_import import import_workbook

from .conftest import ROADMAPS, make_user, signed_in

KEY = "conflict-prevention-2025-2026"


@pytest.fixture
def workbook(app, db, synced, tmp_path):
    """The instrument's obligations export as a person downloads it, and a copy of roadmaps/ to change."""
    client = signed_in(app, make_user(db, "sec@example.kz", "secretary", instruments=[KEY]))
    path = tmp_path / "obligations.xlsx"
    path.write_bytes(client.get(f"/instruments/{KEY}/obligations.xlsx").data)
    folder = tmp_path / "roadmaps"
    shutil.copytree(ROADMAPS, folder, ignore=shutil.ignore_patterns("README.md"))
    return path, folder


def _edit(path, edits: dict[str, dict[str, str]]):
    """Change cells by obligation key and column header, as a person would in Excel."""
    book = load_workbook(path)
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        key = row[header.index("Ключ")].value
        for column, value in edits.get(key, {}).items():
            row[header.index(column)].value = value
    book.save(path)


def test_an_unchanged_workbook_is_a_no_op(app, workbook, runner):
    path, folder = workbook
    with app.app_context():
        outcome = import_workbook(path, folder)
    assert outcome.changes == [] and outcome.errors == [] and outcome.files == {} and outcome.rows == 31
    result = runner.invoke(args=["roadmaps", "import-xlsx", str(path), "--dir", str(folder), "--apply"])
    assert result.exit_code == 0 and "No changes in 31 rows" in result.output


def test_a_changed_deadline_and_owner_come_back_as_exactly_those_changes(app, workbook, runner):
    """Two edits → two changes listed with their rows; --apply rewrites only those lines; the roadmap still
    passes check and now plans the new deadline and owners."""
    path, folder = workbook
    before = (folder / f"{KEY}.yaml").read_text(encoding="utf-8").splitlines()
    _edit(path, {f"{KEY}/2": {"Срок (текст)": "Ежеквартально"},
                 f"{KEY}/4": {"Исполнители": "МТСЗН (головной); МНЭ; РОР (по согласованию)"}})
    dry = runner.invoke(args=["roadmaps", "import-xlsx", str(path), "--dir", str(folder)])
    assert dry.exit_code == 0, dry.output
    assert "row 3: conflict-prevention-2025-2026/2: deadline: «1 раз в полугодие» → «Ежеквартально»" in dry.output
    assert "/4: owners: «МТСЗН» → «МТСЗН; МНЭ; РОР (по согласованию)»" in dry.output
    assert "Dry run: 2 change" in dry.output
    assert (folder / f"{KEY}.yaml").read_text(encoding="utf-8").splitlines() == before
    applied = runner.invoke(args=["roadmaps", "import-xlsx", str(path), "--dir", str(folder), "--apply"])
    assert applied.exit_code == 0, applied.output
    after = (folder / f"{KEY}.yaml").read_text(encoding="utf-8").splitlines()
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [('        deadline: "1 раз в полугодие"', '        deadline: "Ежеквартально"'),
                       ('        owners: ["МТСЗН"]', '        owners: ["МТСЗН", "МНЭ", "РОР (по согласованию)"]')]
    plan = next(p for p in load_catalog(folder).instruments if p.spec.key == KEY)
    measures = {o.key: o for o in plan.obligations}
    assert measures[f"{KEY}/2"].deadline.text == "Ежеквартально"
    assert [(o.code, o.is_by_agreement) for o in measures[f"{KEY}/4"].owners] == [
        ("МТСЗН", False), ("МНЭ", False), ("РОР", True)]


def test_one_bad_row_stops_everything_with_its_row_number(app, workbook, runner):
    """A good edit and an unknown owner: the error names row and key, nothing is written even with --apply; a
    deadline the format refuses is reported by the check with its row."""
    path, folder = workbook
    original = (folder / f"{KEY}.yaml").read_text(encoding="utf-8")
    _edit(path, {f"{KEY}/2": {"Срок (текст)": "Ежеквартально"}, f"{KEY}/5": {"Исполнители": "МТСЗН; Минздрав"}})
    result = runner.invoke(args=["roadmaps", "import-xlsx", str(path), "--dir", str(folder), "--apply"])
    assert result.exit_code == 1 and "row 6: conflict-prevention-2025-2026/5: «Минздрав»" in result.output
    assert "nothing written" in result.output and (folder / f"{KEY}.yaml").read_text(encoding="utf-8") == original
    _edit(path, {f"{KEY}/5": {"Исполнители": "МТСЗН"}, f"{KEY}/2": {"Срок (текст)": "когда-нибудь"}})
    with app.app_context():
        outcome = import_workbook(path, folder)
    assert any(e.startswith("row 3: check:") and "unknown deadline" in e for e in outcome.errors), outcome.errors
    not_a_book = folder.parent / "x.xlsx"
    not_a_book.write_bytes(io.BytesIO(b"not a workbook").getvalue())
    refused = runner.invoke(args=["roadmaps", "import-xlsx", str(not_a_book), "--dir", str(folder)])
    assert refused.exit_code == 1 and "not a readable .xlsx" in refused.output
