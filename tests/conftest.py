"""Fixtures: a migrated database per test (SQLite file copy, or PostgreSQL truncated), app, client, CLI."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlmodel import Session

from tracker import accounts, create_app, migrate
from tracker.roadmaps import load_catalog
from tracker.sync import sync_catalog

ROOT = Path(__file__).resolve().parent.parent
ROADMAPS = ROOT / "roadmaps"
PG_URL = os.environ.get("TRACKER_TEST_DATABASE_URL")
#: a fixed "now" for domain calls: 21 November 2026, 10:00 in Almaty
NOW = datetime(2026, 11, 21, 5, 0, tzinfo=UTC)


def reset_postgres(url: str) -> None:
    """Drop everything in the public schema of the test database."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """A database at head, made once per run: a template file for SQLite, the test database for PostgreSQL."""
    if PG_URL:
        reset_postgres(PG_URL)
        migrate.upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    migrate.upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:  # fold the WAL into the file so that a copy is complete
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(migrated_template, tmp_path):
    """An empty, migrated database for one test."""
    if PG_URL:
        _truncate_postgres(PG_URL)
        return PG_URL
    path = tmp_path / "test.sqlite3"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    """The app on the test database, reading the real roadmaps/, storing evidence under the test's folder."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url,
                      "ROADMAPS_DIR": ROADMAPS, "EVIDENCE_DIR": tmp_path / "evidence"})
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
def synced(db):
    """The real roadmaps loaded into the database."""
    summary = sync_catalog(session=db, catalog=load_catalog(ROADMAPS), now=NOW)
    db.commit()
    return summary


@pytest.fixture
def roadmaps_dir(tmp_path):
    """A roadmaps folder of our own: the real organizations.yaml and no instruments yet."""
    folder = tmp_path / "roadmaps"
    folder.mkdir()
    shutil.copy(ROADMAPS / "organizations.yaml", folder / "organizations.yaml")
    return folder


PASSWORD = "correct horse battery staple"


def make_user(db, email: str, role: str, *, orgs=(), instruments=(), password: str = PASSWORD):
    """An account with one role, committed."""
    user = accounts.create_user(session=db, email=email, name=email.split("@")[0], role=role, org_codes=list(orgs),
                                instrument_keys=list(instruments), password=password, now=NOW, actor_label="test")
    db.commit()
    return user


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
    assert login(client, user.email).status_code == 302
    return client


@pytest.fixture
def observer(client, db, synced):
    """A signed-in observer (reads everything, writes nothing)."""
    user = make_user(db, "observer@example.kz", "observer")
    assert login(client, user.email).status_code == 302
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
