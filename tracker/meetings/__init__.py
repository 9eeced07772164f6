"""A commission's meetings: agendas drafted from what needs the commission, decisions written back, documents."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

_LEVELS = {"republican": _l("республиканская"), "regional": _l("региональная"), "industry": _l("отраслевая")}
_STATUSES = {"planned": _l("запланировано"), "held": _l("проведено"), "cancelled": _l("отменено")}


def level_label(level: str) -> str:
    """A commission's level in the person's language."""
    return str(_LEVELS.get(level, level))


def meeting_status(status: str) -> str:
    """A meeting's state in the person's language."""
    return str(_STATUSES.get(status, status))
