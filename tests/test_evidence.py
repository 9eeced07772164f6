"""Evidence files: type by content, size, archive bombs, hostile names, Cyrillic names end to end, no orphans."""

import dataclasses
import io
import re
import zipfile
from urllib.parse import unquote

import pytest
from sqlmodel import select

from tracker import audit
from tracker.models import AuditEvent, Evidence, StatusUpdate
from tracker.reporting import evidence
from tracker.reporting.evidence import EvidenceRejected, Limits, clean_file_name
from tracker.reporting.storage import LocalStore

from .conftest import login, make_user, redirect_target
from .reporting_helpers import EXE, PDF, PNG, docx_bytes, post, report_of, upload, zip_bomb

LIMITS = Limits(kinds=("pdf", "docx", "xlsx", "odt", "ods", "png", "jpeg", "txt", "csv", "zip"),
                max_bytes=1024 * 1024, max_entries=50, max_expanded=5 * 1024 * 1024)


def receive(data: bytes, name: str, limits: Limits = LIMITS):
    """Receive bytes as an upload (in an app context, for translated messages)."""
    return evidence.receive(io.BytesIO(data), name, limits)


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("data,name,kind", [
    (PDF, "Протокол.pdf", "pdf"), (PNG, "фото.PNG", "png"), (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "a.jpg", "jpeg"),
    (docx_bytes(), "справка.docx", "docx"), ("Регион;Число\nАлматы;5\n".encode("cp1251"), "данные.csv", "csv"),
    ("Отчёт о работе\n".encode(), "отчёт.txt", "txt"),
])
def test_allowed_types_are_recognised_by_content(ctx, data, name, kind):
    """Each allowed kind is told by its bytes, including Cyrillic text in Windows-1251."""
    upload = receive(data, name)
    assert upload.kind == kind and upload.file_name == name and upload.size == len(data)
    evidence.discard([upload])


@pytest.mark.parametrize("data,name,message", [
    (EXE, "отчёт.pdf", "EXE"),                      # an executable renamed .pdf
    (PDF, "отчёт.docx", "PDF"),                     # a PDF wearing a Word name
    (b"\x00\x01\x02\x03binary", "data.txt", "не распознан"),
    (docx_bytes(), "архив.exe", "DOCX"),
    (b"", "пусто.pdf", "пуст"),
])
def test_spoofed_or_unknown_content_is_refused(ctx, data, name, message):
    """The name never decides: content that is not what the name says, or not allowed, is refused clearly."""
    with pytest.raises(EvidenceRejected, match=message):
        receive(data, name)


def test_oversize_is_refused_while_reading(ctx):
    """A file over the limit is refused without keeping a temporary copy."""
    with pytest.raises(EvidenceRejected, match="больше 1 МБ"):
        receive(PDF + b"0" * (1024 * 1024), "big.pdf")


def test_zip_bomb_and_entry_flood_are_refused(ctx):
    """A 10 MiB-expanding ZIP (a few KiB on disk) and a ZIP with 51 entries are refused."""
    bomb = zip_bomb(10)
    assert len(bomb) < 100_000
    with pytest.raises(EvidenceRejected, match="zip-бомб"):
        receive(bomb, "bomb.zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for i in range(51):
            archive.writestr(f"{i}.txt", "x")
    with pytest.raises(EvidenceRejected, match="больше 50 файлов"):
        receive(buffer.getvalue(), "many.zip")


def _zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_archives_inside_archives_count_against_the_same_limits(ctx):
    """A ZIP of five ZIPs that each expand to 3 MiB (15 MiB in all, more than the 5 MiB limit) was accepted: the
    inner archives were counted at their packed size. Entries of inner archives count too, and nesting is bounded;
    a ZIP of two small documents inside a ZIP is still fine."""
    nested = _zip_of({f"part{i}.zip": zip_bomb(3) for i in range(5)})
    assert len(nested) < 100_000
    with pytest.raises(EvidenceRejected, match="zip-бомб"):
        receive(nested, "nested.zip")
    many = _zip_of({f"{i}.zip": _zip_of({f"{j}.txt": b"x" for j in range(20)}) for i in range(3)})
    with pytest.raises(EvidenceRejected, match="больше 50 файлов"):
        receive(many, "many-inside.zip")
    deep = b"report"
    for level in range(4):
        deep = _zip_of({f"level{level}.zip" if level else "report.txt": deep})
    with pytest.raises(EvidenceRejected, match="вложены глубже"):
        receive(deep, "deep.zip")
    assert receive(_zip_of({"inner.zip": _zip_of({"a.pdf": PDF, "b.txt": b"text"})}), "ok.zip").kind == "zip"


def test_programs_inside_archives_are_refused_unless_allowed(ctx):
    """`setup.exe` in a ZIP was accepted without a word: a program by name or by content (a renamed one too, in
    an archive inside the archive) is refused, and accepted only where the deployment allows it."""
    for members in ({"setup.exe": EXE}, {"run.ps1": b"Write-Host 1"}, {"readme.txt": b"see",
                                                                         "inner.zip": _zip_of({"photo.jpg": EXE})}):
        with pytest.raises(EvidenceRejected, match="программа"):
            receive(_zip_of(members), "tools.zip")
    allowing = dataclasses.replace(LIMITS, allow_executables=True)
    upload = receive(_zip_of({"setup.exe": EXE}), "tools.zip", allowing)
    assert upload.kind == "zip"
    evidence.discard([upload])


def test_zip_headers_that_lie_about_size_are_caught_by_counting(ctx):
    """An entry whose header claims 1 byte but expands to 6 MiB is still caught."""
    data = bytearray(zip_bomb(6))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed-size fields
        at = data.find(signature)
        data[at + offset:at + offset + 4] = (1).to_bytes(4, "little")
    with pytest.raises(EvidenceRejected):
        receive(bytes(data), "liar.zip")


@pytest.mark.parametrize("raw,clean", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\Айгуль\\Desktop\\Отчёт за 3 кв.pdf", "Отчёт за 3 кв.pdf"),
    ("evil\x00name\r\n.pdf", "evilname.pdf"),
    ("\u202egnp.exe.pdf", "gnp.exe.pdf"),             # right-to-left override removed
    ("...hidden.pdf", "hidden.pdf"),
    ("О" * 300 + ".pdf", "О" * 196 + ".pdf"),
    ("", "file"),
])
def test_hostile_file_names_are_cleaned(raw, clean):
    """No directories, no control or bidi characters, no leading dots, bounded length; Cyrillic kept."""
    assert clean_file_name(raw) == clean


@pytest.fixture
def focal_point(client, db, world):
    user = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    login(client, user.email)
    return user


def test_cyrillic_name_end_to_end(app, client, db, focal_point):
    """Uploaded through the form, listed on the page, downloaded as an attachment with its UTF-8 name, same bytes."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    name = "Справка МТСЗН №15 «О мониторинге».pdf"
    assert redirect_target(upload(client, report.id, [(name, PDF)])) == f"/reports/{report.id}"
    item = db.exec(select(Evidence).where(Evidence.report_id == report.id)).one()
    assert item.file_name == name and item.content_type == "application/pdf"
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Справка МТСЗН №15 «О мониторинге».pdf" in page
    response = client.get(f"/evidence/{item.id}")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)) == name
    assert response.data == PDF and response.headers["X-Content-Type-Options"] == "nosniff"


def test_refused_upload_keeps_the_text_and_writes_nothing(app, client, db, focal_point):
    """An .exe renamed .pdf: 400 with the reason, the note still in the form, no row, no file, no audit."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    response = upload(client, report.id, [("отчёт.pdf", EXE)], note="Мой длинный текст")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "EXE" in page and "Мой длинный текст" in page
    assert db.exec(select(Evidence)).first() is None and db.exec(select(StatusUpdate)).first() is None
    assert not any(p.is_file() for p in app.config["EVIDENCE_DIR"].rglob("*"))


def test_a_failing_write_leaves_no_orphan_file_and_no_row(app, client, db, focal_point, monkeypatch):
    """The file is stored, then the database write fails: the file is removed and nothing is committed."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")

    def broken_audit(**kwargs):
        raise RuntimeError("disk full while writing the audit row")

    monkeypatch.setattr(audit, "record", broken_audit)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert upload(client, report.id, [("отчёт.pdf", PDF)]).status_code == 500
    assert db.exec(select(Evidence)).first() is None and db.exec(select(StatusUpdate)).first() is None
    assert not any(p.is_file() for p in app.config["EVIDENCE_DIR"].rglob("*"))


def test_a_failing_store_leaves_no_partial_file(app, tmp_path, monkeypatch):
    """A copy that breaks half-way leaves neither the target nor the temporary file."""
    store = LocalStore(tmp_path / "store")
    source = tmp_path / "src.pdf"
    source.write_bytes(PDF * 1000)
    import shutil

    def broken_copy(src, dst, length=0):
        dst.write(b"partial")
        raise OSError("no space left on device")

    monkeypatch.setattr(shutil, "copyfileobj", broken_copy)
    with pytest.raises(OSError):
        store.put(source, "a" * 64)
    assert not any(p.is_file() for p in (tmp_path / "store").rglob("*"))


def test_same_content_is_stored_once_and_survives_a_failed_second_use(app, client, db, focal_point, monkeypatch):
    """Two reports citing the same file share one stored copy; a failed third use does not delete it."""
    first = report_of(db, "world/1.1", "2025", "МТСЗН")
    second = report_of(db, "world/1.2", "2025-H1", "МТСЗН")
    for report in (first, second):
        assert redirect_target(upload(client, report.id, [("приказ.pdf", PDF)])) == f"/reports/{report.id}"
    keys = set(db.exec(select(Evidence.storage_key)).all())
    assert len(keys) == 1
    monkeypatch.setattr(audit, "record", lambda **kw: (_ for _ in ()).throw(RuntimeError("boom")))
    app.config["PROPAGATE_EXCEPTIONS"] = False
    third = report_of(db, "world/1.2", "2025-H2", "МТСЗН")
    assert upload(client, third.id, [("приказ.pdf", PDF)]).status_code == 500
    assert LocalStore(app.config["EVIDENCE_DIR"]).exists(keys.pop())


def test_xss_in_notes_and_file_names_is_inert(app, client, db, focal_point):
    """A note with <script>, an onerror image and a javascript: link, and a file name with HTML: all inert."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    note = ('<script>alert("x")</script> <img src=x onerror=alert(1)> [ссылка](javascript:alert(2)) '
            '<a href="javascript:alert(3)">a</a> **жирный**')
    written = upload(client, report.id, [('<img src=x onerror=alert(4)>.pdf', PDF)], note=note)
    assert redirect_target(written) == f"/reports/{report.id}"
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "onerror=alert(1)" not in page
    assert "javascript:" not in page and "<strong>жирный</strong>" in page
    assert "&lt;img src=x onerror=alert(4)&gt;.pdf" in page
    stored = db.exec(select(AuditEvent).where(AuditEvent.action == "report.in_progress")).one()
    assert stored.after["evidence"] == ["<img src=x onerror=alert(4)>.pdf"]


def test_evidence_of_another_organization_is_not_downloadable(app, client, db, world):
    """A focal point of МЮ gets 404 for МТСЗН's file; МТСЗН's focal point gets it."""
    owner = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    post(app, db, report.id, owner, "in_progress", files=[("справка.pdf", PDF)])
    item = db.exec(select(Evidence)).one()
    stranger = make_user(db, "mu@example.kz", "focal_point", orgs=["МЮ"])
    login(client, stranger.email)
    assert client.get(f"/evidence/{item.id}").status_code == 404
    assert client.get(f"/reports/{report.id}").status_code == 404


@pytest.mark.parametrize("stage", ["receiving", "storing"])
def test_a_full_disk_says_so_keeps_the_text_and_leaves_nothing(app, client, db, focal_point, monkeypatch, tmp_path,
                                                              stage):
    """The disk fills up while the upload is received or while it is stored (writes go to /dev/full, which fails
    them with ENOSPC as a full disk does): 507 with a plain message, the note kept, no row, no file, no audit."""
    import os
    from types import SimpleNamespace

    from sqlalchemy import func

    from tracker.reporting import storage

    def onto_a_full_disk(*args, **kwargs):
        return os.open("/dev/full", os.O_WRONLY), str(tmp_path / "never-written")

    monkeypatch.setattr(evidence if stage == "receiving" else storage, "tempfile",
                        SimpleNamespace(mkstemp=onto_a_full_disk))
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    audit_rows = select(func.count()).select_from(AuditEvent)
    before = db.exec(audit_rows).one()
    response = upload(client, report.id, [("отчёт.pdf", PDF)], note="Мой длинный текст")
    page = response.get_data(as_text=True)
    assert response.status_code == 507 and "закончилось место" in page and "Мой длинный текст" in page
    assert db.exec(select(Evidence)).first() is None and db.exec(select(StatusUpdate)).first() is None
    assert not any(p.is_file() for p in app.config["EVIDENCE_DIR"].rglob("*"))
    assert db.exec(audit_rows).one() == before
