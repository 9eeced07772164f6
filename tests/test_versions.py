"""Every version of an instrument is kept (issue 21, item 7, its foundation): a sync records the file's text when
it changed, the versions page lists them, each downloads as the YAML it was, and any two compare measure by
measure."""

import html
import io
from datetime import UTC, datetime

from sqlmodel import select

from tracker.catalog.loader import load_catalog
from tracker.catalog.sync import sync_catalog, synced_fingerprints
from tracker.models import AuditEvent, InstrumentVersion

from .conftest import csrf_token, make_user, signed_in, write_instrument

KEY = "test-roadmap"
FIRST = datetime(2025, 3, 1, 5, 0, tzinfo=UTC)
AMENDED = datetime(2025, 8, 15, 5, 0, tzinfo=UTC)


def _sync(db, folder, now, *, full=False):
    sync_catalog(session=db, catalog=load_catalog(folder, None if full else synced_fingerprints(db)), now=now)
    db.commit()


def _amended(path):
    text = path.read_text(encoding="utf-8")
    text = text.replace('deadline: "1-полугодие 2025 года"', 'deadline: "2-полугодие 2025 года"')
    text = text.replace('      - number: "2"\n        text: "Вторая мера"\n        deadline: "Ежеквартально"\n'
                        '        owners: ["МИО"]\n',
                        '      - number: "3"\n        text: "Третья мера"\n        deadline: "2025 год"\n'
                        '        owners: ["МЮ"]\n')
    path.write_text(text, encoding="utf-8")
    return text


def test_a_sync_keeps_each_version_once_and_any_two_compare(app, db, roadmaps_dir):
    """Version 1 at the first sync, 2 after an amendment; syncing the same file again, or every file again, adds
    none; the page lists both, each downloads as it was, and the comparison names the moved deadline, the measure
    added and the one retired."""
    path = write_instrument(roadmaps_dir, KEY)
    first_text = path.read_text(encoding="utf-8")
    _sync(db, roadmaps_dir, FIRST)
    second_text = _amended(path)
    _sync(db, roadmaps_dir, AMENDED)
    _sync(db, roadmaps_dir, AMENDED)
    _sync(db, roadmaps_dir, AMENDED, full=True)
    kept = db.exec(select(InstrumentVersion).order_by(InstrumentVersion.number)).all()
    assert [(v.number, v.text, v.source) for v in kept] == [(1, first_text, f"roadmaps/{KEY}.yaml"),
                                                           (2, second_text, f"roadmaps/{KEY}.yaml")]
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "instrument.version")).all()) == 2

    client = signed_in(app, make_user(db, "obs@example.kz", "observer"))
    page = client.get(f"/instruments/{KEY}/versions").get_data(as_text=True)
    assert f"/instruments/{KEY}/versions/2.yaml" in page and f"/instruments/{KEY}/versions/1.yaml" in page
    download = client.get(f"/instruments/{KEY}/versions/1.yaml")
    assert download.get_data(as_text=True) == first_text
    assert download.headers["Content-Disposition"] == f'attachment; filename="{KEY}-v1.yaml"'
    compared = html.unescape(client.get(f"/instruments/{KEY}/versions/compare?older=1&newer=2").get_data(as_text=True))
    assert "1-полугодие 2025 года" in compared and "2-полугодие 2025 года" in compared
    assert "мера 2</td><td><strong>исключена" in compared and "мера 3</td><td><strong>добавлена" in compared
    assert client.get(f"/instruments/{KEY}/versions/compare?older=1&newer=9").status_code == 404
    assert client.get(f"/instruments/{KEY}/versions/7.yaml").status_code == 404


def _snapshot(db):
    """The instrument as the database holds it: measures with deadlines and owners, checkpoints with due dates,
    reports with their organizations and statuses."""
    from tracker.models import Checkpoint, Obligation, Report
    rows = db.exec(select(Obligation.key, Obligation.deadline_text, Obligation.owners_text, Obligation.retired_at,
                          Checkpoint.label, Checkpoint.period, Checkpoint.due_on, Checkpoint.retired_at,
                          Report.organization_id, Report.status, Report.retired_at)
                   .join(Checkpoint, Checkpoint.obligation_id == Obligation.id)
                   .join(Report, Report.checkpoint_id == Checkpoint.id)).all()
    return sorted(map(tuple, rows), key=str)


def test_a_version_applied_from_the_web_equals_the_same_file_synced(app, db, roadmaps_dir):
    """A secretary amends the current version in the page, checks it (nothing written; the moved deadline, the
    measure added and the one retired are listed), applies it citing the protocol: version 2, audited as theirs.
    The same text synced from roadmaps/ afterwards changes nothing; the old file synced again does not undo it."""
    path = write_instrument(roadmaps_dir, KEY)
    first_text = path.read_text(encoding="utf-8")
    _sync(db, roadmaps_dir, FIRST)
    app.config["ROADMAPS_DIR"] = str(roadmaps_dir)
    secretary = make_user(db, "sec@example.kz", "secretary", instruments=[KEY])
    client = signed_in(app, secretary)
    editor = client.get(f"/instruments/{KEY}/versions/new").get_data(as_text=True)
    assert "Первая мера" in editor
    amended = _amended(path)
    path.write_text(first_text, encoding="utf-8")  # the folder keeps the first version
    token = csrf_token(client, f"/instruments/{KEY}/versions/new")
    checked = html.unescape(client.post("/roadmaps/versions/preview",
                                        data={"csrf_token": token, "text": amended}).get_data(as_text=True))
    assert "мера 3: добавлена" in checked and "мера 2: исключена" in checked and "2-полугодие 2025 года" in checked
    assert len(db.exec(select(InstrumentVersion)).all()) == 1  # the check wrote nothing
    unsourced = client.post("/roadmaps/versions/apply", data={"csrf_token": token, "text": amended})
    assert unsourced.status_code == 400 and len(db.exec(select(InstrumentVersion)).all()) == 1
    applied = client.post("/roadmaps/versions/apply", data={"csrf_token": token, "text": amended,
                                                            "source": "Протокол РТК № 5 от 29.12.2025"})
    assert applied.status_code == 302 and applied.headers["Location"].endswith(f"/instruments/{KEY}/versions")
    kept = db.exec(select(InstrumentVersion).order_by(InstrumentVersion.number)).all()
    assert [(v.number, v.source, v.applied_by_id) for v in kept][1] == (2, "Протокол РТК № 5 от 29.12.2025",
                                                                        secretary.id)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "obligation.create",
                                            AuditEvent.actor_id == secretary.id)).first() is not None
    after_web = _snapshot(db)

    _sync(db, roadmaps_dir, AMENDED, full=True)  # the old file in roadmaps/: kept in the app, not synced back
    assert _snapshot(db) == after_web and len(db.exec(select(InstrumentVersion)).all()) == 2
    path.write_text(amended, encoding="utf-8")
    _sync(db, roadmaps_dir, AMENDED, full=True)  # the same text from roadmaps/: nothing to change
    assert _snapshot(db) == after_web and len(db.exec(select(InstrumentVersion)).all()) == 2

    other = signed_in(app, make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"]))
    assert other.get(f"/instruments/{KEY}/versions/new").status_code == 404
    assert other.post("/roadmaps/versions/apply", data={"csrf_token": csrf_token(other, "/account"),
                                                        "text": amended, "source": "x"}).status_code == 404


def test_a_key_that_is_no_file_name_is_refused_before_anything_reaches_the_disk(app, db, roadmaps_dir):
    """A forged YAML whose key climbs out of the scratch folder is refused as unreadable: nothing is written."""
    app.config["ROADMAPS_DIR"] = str(roadmaps_dir)
    client = signed_in(app, make_user(db, "admin@example.kz", "admin"))
    forged = 'instrument:\n  key: "../../escaped"\n'
    token = csrf_token(client, "/account")
    page = client.post("/roadmaps/versions/preview", data={"csrf_token": token, "text": forged})
    assert "не удалось прочитать ключ документа" in page.get_data(as_text=True)
    applied = client.post("/roadmaps/versions/apply", data={"csrf_token": token, "text": forged, "source": "x"})
    assert applied.status_code == 400 and not (roadmaps_dir.parent.parent / "escaped.yaml").exists()


def test_a_yaml_file_uploaded_is_checked_and_continues_in_the_editor(app, db, roadmaps_dir):
    """The blank editor takes a YAML file: its check lists what a new instrument would add; a file that is not
    UTF-8 text is refused with what to do."""
    app.config["ROADMAPS_DIR"] = str(roadmaps_dir)
    text = write_instrument(roadmaps_dir, "uploaded-roadmap").read_text(encoding="utf-8")
    (roadmaps_dir / "uploaded-roadmap.yaml").unlink()  # known to nobody yet: a new instrument
    write_instrument(roadmaps_dir, KEY)
    _sync(db, roadmaps_dir, FIRST)
    client = signed_in(app, make_user(db, "sec@example.kz", "secretary", instruments=[KEY]))
    assert client.get("/roadmaps/versions/new").status_code == 200
    token = csrf_token(client, "/roadmaps/versions/new")
    page = client.post("/roadmaps/versions/preview", content_type="multipart/form-data", data={
        "csrf_token": token, "document": (io.BytesIO(text.encode()), "карта.yaml")}).get_data(as_text=True)
    assert "новый документ" in page and "Первая мера" in html.unescape(page)  # the file's text is in the editor
    refused = client.post("/roadmaps/versions/preview", content_type="multipart/form-data", data={
        "csrf_token": token, "document": (io.BytesIO(b"\xff\xfe\x00binary"), "x.yaml")})
    assert refused.status_code == 400 and "UTF-8" in refused.get_data(as_text=True)
