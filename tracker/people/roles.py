"""The roles a person may hold, in the order the interface offers them, with their names."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from tracker.models import ORGANIZATION_ROLES

#: every role, as the invitation form and `mindet users --role` offer them
ROLES = (*ORGANIZATION_ROLES, "secretary", "observer", "admin")

_LABELS = {
    "focal_point": _l("Контактное лицо организации"), "alternate": _l("Заместитель"), "head": _l("Руководитель"),
    "secretary": _l("Секретарь комиссии"), "observer": _l("Наблюдатель"), "admin": _l("Администратор"),
}


def role_label(role: str) -> str:
    """A role's name in the person's language (never its code)."""
    return str(_LABELS.get(role, role))


def role_choices() -> list[tuple[str, str]]:
    """(role, its name in the person's language) for every role."""
    return [(role, _LABELS[role]) for role in ROLES]
