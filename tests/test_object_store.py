"""Evidence in an S3-compatible object store (a real HTTP server, moto's server mode, on loopback): files go to
the bucket and come back byte for byte, nothing is kept on the node's disk, a failed write leaves no object."""

import re
from urllib.parse import unquote

import pytest
from sqlmodel import select

from tracker import audit
from tracker.models import Evidence
from tracker.reporting.storage import S3Store

from .conftest import login, make_user, redirect_target
from .reporting_helpers import PDF, report_of, upload


def _objects(store: S3Store) -> dict[str, int]:
    """Every object of the store's bucket: name → size."""
    listing = store.client.list_objects_v2(Bucket=store.bucket)
    return {item["Key"]: item["Size"] for item in listing.get("Contents", [])}


@pytest.fixture
def focal_point(client, db, world):
    user = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    login(client, user.email)
    return user


def test_the_store_keeps_serves_and_forgets_a_file(s3_store, tmp_path):
    """put stores once (the key is the content's hash), open reads it back, delete forgets it; keys are checked."""
    source = tmp_path / "protocol.pdf"
    source.write_bytes(PDF)
    key = "ab" * 32
    assert s3_store.put(source, key) is True
    assert s3_store.put(source, key) is False  # the same content again: not uploaded twice
    assert _objects(s3_store) == {f"evidence/ab/ab/{key}": len(PDF)}
    with s3_store.open(key) as body:
        assert body.read() == PDF
    assert s3_store.exists(key)
    s3_store.delete(key)
    assert not s3_store.exists(key) and _objects(s3_store) == {}
    with pytest.raises(ValueError, match="not a storage key"):
        s3_store.exists("../../etc/passwd")


def test_a_file_reported_through_the_form_lives_in_the_bucket_only(app, client, db, focal_point, s3_store):
    """A 9 MB report (uploaded in parts) goes to the bucket, not to the node's evidence folder, and downloads with
    its name and the same bytes, streamed from the store."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")
    content = PDF + b"%" + b"x" * (9 * 1024 * 1024)
    response = upload(client, report.id, [("Справка о мониторинге.pdf", content)])
    assert redirect_target(response) == f"/reports/{report.id}", response.get_data(as_text=True)
    item = db.exec(select(Evidence).where(Evidence.report_id == report.id)).one()
    assert _objects(s3_store) == {f"evidence/{item.sha256[:2]}/{item.sha256[2:4]}/{item.sha256}": len(content)}
    assert not app.config["EVIDENCE_DIR"].exists() or not any(app.config["EVIDENCE_DIR"].rglob("*"))
    download = client.get(f"/evidence/{item.id}")
    assert download.status_code == 200 and download.is_streamed
    disposition = download.headers["Content-Disposition"]
    assert unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)) == "Справка о мониторинге.pdf"
    assert download.get_data() == content


def test_a_failing_database_write_leaves_no_object(app, client, db, focal_point, s3_store, monkeypatch):
    """The file is uploaded, then the audit row fails: the transaction rolls back and the object is deleted."""
    report = report_of(db, "world/1.1", "2025", "МТСЗН")

    def broken_audit(**kwargs):
        raise RuntimeError("the database went away while writing the audit row")

    monkeypatch.setattr(audit, "record", broken_audit)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert upload(client, report.id, [("отчёт.pdf", PDF)]).status_code == 500
    assert db.exec(select(Evidence)).first() is None and _objects(s3_store) == {}
