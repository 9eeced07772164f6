"""What a worker killed mid-upload leaves behind (temporary uploads, half-written and unreferenced stored files) is
removed by the clock's sweep and `mindet evidence check --fix`, and never backed up."""

import os
import subprocess
import sys
import tarfile
import tempfile
import textwrap
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from tracker.models import AuditEvent
from tracker.reporting.storage import LocalStore
from tracker.timeutil import now_utc

from .conftest import make_user
from .reporting_helpers import PDF, post, report_of

#: a web worker receiving a 20 MB upload and storing it, killed (no cleanup, like kill -9) at one of three points
_KILLED_WORKER = textwrap.dedent("""
    import io, os, shutil, sys
    from pathlib import Path
    from tracker import create_app
    from tracker.reporting import evidence
    from tracker.reporting.storage import LocalStore
    point = sys.argv[1]
    app = create_app()
    with app.test_request_context():
        content = b"%PDF-1.7\\n" + os.urandom(20 * 1024 * 1024)
        upload = evidence.receive(io.BytesIO(content), "протокол.pdf", evidence.Limits.from_config(app.config))
        if point == "received":
            os._exit(9)
        if point == "copying":
            copy = shutil.copyfileobj
            def half(src, dst, length=0):
                dst.write(src.read(10 * 1024 * 1024))
                dst.flush()
                os._exit(9)
            shutil.copyfileobj = half
        LocalStore(Path(app.config["EVIDENCE_DIR"])).put(upload.path, upload.sha256)
        os._exit(9)  # stored: killed before the transaction that would name it
""")


@pytest.fixture
def scratch_tmp(tmp_path, monkeypatch):
    """The system's temporary folder, for this test only (the worker subprocess and the sweep both use it)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.deep  # three worker processes, each killed mid-upload of 20 MB: the deep tier
@pytest.mark.real_clock  # the files' times are the machine's: so is the hour they are judged by
def test_a_worker_killed_at_any_point_of_an_upload_leaves_nothing_after_start_up(app, runner, db, world,
                                                                              scratch_tmp):
    """Killed after receiving, while copying into the store, or after storing but before its row: the temporary
    upload, the half-written `.incoming-` file and the unreferenced stored file are all there; an hour later the
    clock's start-up sweep and `mindet evidence check --fix` remove them, and the check is clean."""
    evidence_dir = app.config["EVIDENCE_DIR"]
    environment = {**os.environ, "TRACKER_DATABASE_URL": app.config["DATABASE_URL"], "TRACKER_SECRET_KEY": "test",
                   "TRACKER_EVIDENCE_DIR": str(evidence_dir), "TMPDIR": str(scratch_tmp)}
    for point in ("received", "copying", "stored"):
        killed = subprocess.run([sys.executable, "-c", _KILLED_WORKER, point], env=environment, capture_output=True,
                                text=True, timeout=120, check=False)
        assert killed.returncode == 9, killed.stderr[-2000:]
    assert len(list(scratch_tmp.glob("mindet-upload-*"))) == 3
    assert len(list(evidence_dir.rglob(".incoming-*"))) == 1
    assert len(list(LocalStore(evidence_dir).stored())) == 1
    found = runner.invoke(args=["evidence", "check"])
    assert found.exit_code == 1 and "orphan" in found.output and "--fix" in found.output
    with time_machine.travel(now_utc() + timedelta(hours=2), tick=False):
        from tracker.notify.scheduler import _sweep_job

        _sweep_job(app)  # what the clock does when it starts, and every hour
        fixed = runner.invoke(args=["evidence", "check", "--fix"])
    assert fixed.exit_code == 0, fixed.output
    assert not list(scratch_tmp.glob("mindet-upload-*")) and not list(evidence_dir.rglob(".incoming-*"))
    assert not list(LocalStore(evidence_dir).stored())
    assert runner.invoke(args=["evidence", "check"]).exit_code == 0
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "evidence.orphan_removed")).one()


@pytest.mark.real_clock
def test_the_check_names_missing_files_and_keeps_young_orphans(app, runner, db, world):
    """A row whose file is gone is reported (not fixed: it needs a backup); an orphan younger than an hour may be
    a write still committing, so --fix keeps it."""
    user = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    post(app, db, report_of(db, "world/1.1", "2025", "МТСЗН").id, user, "in_progress", files=[("a.pdf", PDF)])
    store = LocalStore(app.config["EVIDENCE_DIR"])
    (key, _at), = store.stored()
    store.delete(key)
    young = app.config["EVIDENCE_DIR"] / "young.pdf"
    young.write_bytes(PDF + b"young")
    store.put(young, "f" * 64)
    result = runner.invoke(args=["evidence", "check", "--fix"])
    assert result.exit_code == 1
    assert f"missing  {key}" in result.output and "younger than an hour were kept" in result.output
    assert store.exists("f" * 64)


def test_a_backup_leaves_orphans_out(app, runner, db, world, tmp_path):
    """Files no row names are not archived (a restore used to bring them back)."""
    user = make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    post(app, db, report_of(db, "world/1.1", "2025", "МТСЗН").id, user, "in_progress", files=[("a.pdf", PDF)])
    orphan = tmp_path / "orphan.pdf"
    orphan.write_bytes(PDF + b"orphan")
    LocalStore(app.config["EVIDENCE_DIR"]).put(orphan, "e" * 64)
    archive = tmp_path / "backup.tar.gz"
    assert runner.invoke(args=["backup", "--out", str(archive)]).exit_code == 0
    with tarfile.open(archive) as tar:
        names = [name for name in tar.getnames() if name.startswith("evidence/")]
    assert len(names) == 1 and "e" * 64 not in names[0]
