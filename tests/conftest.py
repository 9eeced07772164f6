"""Fixtures: a database per test copied from a template made once (SQLite file, PostgreSQL TEMPLATE), app, client."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import time_machine
from argon2 import PasswordHasher
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session
from werkzeug.serving import make_server

from tracker import audit, create_app, migrate
from tracker.catalog.loader import load_catalog
from tracker.catalog.sync import sync_catalog
from tracker.db import get_session, make_engine
from tracker.notify import outbox
from tracker.people import accounts, passwords
from tracker.timeutil import now_utc
from tracker.web.security import limiter

from . import browser_helpers, factories, services

ROOT = Path(__file__).resolve().parent.parent
ROADMAPS = ROOT / "roadmaps"
PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")
#: a fixed "now" for domain calls: 21 November 2026, 10:00 in Almaty
NOW = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)


WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_admin():
    """An autocommit connection to the configured test database, from which per-worker databases are made."""
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool).connect()


def _postgres_url(name: str) -> str:
    # a test database needs no durability across a server crash: commits do not wait for the disk
    url = make_url(PG_URL).set(database=name).update_query_dict({"options": "-c synchronous_commit=off"})
    return url.render_as_string(hide_password=False)


def _postgres_copy(template: str | None, name: str) -> str:
    """(Re)create database `name`, a copy of `template` (or empty); PostgreSQL copies a template file by file."""
    with _postgres_admin() as admin:
        admin.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    return _postgres_url(name)


def _sync_roadmaps(url: str, roadmaps: Path = ROADMAPS):
    """Load a roadmaps folder (the real one unless said) into the database at `url`; the sync's summary."""
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        summary = sync_catalog(session=session, catalog=load_catalog(roadmaps), now=NOW)
        session.commit()
    engine.dispose()
    return summary


#: the template databases: migrated only; with the real roadmaps; with the tests' own instrument (tests/factories.py)
KINDS = ("empty", "synced", "world")


def _world_folder(parent: Path) -> Path:
    """A roadmaps folder holding the registry of organizations and the tests' own instrument."""
    folder = parent / "world-roadmaps"
    folder.mkdir(exist_ok=True)
    shutil.copy(ROADMAPS / "organizations.yaml", folder / "organizations.yaml")
    factories.write_world(folder)
    return folder


class Templates:
    """Databases made once per run (and per xdist worker): migrated; with the real roadmaps synced; with the tests'
    own instrument synced.

    Each test starts from a copy of one of them, so no test pays for migrations or for the 1,307-report sync."""

    def __init__(self, folder: Path):
        self.folder = folder
        if PG_URL:
            base = make_url(PG_URL).database
            self.names = {kind: f"{base}_{kind}_{WORKER}" for kind in KINDS}
            self.test_name = f"{base}_{WORKER}"
            migrate.upgrade(_postgres_copy(None, self.names["empty"]))
            self.summary = _sync_roadmaps(_postgres_copy(self.names["empty"], self.names["synced"]))
            _sync_roadmaps(_postgres_copy(self.names["empty"], self.names["world"]), _world_folder(folder))
        else:
            self.paths = {kind: folder / f"{kind}.sqlite3" for kind in KINDS}
            migrate.upgrade(f"sqlite:///{self.paths['empty']}")
            _checkpoint(self.paths["empty"])
            for kind, roadmaps in (("synced", ROADMAPS), ("world", _world_folder(folder))):
                shutil.copy(self.paths["empty"], self.paths[kind])
                summary = _sync_roadmaps(f"sqlite:///{self.paths[kind]}", roadmaps)
                _checkpoint(self.paths[kind])
                if kind == "synced":
                    self.summary = summary

    def copy(self, kind: str, tmp_path: Path) -> str:
        """A database URL for one test: a fresh copy of the `kind` template."""
        if PG_URL:
            return _postgres_copy(self.names[kind], self.test_name)
        path = tmp_path / "test.sqlite3"
        shutil.copy(self.paths[kind], path)
        return f"sqlite:///{path}"

    def blank(self, tmp_path: Path) -> str:
        """A database URL for one test: an empty database without any migration."""
        if PG_URL:
            return _postgres_copy(None, self.test_name)
        return f"sqlite:///{tmp_path / 'blank.sqlite3'}"


def _checkpoint(path: Path) -> None:
    with sqlite3.connect(path) as connection:  # fold the WAL into the file so that a copy is complete
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@pytest.fixture(scope="session")
def templates(tmp_path_factory) -> Templates:
    """The template databases of this run."""
    return Templates(tmp_path_factory.mktemp("templates"))


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 with minimal cost in tests: the production parameters are tested once, in test_auth."""
    production = passwords.set_hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    yield
    passwords.set_hasher(production)


@pytest.fixture(autouse=True)
def frozen_clock(request):
    """Every test runs at NOW (the clock ticking from there), whatever the machine's date; a test marked
    `real_clock` (the browser's cookies follow the machine's clock) keeps the real one."""
    if request.node.get_closest_marker("real_clock"):
        yield
        return
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def database_url(request, templates, tmp_path):
    """A migrated database for one test: with the real roadmaps synced if the test asks for `synced`, with the
    tests' own instrument if it asks for `world`."""
    kind = next((kind for kind in ("synced", "world") if kind in request.fixturenames), "empty")
    return templates.copy(kind, tmp_path)


@pytest.fixture(scope="session")
def built_app(tmp_path_factory):
    """The app, built once per run and worker (building one compiles every URL rule: 60 ms), and the pristine
    copy of its configuration that each test starts from."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": "sqlite://", "ROADMAPS_DIR": ROADMAPS,
                      "EVIDENCE_DIR": tmp_path_factory.mktemp("evidence")})
    app.extensions["engine"].dispose()
    return app, dict(app.config)


@pytest.fixture
def app(built_app, database_url, tmp_path):
    """The app on this test's database, reading the real roadmaps/, storing evidence under the test's folder:
    its configuration reset to the pristine copy (open data under the test's folder too), a fresh engine, no sent
    mail, no evidence store of an earlier test, no rate-limit counts."""
    app, pristine = built_app
    app.config.clear()
    app.config.update(pristine, DATABASE_URL=database_url, EVIDENCE_DIR=tmp_path / "evidence",
                      OPEN_DATA_DIR=tmp_path / "open-data")
    app.extensions["engine"] = make_engine(database_url)
    app.config["MAIL_MEMORY"] = []  # what the memory backend sent, this test only
    for per_test in ("evidence_store",):  # what the app keeps between requests
        app.extensions.pop(per_test, None)
    limiter.reset()
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture
def db(app):
    """A session of its own (not the request's), for arranging and checking."""
    with Session(app.extensions["engine"], expire_on_commit=False) as session:
        yield session


@pytest.fixture
def client(app):
    """The test client; use it outside `with app.app_context()` blocks."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The CLI runner for `flask …` commands of this app."""
    return app.test_cli_runner()


@pytest.fixture
def synced(templates, db):
    """The real roadmaps loaded into the database (the test's copy was made from the synced template)."""
    return templates.summary


@pytest.fixture
def world(db):
    """The tests' own instrument (tests/factories.py) synced into the database; its key."""
    return factories.KEY


@pytest.fixture
def roadmaps_dir(tmp_path):
    """A roadmaps folder of our own: the real organizations.yaml and no instruments yet."""
    folder = tmp_path / "roadmaps"
    folder.mkdir()
    shutil.copy(ROADMAPS / "organizations.yaml", folder / "organizations.yaml")
    return folder


PASSWORD = "correct horse battery staple"


def make_user(db, email: str, role: str, *, orgs=(), instruments=(), commissions=(), password: str = PASSWORD):
    """An account with one role, committed."""
    user = accounts.create_user(session=db, email=email, name=email.split("@")[0],
                                grant=accounts.Grant(role, tuple(orgs), tuple(instruments), tuple(commissions)),
                                password=password, now=NOW,
                                by=audit.Actor(label="test"))
    db.commit()
    return user


def redirect_target(response) -> str | None:
    """Where a redirect leads (the Location's path, query and fragment), or None when the response is no redirect."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return None
    location = urlsplit(response.headers["Location"])
    return location.path + (f"?{location.query}" if location.query else "") + \
        (f"#{location.fragment}" if location.fragment else "")


def signed_in_to(response) -> str:
    """The start page a successful sign-in leads to (fails when the sign-in was refused)."""
    target = redirect_target(response)
    assert target is not None and not target.startswith("/login"), (response.status_code, target)
    return target


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on the page at `url`."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, email: str, password: str = PASSWORD):
    """Sign in through the real form (CSRF token included); returns the response."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def signed_in(app, user):
    """A new test client signed in as `user`."""
    client = app.test_client()
    signed_in_to(login(client, user.email))
    return client


@pytest.fixture
def observer(client, db, synced):
    """A signed-in observer (reads everything, writes nothing)."""
    user = make_user(db, "observer@example.kz", "observer")
    assert signed_in_to(login(client, user.email)) == "/"  # an observer lands on the instruments
    return user


def write_instrument(folder: Path, key: str = "test-roadmap", body: str | None = None) -> Path:
    """Write a small, valid instrument file (or the given body) named after its key."""
    body = body if body is not None else f"""\
instrument:
  key: {key}
  kind: roadmap
  title: {{ru: "Тестовая дорожная карта"}}
  valid_from: 2025-01-01
  valid_to: 2026-12-31
  completeness: complete
sections:
  - number: "1"
    title: {{ru: "Раздел"}}
    obligations:
      - number: "1"
        text: "Первая мера"
        result: "Справка"
        deadline: "1-полугодие 2025 года"
        owners: ["МТСЗН", "РОР (по согласованию)"]
      - number: "2"
        text: "Вторая мера"
        deadline: "Ежеквартально"
        owners: ["МИО"]
"""
    path = folder / f"{key}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def run_delivery(app):
    """What the clock does every minute: send what waits in the outbox (web requests only queue email)."""
    with app.app_context():
        return outbox.deliver(get_session(), now_utc(), app.config)


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port in a thread, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from the system, through Playwright: one per worker (a launch costs about a second); each
    test opens its own pages, so no cookie passes from one test to another."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=browser_helpers.CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])
        yield instance
        instance.close()


#: moto accepts any credentials; boto3 only needs some to sign its requests
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "mindet-test", "AWS_SECRET_ACCESS_KEY": "mindet-test-secret",
                  "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible HTTP server (moto's server mode) on loopback for the run; its endpoint URL."""
    saved = {name: os.environ.get(name) for name in S3_CREDENTIALS}
    os.environ.update(S3_CREDENTIALS)
    process, endpoint = services.start_s3_server()
    yield endpoint
    services.stop(process)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def s3_store(app, s3_server):
    """The app storing evidence in a new, empty bucket of the S3 server (under the prefix evidence/); the store."""
    from tracker.reporting.storage import S3Store
    from tracker.stores import evidence_store

    bucket = f"mindet-{uuid.uuid4().hex[:12]}"
    S3Store(f"s3://{bucket}", endpoint_url=s3_server).client.create_bucket(Bucket=bucket)
    app.config.update(EVIDENCE_STORE=f"s3://{bucket}/evidence", S3_ENDPOINT_URL=s3_server)
    with app.app_context():
        return evidence_store()
