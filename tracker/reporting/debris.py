"""What a worker killed mid-upload leaves behind, found and removed: temporary uploads, half-written files in the
evidence folder, and stored files no evidence row refers to.

An upload is received into a temporary file (`mindet-upload-*` in the system's temporary folder), copied into the
store under a temporary name (`.incoming-*`), renamed, and then its row is committed. A kill -9 between those steps
leaves files no transaction will ever claim. Anything older than an upload can take (DEBRIS_AGE) is such debris:
the clock removes temporary files when it starts and every hour; `mindet evidence check --fix` removes orphans.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from tracker import audit
from tracker.models import Evidence
from tracker.reporting.evidence import UPLOAD_PREFIX
from tracker.reporting.storage import INCOMING_PREFIX, EvidenceStore

log = logging.getLogger(__name__)
#: far longer than any upload takes (gunicorn's timeout, a 20 MB file on a slow line): older files are debris
DEBRIS_AGE = timedelta(hours=1)


def sweep_temporary(evidence_dir: Path | None, now: datetime, older_than: timedelta = DEBRIS_AGE) -> int:
    """Remove temporary uploads and half-written evidence files older than `older_than`; how many were removed."""
    folders = [(Path(tempfile.gettempdir()), f"{UPLOAD_PREFIX}*")]
    if evidence_dir is not None and Path(evidence_dir).exists():
        folders.append((Path(evidence_dir), f"**/{INCOMING_PREFIX}*"))
    removed = 0
    for folder, pattern in folders:
        for path in folder.glob(pattern):
            try:
                if path.is_file() and now.timestamp() - path.stat().st_mtime > older_than.total_seconds():
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # another process swept it first
                continue
    if removed:
        log.warning("removed %s temporary upload file(s) left by interrupted uploads", removed)
    return removed


@dataclass
class Findings:
    """Stored files no row refers to (with when they were stored), and rows whose file is not stored."""

    orphans: list[tuple[str, datetime]] = field(default_factory=list)
    missing: list[tuple[int, str]] = field(default_factory=list)  #: (evidence id, storage key)

    @property
    def clean(self) -> bool:
        """Nothing to report."""
        return not self.orphans and not self.missing


def check(session: Session, store: EvidenceStore) -> Findings:
    """Compare the store with the evidence rows."""
    referenced: dict[str, list[int]] = {}
    for evidence_id, key in session.exec(select(Evidence.id, Evidence.storage_key)
                                         .where(Evidence.storage_key.is_not(None))):
        referenced.setdefault(key, []).append(evidence_id)
    stored = dict(store.stored())
    findings = Findings(orphans=sorted((k, at) for k, at in stored.items() if k not in referenced))
    findings.missing = sorted((i, key) for key, ids in referenced.items() if key not in stored for i in ids)
    return findings


def remove_orphans(session: Session, store: EvidenceStore, findings: Findings, now: datetime, by: audit.Actor,
                   older_than: timedelta = DEBRIS_AGE) -> list[str]:
    """Delete the orphans older than an upload can take (a younger one may belong to a write not yet committed),
    each audited; the keys removed. The caller commits."""
    removed = []
    for key, stored_at in findings.orphans:
        if now - stored_at < older_than:
            continue
        still_free = session.exec(select(Evidence.id).where(Evidence.storage_key == key).limit(1)).first() is None
        if still_free:
            store.delete(key)
            audit.record(session=session, now=now, action="evidence.orphan_removed", object_type="evidence_file",
                         object_id=key, before={"stored_at": stored_at}, by=by)
            removed.append(key)
    return removed
