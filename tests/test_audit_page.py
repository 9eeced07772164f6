"""The audit trail reads as text: actions and fields in the page's language, before → after, links, Almaty time."""

from .conftest import make_user, signed_in
from .reporting_helpers import post, report_of


def test_the_audit_trail_is_readable_in_each_language(app, db, world):
    """A submission appears as "отчёт отправлен на проверку" with "статус: не начато → на проверке", the note as
    Cyrillic text (no \\u escapes), a link to the report and the time in Almaty (10:00, the suite's clock);
    in English the same row speaks English."""
    focal = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    admin = make_user(db, "admin@example.kz", "admin")
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    post(app, db, report.id, focal, "submitted", note="Закон принят", no_evidence_reason="ДСП")
    client = signed_in(app, admin)
    page = client.get("/audit?action=report.submitted").get_data(as_text=True)
    assert "отчёт отправлен на проверку" in page and "report.submitted</td>" not in page
    assert "<del>не начато</del> → <ins>на проверке</ins>" in page and "Закон принят" in page
    assert "\\u0417" not in page and f'href="/reports/{report.id}"' in page
    assert "21.11.2026 10:00" in page and "UTC" not in page
    english = client.get("/audit?action=report.submitted&lang=en").get_data(as_text=True)
    assert "report submitted for review" in english and "<del>not started</del>" in english


def test_an_amended_measure_reads_as_words_in_the_trail_and_the_workbook(app, db, roadmaps_dir):
    """An amendment recorded «section_id», «position», «deadline_kind: one_off» and «owners_text» in the trail,
    and the measures workbook said «Вид срока: one_off»: now the trail names each field in words (internal ids and
    hashes left out) and the deadline kind reads «однократно» → «периодически», in the workbook too."""
    import io

    from openpyxl import load_workbook

    from tracker.catalog.loader import load_catalog
    from tracker.catalog.sync import sync_catalog

    from . import factories
    from .conftest import NOW

    factories.write_world(roadmaps_dir)
    sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW)
    db.commit()
    path = roadmaps_dir / "world.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'deadline: "В течение 2025 года"\n        owners: ["МТСЗН", "РОП (по согласованию)", "РОР (по согласованию)"]',
        'deadline: "Ежеквартально"\n        owners: ["МТСЗН", "РОП (по согласованию)"]'), encoding="utf-8")
    sync_catalog(session=db, catalog=load_catalog(roadmaps_dir), now=NOW)
    db.commit()
    client = signed_in(app, make_user(db, "admin@example.kz", "admin"))
    page = client.get("/audit?object_type=obligation").get_data(as_text=True)
    for code in ("deadline_kind", "one_off", "owners_text", "section_id", "content_hash", "recurring"):
        assert code not in page, code
    assert "вид срока" in page and "<del>однократно</del> → <ins>периодически</ins>" in page
    assert "исполнители (как в документе)" in page
    sheet = load_workbook(io.BytesIO(client.get("/instruments/world/obligations.xlsx").data)).active
    words = {cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)}
    assert "однократно" in words and "one_off" not in words and "периодически" in words
    english = client.get("/audit?object_type=obligation&lang=en").get_data(as_text=True)
    assert "<del>once</del>" in english and "deadline kind" in english
