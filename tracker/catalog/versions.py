"""Every version of an instrument's YAML, kept in the database as it was applied: listed, downloaded, and compared
measure by measure with any other version (issue 21, item 7 — the foundation of versions applied from the web).

A sync records a version when the file's text differs from the instrument's latest one; an identical text adds
none. The texts live in the database, so every web node reads them without a shared folder.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import datetime

import yaml
from sqlmodel import Session, select

from tracker import audit
from tracker.models import Instrument, InstrumentVersion


def digest(text: str) -> str:
    """The SHA-256 a version is known by."""
    return hashlib.sha256(text.encode()).hexdigest()


def record(session: Session, instrument: Instrument, text: str, *, source: str, now: datetime,
           applied_by_id: int | None = None) -> InstrumentVersion | None:
    """Add `text` as the instrument's next version unless it is the latest one already; audited."""
    printed = digest(text)
    latest = session.exec(select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument.id)
                          .order_by(InstrumentVersion.number.desc())).first()
    if latest is not None and latest.sha256 == printed:
        return None
    version = InstrumentVersion(instrument_id=instrument.id, number=(latest.number if latest else 0) + 1, text=text,
                                sha256=printed, source=source, applied_by_id=applied_by_id, applied_at=now)
    session.add(version)
    session.flush()
    audit.record(session=session, now=now, action="instrument.version", object_type="instrument",
                 object_id=instrument.key, after={"number": version.number, "source": source},
                 by=audit.Actor(user_id=applied_by_id, label=None if applied_by_id else "sync"))
    return version


#: how a version applied from the web begins its source (a sync's is «roadmaps/<file>»)
FROM_ROADMAPS = "roadmaps/"


def superseded_in_app(session: Session, key: str, text: str) -> bool:
    """Whether `text` (a file in roadmaps/) is an older version of an instrument whose latest version a person
    applied from the web: syncing it would undo their change."""
    instrument = session.exec(select(Instrument).where(Instrument.key == key)).first()
    if instrument is None or not text:
        return False
    kept = session.exec(select(InstrumentVersion.sha256, InstrumentVersion.source)  # not the texts: every sync asks
                        .where(InstrumentVersion.instrument_id == instrument.id)
                        .order_by(InstrumentVersion.number.desc())).all()
    printed = digest(text)
    return bool(kept) and not kept[0].source.startswith(FROM_ROADMAPS) and printed != kept[0].sha256 and any(
        sha256 == printed for sha256, _source in kept[1:])


def versions_of(session: Session, instrument: Instrument) -> list[InstrumentVersion]:
    """The instrument's versions, the newest first."""
    return list(session.exec(select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument.id)
                             .order_by(InstrumentVersion.number.desc())))


def version(session: Session, instrument: Instrument, number: int) -> InstrumentVersion | None:
    """One version by its number."""
    return session.exec(select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument.id,
                                                        InstrumentVersion.number == number)).first()


@dataclass(frozen=True)
class MeasureChange:
    """A measure added, retired, or changed between two versions (with the fields that changed: before, after)."""

    number: str
    kind: str  #: added | retired | changed
    fields: dict[str, tuple[object, object]]


#: the fields of a measure a comparison names, in the YAML's own words
COMPARED = ("text", "result", "deadline", "owners", "from", "heard_at_meetings")


def _measures(text: str) -> dict[str, dict]:
    data = yaml.safe_load(text) or {}
    defaults = data.get("defaults") or {}
    measures = {}
    for section in data.get("sections") or []:
        for obligation in section.get("obligations") or []:
            measures[str(obligation.get("number"))] = {
                field: obligation.get(field, defaults.get(field)) for field in COMPARED}
    return measures


def compare(older: InstrumentVersion, newer: InstrumentVersion) -> tuple[list[MeasureChange], list[str]]:
    """(measure by measure: added, retired and changed fields; the line diff of the two texts)."""
    before, after = _measures(older.text), _measures(newer.text)
    changes = []
    for number in [*before, *(n for n in after if n not in before)]:
        if number not in after:
            changes.append(MeasureChange(number, "retired", {}))
        elif number not in before:
            changes.append(MeasureChange(number, "added", {}))
        else:
            fields = {f: (before[number][f], after[number][f]) for f in COMPARED
                      if before[number][f] != after[number][f]}
            if fields:
                changes.append(MeasureChange(number, "changed", fields))
    lines = list(difflib.unified_diff(older.text.splitlines(), newer.text.splitlines(),
                                      f"v{older.number}", f"v{newer.number}", lineterm="", n=2))
    return changes, lines
