"""The `mindet obligations export` command: JSON and CSV with the same columns, filtered by instrument, safe for
spreadsheets."""

import csv
import io
import json

from tracker.insight.exports import COLUMNS


def _json(runner, *args):
    result = runner.invoke(args=["obligations", "export", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_json_lists_every_obligation_with_owners_and_checkpoints(runner, synced):
    """71 obligations (the three instruments and the regional example); each record has the documented keys;
    owners keep source order and flags."""
    records = _json(runner, "--format", "json")
    assert len(records) == 71
    assert set(COLUMNS) <= set(records[0])
    by_key = {r["key"]: r for r in records}
    record = by_key["conflict-prevention-2025-2026/11"]
    assert record["instrument"] == "conflict-prevention-2025-2026" and record["section"] == "2"
    assert record["deadline_text"] == "1 раз в полугодие"
    assert [o["code"] for o in record["owners"]] == ["МТСЗН", "МИО", "РОП", "РОР", "САМРУК-КАЗЫНА"]
    assert record["owners"][0] == {"code": "МТСЗН", "lead": True, "by_agreement": False}
    assert record["owners"][2]["by_agreement"] is True
    assert [(c["period"], c["due_on"]) for c in record["checkpoints"]] == [
        ("2025-H1", "2025-06-30"), ("2025-H2", "2025-12-31"), ("2026-H1", "2026-06-30"), ("2026-H2", "2026-12-31")]


def test_status_is_derived_from_dates_and_reports(runner, synced, app):
    """With no reports yet: past checkpoints are overdue, event-driven measures wait for their event."""
    by_key = {r["key"]: r for r in _json(runner)}
    assert by_key["decent-work-2024-2025/1.1"]["status"] == "overdue"
    assert by_key["conflict-prevention-2025-2026/5"]["status"] == "awaiting_event"
    assert by_key["conflict-prevention-2025-2026/5"]["checkpoints"] == []


def test_instrument_filter_and_unknown_instrument(runner, synced):
    """--instrument limits the export; an unknown key names the known ones and exits 1."""
    records = _json(runner, "--instrument", "decent-work-2024-2025")
    assert len(records) == 22 and {r["instrument"] for r in records} == {"decent-work-2024-2025"}
    result = runner.invoke(args=["obligations", "export", "--instrument", "nope"])
    assert result.exit_code == 1
    assert "No instrument 'nope'" in result.output and "decent-work-2024-2025" in result.output


def test_csv_has_the_json_columns_flattened(runner, synced):
    """Same rows and columns as the JSON; owners and checkpoints flattened into readable cells."""
    result = runner.invoke(args=["obligations", "export", "--format", "csv", "--instrument",
                                 "conflict-prevention-2025-2026"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 31
    assert list(rows[0]) == COLUMNS
    row = next(r for r in rows if r["number"] == "9")
    assert row["owners"] == "МТСЗН (lead); МИО; РОР; РОП (by agreement)"
    assert row["checkpoints"].startswith("2025-H1 2025-06-30 ")


def test_commands_on_a_database_without_schema_say_what_to_do(tmp_path):
    """Sync and export on an empty database exit 1 with "run `mindet db upgrade`", not a traceback."""
    from tracker import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'e.sqlite3'}"})
    for args in (["roadmaps", "sync"], ["obligations", "export"]):
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 1
        assert "Run `mindet db upgrade` first." in result.output
    app.extensions["engine"].dispose()
