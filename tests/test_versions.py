"""Every version of an instrument is kept (issue 21, item 7, its foundation): a sync records the file's text when
it changed, the versions page lists them, each downloads as the YAML it was, and any two compare measure by
measure."""

import html
from datetime import UTC, datetime

from sqlmodel import select

from tracker.catalog.loader import load_catalog
from tracker.catalog.sync import sync_catalog, synced_fingerprints
from tracker.models import AuditEvent, InstrumentVersion

from .conftest import make_user, signed_in, write_instrument

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
