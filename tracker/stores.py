"""The process's evidence store, made from the app's settings on first use (the edges hand it to the domain)."""

from __future__ import annotations

from flask import current_app

from tracker.reporting.storage import EvidenceStore, store_from_config


def evidence_store() -> EvidenceStore:
    """The app's store, made on first use in each process (tests may put their own in app.extensions)."""
    store = current_app.extensions.get("evidence_store")
    if store is None:
        store = current_app.extensions["evidence_store"] = store_from_config(current_app.config)
    return store
