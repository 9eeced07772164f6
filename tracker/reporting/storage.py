"""Where evidence files live: a small interface keyed by content hash; the local filesystem by default, or an
S3-compatible object store (TRACKER_EVIDENCE_STORE=s3://bucket/prefix) shared by several web nodes.

Views and domain code only see `EvidenceStore`; they never touch paths or buckets.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

_KEY = re.compile(r"^[0-9a-f]{64}$")
#: a file being copied into the folder store, renamed to its key once whole
INCOMING_PREFIX = ".incoming-"


def _fanned_out(key: str) -> str:
    """ab/cd/<sha256>: no folder or listing page grows past 65,536 entries."""
    if not _KEY.match(key):  # keys come from our own hashes; anything else is a bug or an attack
        raise ValueError(f"not a storage key: {key!r}")
    return f"{key[:2]}/{key[2:4]}/{key}"


class EvidenceStore(Protocol):
    """Content-addressed file storage: the key is the file's SHA-256."""

    def put(self, source: Path, key: str) -> bool:
        """Store the file at `source` under `key`; True when it was not stored before."""

    def open(self, key: str) -> BinaryIO:
        """A binary stream of the stored file."""

    def delete(self, key: str) -> None:
        """Forget the file (used only to undo a `put` whose database transaction failed)."""

    def exists(self, key: str) -> bool:
        """Whether a file is stored under `key`."""

    def stored(self) -> Iterator[tuple[str, datetime]]:
        """Every stored file's key and when it was stored (`mindet evidence check`)."""


class UndoableStore:
    """A store that remembers the files it newly put during one write, so that a failed transaction can take back
    exactly those (`undo`): no list of keys has to travel through every call in between."""

    def __init__(self, store: EvidenceStore):
        self.store = store
        self.new_keys: list[str] = []

    def put(self, source: Path, key: str) -> bool:
        """Store the file, remembering its key when it was not stored before."""
        added = self.store.put(source, key)
        if added:
            self.new_keys.append(key)
        return added

    def open(self, key: str) -> BinaryIO:
        """A binary stream of the stored file."""
        return self.store.open(key)

    def delete(self, key: str) -> None:
        """Forget the file."""
        self.store.delete(key)

    def exists(self, key: str) -> bool:
        """Whether a file is stored under `key`."""
        return self.store.exists(key)

    def stored(self) -> Iterator[tuple[str, datetime]]:
        """Every stored file."""
        return self.store.stored()


class LocalStore:
    """Files under a directory, fanned out as ab/cd/<sha256>; written to a temporary name, then renamed."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _fanned_out(key)

    def put(self, source: Path, key: str) -> bool:
        """Copy `source` in unless the same content is already stored."""
        target = self._path(key)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=INCOMING_PREFIX)
        try:
            with os.fdopen(descriptor, "wb") as out, open(source, "rb") as src:
                shutil.copyfileobj(src, out, 1024 * 1024)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)  # atomic: a reader sees the whole file or none
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return True

    def open(self, key: str) -> BinaryIO:
        """Open the stored file for reading."""
        return open(self._path(key), "rb")

    def delete(self, key: str) -> None:
        """Remove the stored file if present."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether the file is stored."""
        return self._path(key).exists()

    def stored(self) -> Iterator[tuple[str, datetime]]:
        """Every stored file (ab/cd/<sha256>) and its modification time; uploads in progress are not listed."""
        if not self.root.exists():
            return
        for path in self.root.glob("??/??/*"):
            if _KEY.match(path.name):
                yield path.name, datetime.fromtimestamp(path.stat().st_mtime, UTC)


class S3Store:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph…) under an optional prefix.

    Uploads go from the request's temporary file in parts (boto3's managed transfer); downloads stream the
    object's body to the client in chunks: no node keeps a copy, so every node sees every file at once.
    """

    def __init__(self, url: str, *, endpoint_url: str | None = None, region: str | None = None, client=None):
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = client or _s3_client(endpoint_url, region)

    def _name(self, key: str) -> str:
        return f"{self.prefix}/{_fanned_out(key)}" if self.prefix else _fanned_out(key)

    def put(self, source: Path, key: str) -> bool:
        """Upload `source` unless the same content is already stored (the key is its hash)."""
        if self.exists(key):
            return False
        self.client.upload_file(str(source), self.bucket, self._name(key))
        return True

    def open(self, key: str) -> BinaryIO:
        """The object's body, read from the store as the response is sent."""
        return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]

    def delete(self, key: str) -> None:
        """Remove the object (absent objects are no error in S3)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def exists(self, key: str) -> bool:
        """Whether the object is stored: a HEAD request."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def stored(self) -> Iterator[tuple[str, datetime]]:
        """Every object under the prefix that is named like a stored file, and when it was written."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=f"{self.prefix}/" if self.prefix else "")
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"].rsplit("/", 1)[-1]
                if _KEY.match(name):
                    yield name, item["LastModified"]


def _s3_client(endpoint_url: str | None, region: str | None):
    """A boto3 S3 client; credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID/…, a profile, a role)."""
    import boto3  # imported when an S3 store is configured, not by every command
    from botocore.config import Config

    # path-style addressing works with every S3-compatible server, virtual hosts need DNS per bucket
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"},
                    connect_timeout=5, read_timeout=60)
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, region_name=region, config=config)


def evidence_folder(config) -> Path | None:
    """The evidence folder, or None when the evidence lives in an object store (TRACKER_EVIDENCE_STORE)."""
    return None if config.get("EVIDENCE_STORE") else Path(config["EVIDENCE_DIR"])


def store_from_config(config) -> EvidenceStore:
    """The store the configuration names: TRACKER_EVIDENCE_STORE, else the evidence folder."""
    folder = evidence_folder(config)
    if folder is None:
        return S3Store(config["EVIDENCE_STORE"], endpoint_url=config.get("S3_ENDPOINT_URL"),
                       region=config.get("S3_REGION"))
    return LocalStore(folder)
