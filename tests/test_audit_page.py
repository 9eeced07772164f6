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
