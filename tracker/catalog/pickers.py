"""What people type into filters, understood: organizations by code, alias or name (Russian or Kazakh, any case,
Latin look-alike letters), groups standing for their members, and periods written the way people write them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session

from tracker.catalog.lookups import group_members, live_organizations
from tracker.models import Organization

#: Latin letters typed for the Cyrillic ones they look like ("MЮ" with a Latin M is МЮ)
_LOOK_ALIKES = str.maketrans("abcehkmoptxyABCEHKMOPTXY", "авсенкмортхуАВСЕНКМОРТХУ")


def normalized(text: str) -> str:
    """Lower case, Cyrillic for Latin look-alikes, no dots or quotes, single spaces."""
    text = (text or "").translate(_LOOK_ALIKES).casefold().replace("ё", "е")
    return " ".join(re.sub(r"[.,«»\"'()]", " ", text).split())


@dataclass(frozen=True)
class OrganizationMatch:
    """What a typed organization filter stands for: the organizations it names and the ids to filter by (a group
    brings its members)."""

    text: str
    organizations: list[Organization]
    ids: frozenset[int]

    @property
    def found(self) -> bool:
        """Whether the text named any organization."""
        return bool(self.organizations)


def match_organizations(session: Session, text: str) -> OrganizationMatch:
    """The organizations a person meant: an exact code or alias first; else every one whose code, alias or
    Russian or Kazakh name contains all the words typed."""
    wanted = normalized(text)
    organizations = live_organizations(session)
    exact = [o for o in organizations if wanted in {normalized(o.code), *map(normalized, o.aliases or [])}]
    if exact:
        chosen = exact
    else:
        words = wanted.split()

        def haystack(o: Organization) -> str:
            return normalized(" ".join([o.code, *(o.aliases or []), o.name_ru, o.name_kk or "", o.name_en or ""]))
        chosen = [o for o in organizations if words and all(word in haystack(o) for word in words)]
    ids = {o.id for o in chosen}
    for group in (o for o in chosen if o.is_group):
        ids |= {member.id for member in group_members(session, group)}
    return OrganizationMatch(text=text, organizations=chosen, ids=frozenset(ids))


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_QUARTER_FORMS = (
    re.compile(r"^(?P<year>\d{4})\s*-?\s*[qк]\s*(?P<n>[1-4])$"),                    # 2025-Q1, 2025q1, 2025 к1
    re.compile(r"^[qк]\s*(?P<n>[1-4])\s*-?\s*(?P<year>\d{4})$"),                    # Q1 2025
    re.compile(r"^(?P<n>i{1,3}|iv|[1-4])\s*(?:-?й\s*)?(?:кв|квартал|тоқсан|quarter)\w*\s*(?P<year>\d{4})"
               r"(?:\s*(?:г|года|год|ж|жыл)\w*)?$"),                                  # I кв. 2025, 1 квартал 2025 г.
)


def parse_period(text: str) -> str | None:
    """The period label a person meant ("2025-Q1", "2025-H2", "2025", "2025-03", "2024-2026"), or None when the
    text is not a period."""
    value = normalized(text).replace("–", "-")
    for form in _QUARTER_FORMS:
        if match := form.match(value):
            return f"{match['year']}-Q{_ROMAN[match['n']]}"
    if match := re.fullmatch(r"(\d{4})\s*-?\s*(?:h|н|п)\s*([12])", value):
        return f"{match[1]}-H{match[2]}"
    if match := re.fullmatch(r"(\d{4})\s*-\s*(0[1-9]|1[0-2])", value):
        return f"{match[1]}-{match[2]}"
    if match := re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?(?:\s*(?:г|года|год|ж|жыл)\w*)?", value):
        return f"{match[1]}-{match[2]}" if match[2] else match[1]
    return None
