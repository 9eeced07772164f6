"""Finding catalog objects by key or id, and the short lists that pages offer as choices."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case
from sqlmodel import Session, select

from tracker.models import (
    Checkpoint,
    Commission,
    GroupMembership,
    Indicator,
    Instrument,
    Obligation,
    Organization,
    Section,
    is_live,
)


def live_instrument(session: Session, key: str) -> Instrument | None:
    """The instrument with this key, unless it has left the roadmaps."""
    return session.exec(select(Instrument).where(Instrument.key == key, is_live(Instrument))).first()


def live_instruments(session: Session) -> list[Instrument]:
    """Every instrument still in the roadmaps, by key."""
    return list(session.exec(select(Instrument).where(is_live(Instrument)).order_by(Instrument.key)))


def instruments_by(session: Session, ids) -> list[Instrument]:
    """The instruments with these ids, by key."""
    return list(session.exec(select(Instrument).where(Instrument.id.in_(list(ids))).order_by(Instrument.key)))


def live_commissions(session: Session) -> list[Commission]:
    """Every commission still in organizations.yaml: the republican one first, then regional, then industry."""
    order = case((Commission.level == "republican", 0), (Commission.level == "regional", 1), else_=2)
    return list(session.exec(select(Commission).where(is_live(Commission)).order_by(order, Commission.key)))


def first_valid_from(session: Session, default: date) -> date:
    """The earliest start of validity among live instruments (`default` if there is none)."""
    return min(session.exec(select(Instrument.valid_from).where(is_live(Instrument))).all(), default=default)


def live_sections(session: Session, instrument: Instrument) -> list[Section]:
    """The instrument's live sections in document order."""
    return list(session.exec(select(Section).where(Section.instrument_id == instrument.id, is_live(Section))
                             .order_by(Section.position)))


def section_numbers(session: Session, instrument_key: str) -> list[str]:
    """The section numbers of an instrument, in document order (for the section filter)."""
    return list(session.exec(select(Section.number).join(Instrument).where(Instrument.key == instrument_key)
                             .order_by(Section.position)))


def obligation_by_key(session: Session, key: str) -> Obligation | None:
    """The obligation with this key, retired or not (its history stays readable)."""
    return session.exec(select(Obligation).where(Obligation.key == key)).first()


def indicator_by_key(session: Session, key: str) -> Indicator | None:
    """An indicator by its key ("<instrument>/<key>"), retired or not."""
    return session.exec(select(Indicator).where(Indicator.key == key)).first()


def obligation_with_instrument(session: Session, key: str) -> tuple[Obligation, Instrument] | None:
    """(obligation, instrument) for a key, when the instrument is live."""
    return session.exec(select(Obligation, Instrument).join(Instrument, Instrument.id == Obligation.instrument_id)
                        .where(Obligation.key == key, is_live(Instrument))).first()


def checkpoint_with_context(session: Session, checkpoint_id: int):
    """(checkpoint, obligation, instrument, section) for an id, when the instrument is live."""
    return session.exec(
        select(Checkpoint, Obligation, Instrument, Section).join(Obligation, Obligation.id == Checkpoint.obligation_id)
        .join(Instrument, Instrument.id == Obligation.instrument_id).join(Section, Section.id == Obligation.section_id)
        .where(Checkpoint.id == checkpoint_id, is_live(Instrument))).first()


def obligation_with_context(session: Session, key: str):
    """(obligation, instrument, section) for a key, retired or not, when the instrument is live."""
    return session.exec(
        select(Obligation, Instrument, Section).join(Instrument, Instrument.id == Obligation.instrument_id)
        .join(Section, Section.id == Obligation.section_id).where(Obligation.key == key, is_live(Instrument))).first()


def organization_by_code(session: Session, code: str) -> Organization | None:
    """The organization with this code."""
    return session.exec(select(Organization).where(Organization.code == code)).first()


def organizations_by(session: Session, *, ids=None, codes=None) -> list[Organization]:
    """The organizations with these ids or codes, by code."""
    query = select(Organization).order_by(Organization.code)
    if ids is not None:
        query = query.where(Organization.id.in_(list(ids)))
    if codes is not None:
        query = query.where(Organization.code.in_(list(codes)))
    return list(session.exec(query))


def live_organizations(session: Session) -> list[Organization]:
    """Every organization still in organizations.yaml, by kind and code."""
    return list(session.exec(select(Organization).where(is_live(Organization))
                             .order_by(Organization.kind, Organization.code)))


def group_members(session: Session, group: Organization) -> list[Organization]:
    """The members of a group, in the order of organizations.yaml."""
    return list(session.exec(select(Organization).join(GroupMembership, GroupMembership.member_id == Organization.id)
                             .where(GroupMembership.group_id == group.id).order_by(GroupMembership.position)))


def groups_of(session: Session, member: Organization) -> list[Organization]:
    """The groups an organization belongs to."""
    return list(session.exec(select(Organization).join(GroupMembership, GroupMembership.group_id == Organization.id)
                             .where(GroupMembership.member_id == member.id)))


def names_by_key(session: Session, model) -> dict[str, str]:
    """Every instrument's title (or commission's name) in Russian by its key, retired ones included: what the audit
    trail recorded as keys, said as names."""
    column = model.title_ru if model is Instrument else model.name_ru
    return dict(session.exec(select(model.key, column)).all())
