"""One write of a report with its files, for the web form and the API alike: every file checked before anything is
stored, one transaction, and on any failure no row and no stored file left behind."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from flask_babel import gettext as _
from sqlmodel import Session

from tracker.reporting import evidence
from tracker.reporting.evidence import Upload
from tracker.reporting.storage import EvidenceStore, UndoableStore
from tracker.reporting.workflow import forget_unreferenced

T = TypeVar("T")


def receive_all(files: Sequence, config) -> list[Upload]:
    """Check every uploaded file (werkzeug FileStorage) against the TRACKER_EVIDENCE_* limits; the caller discards
    them after the transaction. EvidenceRejected names what is wrong."""
    files = [f for f in files if f and f.filename]
    if len(files) > config["EVIDENCE_MAX_FILES"]:
        raise evidence.EvidenceRejected(_("Не больше %(n)d файлов за раз.", n=config["EVIDENCE_MAX_FILES"]))
    limits = evidence.Limits.from_config(config)
    received = []
    try:
        for f in files:
            received.append(evidence.receive(f.stream, f.filename, limits))
    except BaseException:
        evidence.discard(received)
        raise
    return received


def write_with_files(session: Session, store: EvidenceStore, files: Sequence, config,
                     action: Callable[[list[Upload], EvidenceStore], T]) -> T:
    """Receive `files`, run `action(received, store)` and commit; on any failure roll back, remove the files the
    action stored (a full disk becomes StorageFull) and re-raise."""
    undoable, received = UndoableStore(store), []
    try:
        received = receive_all(files, config)
        result = action(received, undoable)
        session.commit()
        return result
    except BaseException as exc:
        session.rollback()
        forget_unreferenced(session, store, undoable.new_keys)
        if isinstance(exc, OSError) and exc.errno in evidence.DISK_FULL:
            raise evidence.storage_full() from exc
        raise
    finally:
        evidence.discard(received)
