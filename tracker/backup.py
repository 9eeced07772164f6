"""Backups: the database and the evidence files in one archive with a manifest of checksums, and their restore.

The database is copied first (SQLite's online backup, or `pg_dump` in its custom format), then the files: every
evidence row in that copy was committed after its file was stored, so each file it names is in the archive (files
stored later are there too, unreferenced and harmless). A restore checks every checksum before it changes anything,
and goes only into an empty instance unless forced.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from tracker.models import Evidence

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_FILES = {"sqlite": "database/mindet.sqlite3", "postgresql": "database/mindet.pgdump"}


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Summary:
    """What a backup or a restore did."""

    archive: Path
    dialect: str
    revision: str | None
    tables: int = 0
    rows: int = 0
    files: int = 0
    bytes: int = 0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def evidence_files(evidence_dir: Path | None) -> list[Path]:
    """The stored evidence files (ab/cd/<sha256>), without temporary uploads in progress; none when the evidence
    is kept in an object store (`evidence_dir` None), whose own versioning and replication back it up."""
    if evidence_dir is None or not evidence_dir.exists():
        return []
    return sorted(path for path in evidence_dir.rglob("*") if path.is_file() and not path.name.startswith("."))


def _libpq(url) -> tuple[str, dict[str, str]]:
    """libpq connection parameters for pg_dump / pg_restore, and the environment carrying the password (never on
    the command line, where `ps` would show it)."""
    from psycopg.conninfo import make_conninfo

    environment = {**os.environ}
    if url.password:
        environment["PGPASSWORD"] = url.password
    parameters = {"host": url.host, "port": url.port, "dbname": url.database, "user": url.username,
                  **{key: value for key, value in url.query.items() if isinstance(value, str)}}
    return make_conninfo(**{key: value for key, value in parameters.items() if value is not None}), environment


def _run(command: list[str], environment: dict[str, str], what: str) -> None:
    try:
        subprocess.run(command, env=environment, check=True, capture_output=True, text=True)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed; install the PostgreSQL client tools "
                          "(Debian: postgresql-client) in the version of the server") from None
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"{what} failed: {exc.stderr.strip()[:2000]}") from None


def _copy_database(engine: Engine, target: Path) -> None:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        destination = sqlite3.connect(target)
        with destination:
            source.backup(destination)  # a consistent copy while the app keeps writing
        source.close()
        destination.close()
    else:
        uri, environment = _libpq(url)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", uri], environment,
             "pg_dump")


def _referenced_keys(engine: Engine) -> set[str]:
    """The storage keys evidence rows refer to: a file no row names (left by a killed upload) is not backed up."""
    with engine.connect() as connection:
        return set(connection.execute(select(Evidence.storage_key).where(Evidence.storage_key.is_not(None)))
                   .scalars())


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the schema that exist in this database."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in SQLModel.metadata.sorted_tables if table.name in present}


def _revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def create(engine: Engine, evidence_dir: Path | None, archive: Path, now: datetime,
           progress: Callable[[Iterable[Path]], Iterable[Path]] = lambda files: files) -> Summary:
    """Write the archive: database copy, then evidence files, then the manifest of every member's checksum."""
    dialect = engine.url.get_backend_name()
    rows = counts(engine)
    summary = Summary(archive=archive, dialect=dialect, revision=_revision(engine), tables=len(rows),
                      rows=sum(rows.values()))
    checksums: dict[str, str] = {}
    partial = archive.with_name(f".{archive.name}.partial")
    try:
        with tempfile.TemporaryDirectory() as scratch, tarfile.open(partial, "w:gz") as tar:
            copy = Path(scratch) / "database"
            _copy_database(engine, copy)
            checksums[DATABASE_FILES[dialect]] = _sha256(copy)
            tar.add(copy, arcname=DATABASE_FILES[dialect])
            # taken after the copy: every file its rows name is referenced now too; orphans stay out
            referenced = _referenced_keys(engine)
            for path in progress([p for p in evidence_files(evidence_dir) if p.name in referenced]):
                name = f"evidence/{path.relative_to(evidence_dir).as_posix()}"
                checksums[name] = _sha256(path)
                tar.add(path, arcname=name)
                summary.files += 1
                summary.bytes += path.stat().st_size
            manifest = {"format": FORMAT, "created_at": now.isoformat(), "dialect": dialect,
                        "revision": summary.revision, "rows": rows, "files": checksums}
            manifest_path = Path(scratch) / MANIFEST
            manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
            tar.add(manifest_path, arcname=MANIFEST)
        os.replace(partial, archive)  # a half-written archive never carries the final name
    finally:
        partial.unlink(missing_ok=True)
    return summary


def _is_empty(engine: Engine, evidence_dir: Path | None) -> str | None:
    """None when the instance holds nothing; else what it holds (for the refusal message)."""
    held = {table: n for table, n in counts(engine).items() if n}
    files = len(evidence_files(evidence_dir))
    if held or files:
        tables = ", ".join(f"{table} {n}" for table, n in sorted(held.items())[:5])
        return f"{sum(held.values())} rows ({tables}{', …' if len(held) > 5 else ''}) and {files} evidence files"
    return None


def _unpack(archive: Path, scratch: Path) -> dict:
    """Extract into `scratch` and check every member against the manifest; the manifest."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(scratch, filter="data")  # refuses absolute paths, "..", links out of the folder
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{archive} is not a readable Mindet backup ({exc})") from None
    try:
        manifest = json.loads((scratch / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{archive} has no manifest: it is not a Mindet backup") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is a backup of format {manifest.get('format')}, this Mindet reads {FORMAT}")
    for name, checksum in manifest["files"].items():
        member = scratch / name
        if not member.is_file() or _sha256(member) != checksum:
            raise BackupError(f"{archive}: {name} is missing or damaged (checksum differs); nothing was restored")
    return manifest


def restore(engine: Engine, evidence_dir: Path | None, archive: Path, *, force: bool = False,
            progress: Callable[[Iterable[Path]], Iterable[Path]] = lambda files: files, store=None) -> Summary:
    """Put an archive's database and files into this instance; refuses a non-empty one unless `force`.

    With an object `store` (and `evidence_dir` None) the archive's files are uploaded to it instead."""
    dialect = engine.url.get_backend_name()
    if not force and (held := _is_empty(engine, evidence_dir)):
        raise BackupError(f"this instance is not empty: it holds {held}. Restore into an empty database and "
                          "evidence folder, or pass --force to replace the database")
    near = evidence_dir.parent if evidence_dir is not None and evidence_dir.parent.exists() else None
    with tempfile.TemporaryDirectory(dir=near) as scratch:
        scratch = Path(scratch)
        manifest = _unpack(archive, scratch)
        if manifest["dialect"] != dialect:
            raise BackupError(f"{archive} is a {manifest['dialect']} backup and this instance runs on {dialect}; "
                              "restore it into a database of the same kind")
        engine.dispose()  # no pooled connection may hold the database that is about to be replaced
        _restore_database(engine, scratch / DATABASE_FILES[dialect])
        summary = Summary(archive=archive, dialect=dialect, revision=manifest["revision"])
        files = sorted(scratch.joinpath("evidence").rglob("*")) if scratch.joinpath("evidence").exists() else []
        for path in progress([path for path in files if path.is_file()]):
            summary.files += 1
            summary.bytes += path.stat().st_size
            if evidence_dir is None:
                store.put(path, path.name)
                continue
            target = evidence_dir / path.relative_to(scratch / "evidence")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
    with engine.connect() as connection:  # a restored database has no planner statistics until analysed
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    rows = counts(engine)
    summary.tables, summary.rows = len(rows), sum(rows.values())
    return summary


def _restore_database(engine: Engine, copy: Path) -> None:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(copy)
        destination = sqlite3.connect(url.database)
        with destination:
            source.backup(destination)  # page by page into the live file, in one transaction
        source.close()
        destination.close()
    else:
        uri, environment = _libpq(url)
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", f"--dbname={uri}", str(copy)], environment, "pg_restore")
