"""Finding a measure: by its number, by words of its text (Russian morphology on PostgreSQL, word prefixes on
SQLite) or by an owner's code, alias or name — across the live instruments."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import and_, false, func
from sqlmodel import Session, select

from tracker.catalog.pickers import match_organizations
from tracker.models import Instrument, Obligation, ObligationOwner, Section, is_live

LIMIT = 50
_NUMBER = re.compile(r"^(?:мера\s*|п\.?\s*|№\s*)?(\d+(?:\.\d+)*)\.?$")


@dataclass(frozen=True)
class Hit:
    """A measure found, with where it is."""

    obligation: Obligation
    section: Section
    instrument: Instrument
    why: str  # "number" | "owner" | "text"


def _stem(word: str) -> str:
    # without a morphological dictionary (SQLite), a prefix finds the other forms: "занятости" → "занятос"
    return word[: max(4, len(word) - 2)] if len(word) > 4 else word


def _text_match(session: Session, query: str):
    if session.get_bind().dialect.name == "postgresql":
        return func.to_tsvector("russian", Obligation.text).op("@@")(func.plainto_tsquery("russian", query))
    plain = re.sub(r"[.,;:«»\"'()]", " ", query.casefold().replace("ё", "е"))
    words = [_stem(word) for word in plain.split() if len(word) > 1]
    if not words:
        return false()
    return and_(*[func.mindet_casefold(Obligation.text).contains(word, autoescape=True) for word in words])


def search(session: Session, query: str) -> list[Hit]:
    """Up to LIMIT measures for `query`: number matches first, then owners, then text; each measure once."""
    query = " ".join((query or "").split())[:200]
    if not query:
        return []
    base = (select(Obligation, Section, Instrument).join(Section, Section.id == Obligation.section_id)
            .join(Instrument, Instrument.id == Obligation.instrument_id)
            .where(is_live(Obligation), is_live(Instrument)))
    order = (Instrument.key, Section.position, Obligation.position)
    hits: dict[int, Hit] = {}

    def add(rows, why):
        for obligation, section, instrument in rows:
            hits.setdefault(obligation.id, Hit(obligation, section, instrument, why))

    if number := _NUMBER.match(query.lower()):
        add(session.exec(base.where(Obligation.number == number[1]).order_by(*order)), "number")
    owners = match_organizations(session, query)
    if owners.found and len(owners.organizations) <= 3:
        owned = select(ObligationOwner.obligation_id).where(ObligationOwner.organization_id.in_(owners.ids))
        add(session.exec(base.where(Obligation.id.in_(owned)).order_by(*order).limit(LIMIT)), "owner")
    if len(hits) < LIMIT and len(query) > 2:
        add(session.exec(base.where(_text_match(session, query)).order_by(*order).limit(LIMIT)), "text")
    return list(hits.values())[:LIMIT]
