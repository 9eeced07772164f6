"""`mindet backup` then `mindet restore` into an empty instance: every table's rows and every file identical."""

import io
import tarfile

import pytest
from sqlalchemy import create_engine, make_url, select
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from tracker import create_app

from .conftest import PG_URL, ROADMAPS, WORKER, _postgres_copy, make_user
from .reporting_helpers import PDF, docx_bytes, post, report_of


@pytest.fixture
def archive(app, runner, db, world, tmp_path):
    """A backup of the world roadmaps with two reports, three evidence files and a link."""
    user = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    first = report_of(db, "world/1.1", "2025", "МТСЗН")
    post(app, db, first.id, user, "in_progress", note="**Начато**", files=[("план.pdf", PDF)])
    second = report_of(db, "world/1.4", "2025-Q1", "МТСЗН")
    post(app, db, second.id, user, "submitted", note="Сделано", links=["https://enbek.gov.kz/ru/news/1"],
         files=[("справка.docx", docx_bytes("Справка о мониторинге")), ("фото.pdf", PDF + b"%another")])
    db.close()
    path = tmp_path / "mindet-backup.tar.gz"
    result = runner.invoke(args=["backup", "--out", str(path)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and "3 evidence files" in result.output
    return path


@pytest.fixture
def target(tmp_path):
    """A second, empty instance (its own database and evidence folder) on the same kind of database."""
    if PG_URL:
        url = _postgres_copy(None, f"{make_url(PG_URL).database}_restore_{WORKER}")
    else:
        url = f"sqlite:///{tmp_path / 'restored' / 'mindet.sqlite3'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": url, "ROADMAPS_DIR": ROADMAPS,
                      "EVIDENCE_DIR": tmp_path / "restored-evidence"})
    yield app
    app.extensions["engine"].dispose()


def _rows(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        rows = {table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
                for table in SQLModel.metadata.sorted_tables}
        rows["alembic_version"] = list(connection.exec_driver_sql("SELECT version_num FROM alembic_version"))
    engine.dispose()
    return rows


def _files(folder) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_backup_then_restore_gives_the_same_tables_and_files(app, archive, target):
    """Every row of every table and every evidence file comes back identical; the restored instance serves them."""
    restored = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.output and "3 evidence files" in restored.output
    original, copy = _rows(app.config["DATABASE_URL"]), _rows(target.config["DATABASE_URL"])
    assert original.keys() == copy.keys()
    for table in original:
        assert copy[table] == original[table], table
    assert sum(map(len, original.values())) > 250 and len(original["evidence"]) == 4  # every table, not a sample
    assert _files(target.config["EVIDENCE_DIR"]) == _files(app.config["EVIDENCE_DIR"])
    assert len(_files(app.config["EVIDENCE_DIR"])) == 3


def test_restore_refuses_a_non_empty_instance_unless_forced(archive, target):
    """A second restore into the now-filled instance is refused and says why; --force replaces the database."""
    runner = target.test_cli_runner()
    assert runner.invoke(args=["restore", str(archive)]).exit_code == 0
    again = runner.invoke(args=["restore", str(archive)])
    assert again.exit_code == 1 and "not empty" in again.output and "--force" in again.output
    forced = runner.invoke(args=["restore", str(archive), "--force"])
    assert forced.exit_code == 0, forced.output


def test_a_damaged_archive_is_refused_before_anything_changes(archive, target, tmp_path):
    """One evidence file altered inside the archive: the restore names it, and the instance stays empty."""
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as source, tarfile.open(damaged, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name.startswith("evidence/") and b"%another" in data:
                data = data.replace(b"%another", b"%changed")
            out.addfile(member, io.BytesIO(data))
    result = target.test_cli_runner().invoke(args=["restore", str(damaged)])
    assert result.exit_code == 1 and "damaged" in result.output and "nothing was restored" in result.output
    assert not _files(target.config["EVIDENCE_DIR"])
    not_an_archive = tmp_path / "notes.tar.gz"
    not_an_archive.write_text("hello")
    assert "not a readable Mindet backup" in target.test_cli_runner().invoke(
        args=["restore", str(not_an_archive)]).output


def test_restore_into_an_instance_with_an_object_store_uploads_the_files(app, archive, target, s3_server):
    """An instance whose evidence lives in a bucket: the archive's files are uploaded there, byte for byte; its own
    backup holds the database only and says where the files are."""
    from tracker.reporting.storage import S3Store

    bucket = f"restore-{WORKER}".lower().replace("_", "-")
    store = S3Store(f"s3://{bucket}", endpoint_url=s3_server)
    store.client.create_bucket(Bucket=bucket)
    target.config.update(EVIDENCE_STORE=f"s3://{bucket}", S3_ENDPOINT_URL=s3_server)
    runner = target.test_cli_runner()
    restored = runner.invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0 and "3 evidence files" in restored.output, restored.output
    originals = _files(app.config["EVIDENCE_DIR"])
    uploaded = {item["Key"]: store.client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                for item in store.client.list_objects_v2(Bucket=bucket)["Contents"]}
    assert uploaded == originals and not target.config["EVIDENCE_DIR"].exists()
    again = runner.invoke(args=["backup", "--out", str(archive.with_name("from-bucket.tar.gz"))])
    assert again.exit_code == 0 and "0 evidence files" in again.output and f"s3://{bucket}" in again.output
