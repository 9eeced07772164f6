"""Open data (issue 23, item 5): the public instruments' measures and checkpoints, the public parts of accepted
reports, the public indicators and their accepted values, as a Frictionless Data Package valid under `frictionless
validate`, plus JSON and a zip; built daily, served and linked from the public view, and nothing unpublished in it."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import frictionless

from tracker.insight import open_data
from tracker.reporting.demo import load_demo_indicator_values

from .conftest import NOW, make_user


def _accounts(db):
    for email, role, orgs, commissions in (("mtszn@demo.mindet.kz", "focal_point", ["МТСЗН"], []),
                                           ("rop@demo.mindet.kz", "focal_point", ["РОП"], []),
                                           ("secretary@demo.mindet.kz", "secretary", [], ["rtk"]),
                                           ("region@demo.mindet.kz", "secretary", [], ["almaty-region-example"])):
        make_user(db, email, role, orgs=orgs, commissions=commissions)


def _table(folder, name) -> list[dict]:
    return list(csv.DictReader((folder / f"{name}.csv").read_text(encoding="utf-8").splitlines()))


def test_the_package_is_valid_and_holds_what_is_public_only(app, db, synced, tmp_path):
    """With the demo's indicator values (four accepted for the General Agreement, one awaiting a verdict, the
    regional example's not public): the package validates, lists the public indicators with their accepted values
    only, the decent-work roadmap's measures and checkpoints, and the zip and JSON carry the same tables."""
    _accounts(db)
    load_demo_indicator_values(db)
    db.commit()
    folder = tmp_path / "package"
    built = open_data.build(db, folder, base_url="https://mindet.example.kz", now=NOW, today=NOW.date())
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    indicators = {row["key"]: row for row in _table(folder, "indicators")}
    assert set(indicators) == {f"general-agreement-2024-2026/{key}" for key in (
        "wage-arrears", "collective-agreements", "collective-agreement-coverage", "labour-conflicts",
        "conflicts-resolved-before-strike")}
    values = [(row["indicator"].split("/")[1], row["period"], row["value"], row["judgement"])
              for row in _table(folder, "indicator_values")]
    assert sorted(values) == [("collective-agreements", "2025", "169895", "on_track"),
                              ("labour-conflicts", "2025", "49", "on_track"),
                              ("wage-arrears", "2025", "2.6", "on_track")]
    assert indicators["general-agreement-2024-2026/conflicts-resolved-before-strike"]["judgement"] == "no_data"
    measures = _table(folder, "measures")
    assert {row["instrument"] for row in measures} == {"decent-work-2024-2025"} and len(measures) == 22
    assert built.counts["checkpoints"] == len(_table(folder, "checkpoints")) > 0
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    field = descriptor["resources"][3]["schema"]["fields"][0]
    assert (field["title"], field["description"]) == ("Ключ индикатора", "Indicator key")
    together = json.loads((folder / open_data.JSON_NAME).read_text(encoding="utf-8"))
    assert len(together["indicator_values"]) == 3
    with zipfile.ZipFile(folder / open_data.ZIP_NAME) as bundle:
        assert sorted(bundle.namelist()) == sorted(p.name for p in open_data.files(folder) if p.suffix != ".zip")


def test_served_without_sign_in_linked_from_the_public_view_and_rebuilt_once_a_day(app, db, synced, client):
    """/public links the package; its page builds it the first time and lists its files; each file downloads,
    anything else is 404; the clock's refresh rebuilds only on a new day."""
    assert "/public/open-data" in client.get("/public/").get_data(as_text=True)
    page = client.get("/public/open-data")
    assert page.status_code == 200 and "datapackage.json" in page.get_data(as_text=True)
    table = client.get("/public/open-data/measures.csv")
    assert table.status_code == 200 and next(csv.reader(io.StringIO(table.get_data(as_text=True))))[0] == "instrument"
    assert client.get("/public/open-data/mindet.sqlite3").status_code == 404
    assert client.get("/public/open-data/..%2Fsecret_key").status_code == 404
    folder = app.config["OPEN_DATA_DIR"]
    assert open_data.refresh(db, folder, base_url="x", now=NOW, today=NOW.date()) == {}
    later = NOW + timedelta(days=1)
    assert open_data.refresh(db, folder, base_url="x", now=later, today=later.date())["measures"] == 22


def test_two_builds_started_together_make_one_package(app, db, synced, tmp_path):
    """The clock and the first visitor ask at the same moment: one builds, the other waits and finds it built."""
    import threading

    from sqlmodel import Session

    folder, results = tmp_path / "package", []

    def ask():
        with Session(app.extensions["engine"]) as session:
            results.append(open_data.refresh(session, folder, base_url="x", now=NOW, today=NOW.date()))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(bool(counts) for counts in results) == [False, True]
    assert frictionless.validate(folder / "datapackage.json").valid
