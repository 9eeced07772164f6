"""A new or amended instrument applied from the web by its secretariat (issue 21, item 7): the YAML (from the Word
import's draft, a file, or the current version edited in the page) is checked against organizations.yaml, what
applying it would change is shown first — measures added, changed, retired; deadlines moved; owners changed;
reports that move with their checkpoints — and then it is applied in one transaction, citing its source (the
protocol that approved it), as the instrument's next version. The same text synced from roadmaps/ gives the same
database: both go through the one sync.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlmodel import Session, select

from tracker import audit
from tracker.catalog import versions
from tracker.catalog.loader import Problem, catalog_of_one
from tracker.catalog.sync import SyncSummary, sync_catalog
from tracker.models import Instrument, InstrumentVersion, User
from tracker.people.permissions import Access


class ApplyError(ValueError):
    """A version that cannot be applied: the message says why and what to do."""


@dataclass
class Preview:
    """What applying a text would do: its problems, or the measures it changes and what the sync would write."""

    key: str
    problems: list[Problem] = field(default_factory=list)
    changes: list[versions.MeasureChange] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    is_new: bool = False

    @property
    def can_apply(self) -> bool:
        """No problem found, and something to change."""
        return not self.problems and (self.is_new or any(
            n for kind in self.counts.values() for outcome, n in kind.items() if outcome != "unchanged"))


#: what an instrument key may be (format.py's rule): it names a file, so nothing else may reach the disk
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,98}[a-z0-9]$")
UNREADABLE_KEY = lazy_gettext("не удалось прочитать ключ документа (instrument: key:) — латиница, цифры и дефисы")


def key_of(text: str) -> str | None:
    """The instrument key the YAML names, if it can be read and is a valid key."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    instrument = data.get("instrument") if isinstance(data, dict) else None
    key = instrument.get("key") if isinstance(instrument, dict) else None
    return key if isinstance(key, str) and KEY.match(key) else None


def may_apply(access: Access, instrument: Instrument | None) -> bool:
    """A secretary of the instrument, or an administrator; a new instrument: any secretary or an administrator."""
    return access.can_oversee_any() if instrument is None else access.can_keep_instrument(instrument)


def preview(session: Session, roadmaps_dir: Path, text: str, now: datetime) -> Preview:
    """Check the text and run the sync it would make in a savepoint that is rolled back: nothing is written."""
    key = key_of(text)
    if key is None:
        return Preview("", [Problem("YAML", str(UNREADABLE_KEY))])
    catalog = catalog_of_one(roadmaps_dir, f"{key}.yaml", text)
    instrument = session.exec(select(Instrument).where(Instrument.key == key)).first()
    result = Preview(key, list(catalog.problems), is_new=instrument is None)
    if result.problems:
        return result
    kept = versions.versions_of(session, instrument) if instrument is not None else []
    if kept:
        latest = kept[0]
        result.changes, _lines = versions.compare(latest, InstrumentVersion(number=latest.number + 1, text=text,
                                                                            instrument_id=instrument.id, sha256="",
                                                                            source=""))
    with session.begin_nested() as savepoint:
        summary = sync_catalog(session=session, catalog=catalog, now=now, partial=True)
        savepoint.rollback()
    result.counts = _counts(summary)
    return result


def _counts(summary: SyncSummary) -> dict[str, dict[str, int]]:
    return {kind: dict(counts) for kind, counts in summary.counts.items()
            if kind not in ("organizations", "commissions")}


def apply(*, session: Session, roadmaps_dir: Path, text: str, source: str, actor: User, access: Access,
          now: datetime, ip: str | None = None) -> tuple[InstrumentVersion, dict]:
    """Apply the text as the instrument's next version (the caller commits): the sync of that one instrument, its
    audit rows naming the person, the version citing `source`."""
    key = key_of(text)
    if key is None:
        raise ApplyError(str(UNREADABLE_KEY))
    instrument = session.exec(select(Instrument).where(Instrument.key == key)).first()
    if not may_apply(access, instrument):
        raise ApplyError(_("Применить версию может секретарь этого документа или администратор."))
    source = (source or "").strip()
    if not source:
        raise ApplyError(_("Укажите основание: документ, который утвердил эту версию (например, протокол РТК)."))
    if instrument is not None and (kept := versions.versions_of(session, instrument)) and \
            kept[0].sha256 == versions.digest(text):
        raise ApplyError(_("Эта версия уже применена: изменений нет."))
    catalog = catalog_of_one(roadmaps_dir, f"{key}.yaml", text)
    if catalog.problems:
        raise ApplyError(_("В версии есть ошибки (%(n)d): исправьте их и проверьте снова.", n=len(catalog.problems)))
    summary = sync_catalog(session=session, catalog=catalog, now=now, partial=True,
                           applied_by=audit.Actor(user_id=actor.id, ip=ip), source=source)
    instrument = session.exec(select(Instrument).where(Instrument.key == key)).one()
    return versions.versions_of(session, instrument)[0], _counts(summary)
