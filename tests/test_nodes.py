"""Several nodes: two web nodes (separate gunicorn processes, separate instance folders) on one PostgreSQL and
one S3-compatible store; what one writes, the other reads, and a session signed on one is good on the other."""

import os
import re

import pytest
import requests
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from tracker import migrate
from tracker.db import make_engine
from tracker.reporting.storage import S3Store

from .conftest import PASSWORD, WORKER, _sync_roadmaps, _world_folder, make_user
from .reporting_helpers import PDF, report_of
from .services import start_node, stop, unavailable, wait_until_up

#: the suite's SQLite pass uses the machine's PostgreSQL for this test (TRACKER_NODES_DATABASE_URL to change it)
LOCAL_POSTGRES = os.environ.get("TRACKER_NODES_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def shared_postgres(app, world, tmp_path):
    """A PostgreSQL database with the tests' own instrument: the test's own on the PostgreSQL pass, else one made
    here."""
    if app.config["DATABASE_URL"].startswith("postgresql"):
        yield app.config["DATABASE_URL"]
        return
    name = f"mindet_nodes_{WORKER}"
    admin = make_engine(LOCAL_POSTGRES).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        unavailable(f"PostgreSQL is not reachable at {LOCAL_POSTGRES} ({exc.orig})")
    url = make_url(LOCAL_POSTGRES).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    _sync_roadmaps(url, _world_folder(tmp_path))
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _csrf(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=10).text
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _signed_in(base: str, email: str) -> requests.Session:
    browser = requests.Session()
    response = browser.post(f"{base}/login", data={"email": email, "password": PASSWORD,
                                                   "csrf_token": _csrf(browser, f"{base}/login")},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302 and "/login" not in response.headers["Location"], response.text
    return browser


@pytest.mark.deep
@pytest.mark.real_clock
def test_a_report_written_on_one_node_is_read_on_the_other(shared_postgres, s3_server, tmp_path):
    """Node A takes a status update with a file; node B shows the update and serves the same bytes from the store;
    A's session cookie is accepted by B (no sticky sessions needed); neither node keeps a file on its disk."""
    engine = make_engine(shared_postgres)
    with Session(engine, expire_on_commit=False) as db:
        make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
        report = report_of(db, "world/1.1", "2025", "МТСЗН")
    engine.dispose()
    bucket = "mindet-nodes"
    S3Store(f"s3://{bucket}", endpoint_url=s3_server).client.create_bucket(Bucket=bucket)
    nodes = []
    for name in ("a", "b"):
        nodes.append(start_node({
            "TRACKER_DATABASE_URL": shared_postgres, "TRACKER_SECRET_KEY": "shared-test-secret",
            "TRACKER_INSTANCE_PATH": str(tmp_path / name), "TRACKER_EVIDENCE_STORE": f"s3://{bucket}/evidence",
            "TRACKER_S3_ENDPOINT_URL": s3_server}))
    try:
        for process, base in nodes:
            wait_until_up(f"{base}/health", process)
        (_, node_a), (_, node_b) = nodes
        on_a = _signed_in(node_a, "fp@example.kz")
        page = on_a.get(f"{node_a}/reports/{report.id}", timeout=10).text
        version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
        content = PDF + b"% written on node A"
        written = on_a.post(f"{node_a}/reports/{report.id}", allow_redirects=False, timeout=30, data={
            "csrf_token": _csrf(on_a, f"{node_a}/reports/{report.id}"), "version": version,
            "status": "in_progress", "note": "Записано на узле A"}, files={"files": ("протокол.pdf", content)})
        assert written.status_code == 302 and written.headers["Location"].endswith(f"/reports/{report.id}"), \
            written.text

        on_b = _signed_in(node_b, "fp@example.kz")
        page_b = on_b.get(f"{node_b}/reports/{report.id}", timeout=10).text
        assert "Записано на узле A" in page_b and "протокол.pdf" in page_b
        evidence_id = re.search(r'href="/evidence/(\d+)"', page_b).group(1)
        download = on_b.get(f"{node_b}/evidence/{evidence_id}", timeout=10)
        assert download.status_code == 200 and download.content == content
        same_session = on_a.get(f"{node_b}/reports/{report.id}", allow_redirects=False, timeout=10)
        assert same_session.status_code == 200 and "Записано на узле A" in same_session.text
    finally:
        for process, _ in nodes:
            stop(process)
    assert not [path for path in tmp_path.rglob("*") if path.is_file() and "evidence" in path.parts]
