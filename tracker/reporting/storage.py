"""Where evidence files live: a small interface keyed by content hash, with the local filesystem as default.

An S3-compatible store only has to implement `EvidenceStore`; views and domain code never touch paths.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

_KEY = re.compile(r"^[0-9a-f]{64}$")


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


class LocalStore:
    """Files under a directory, fanned out as ab/cd/<sha256>; written to a temporary name, then renamed."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):  # keys come from our own hashes; anything else is a bug or an attack
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key[:2] / key[2:4] / key

    def put(self, source: Path, key: str) -> bool:
        """Copy `source` in unless the same content is already stored."""
        target = self._path(key)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
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


def evidence_store() -> EvidenceStore:
    """The app's store (tests and deployments may put their own in app.extensions["evidence_store"])."""
    store = current_app.extensions.get("evidence_store")
    if store is None:
        store = current_app.extensions["evidence_store"] = LocalStore(current_app.config["EVIDENCE_DIR"])
    return store
