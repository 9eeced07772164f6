"""Who is who: accounts with their roles, the people of each organization, a person's calendar feeds."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, select

from tracker.models import CalendarFeed, Instrument, Membership, Organization, Secretaryship, User


def accounts_with_roles(session: Session) -> tuple[list[User], dict[int, list[tuple[str, str]]],
                                                   dict[int, list[Instrument]]]:
    """(every account by email, (organization code, role) per account, the instruments of each secretary)."""
    people = list(session.exec(select(User).order_by(User.email)))
    orgs = defaultdict(list)
    for user_id, code, role in session.exec(select(Membership.user_id, Organization.code, Membership.role)
                                            .join(Organization)):
        orgs[user_id].append((code, role))
    secretaries = defaultdict(list)
    for user_id, instrument in session.exec(select(Secretaryship.user_id, Instrument).join(Instrument)):
        secretaries[user_id].append(instrument)
    return people, orgs, secretaries


def active_people_by_organization(session: Session) -> dict[int, list[tuple[str, User]]]:
    """(role, person) of every active account, per organization id, by name."""
    people = defaultdict(list)
    for membership, user in session.exec(select(Membership, User).join(User).where(User.active).order_by(User.name)):
        people[membership.organization_id].append((membership.role, user))
    return people


def memberships_of(session: Session, organization: Organization) -> list[tuple[Membership, User]]:
    """(membership, person) of one organization, by role and name."""
    return list(session.exec(select(Membership, User).join(User)
                             .where(Membership.organization_id == organization.id)
                             .order_by(Membership.role, User.name)))


def feeds_of(session: Session, user: User) -> list[CalendarFeed]:
    """A person's calendar feeds, newest first."""
    return list(session.exec(select(CalendarFeed).where(CalendarFeed.user_id == user.id)
                             .order_by(CalendarFeed.id.desc())))
