"""Authorization in one place: what a person may see and change. Views, the API and templates ask here, by name."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import literal, union_all
from sqlmodel import Session, select

from tracker.models import CommissionSecretaryship, GroupMembership, Instrument, Membership, Secretaryship, User

#: endpoints anyone may open without signing in
PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.invite", "auth.reset_request", "auth.reset", "health",
                    "calendar.feed", "public.index", "public.instrument", "public.evidence", "public.commission_rating",
                    "public.annual_report", "public.indicator", "public.indicator_list",
                    "open_data.index", "open_data.download",
                    "metrics",
                    "auth.second_factor"}


class NotPermitted(LookupError):
    """The person may not see or do this; the edges answer 404 (web) or a problem document (API)."""


@dataclass(frozen=True)
class Access:
    """A person's reach: roles, the organizations they act for, the instruments they are secretary of."""

    user: User | None
    is_admin: bool = False
    is_observer: bool = False
    #: organizations the person may report for: their own and the members of groups they represent
    organization_ids: frozenset[int] = field(default_factory=frozenset)
    #: instruments the person is secretary of: named one by one, or through their commissions
    secretary_of: frozenset[int] = field(default_factory=frozenset)
    #: commissions the person is secretary of (their meetings and decisions)
    commission_ids: frozenset[int] = field(default_factory=frozenset)

    def reach(self) -> tuple:
        """Everything that decides what the person may see, without who they are: two people with the same reach
        see the same page (tracker/web/kept.py)."""
        return (self.is_admin, self.is_observer, sorted(self.organization_ids), sorted(self.secretary_of),
                sorted(self.commission_ids))

    @property
    def is_secretary(self) -> bool:
        """Secretary of at least one instrument."""
        return bool(self.secretary_of)

    def can_manage_instrument(self, instrument) -> bool:
        """Judge reports, reschedule, open checkpoints: the instrument's secretaries only."""
        return instrument.id in self.secretary_of

    def can_keep_instrument(self, instrument) -> bool:
        """Apply a new version of an instrument from the web: its secretaries and administrators."""
        return self.is_admin or self.can_manage_instrument(instrument)

    def can_oversee(self, instrument_id: int) -> bool:
        """Read everything of one instrument (drafts, its audit trail, the execution report): its secretaries and
        administrators."""
        return self.is_admin or instrument_id in self.secretary_of

    def can_oversee_any(self) -> bool:
        """The overdue view, the audit trail, any organization's calendar, roadmap imports: administrators and
        secretaries."""
        return self.is_admin or self.is_secretary

    def can_review(self) -> bool:
        """The review queue: secretaries (administrators judge no instrument of their own)."""
        return self.is_secretary

    def can_run_commission(self, commission_id: int) -> bool:
        """Plan a commission's meetings, keep their agendas and record their decisions: its secretaries."""
        return commission_id in self.commission_ids

    def can_follow_commission(self, commission_id: int, instrument_ids) -> bool:
        """A commission's meetings, agendas and protocols: its secretaries, the secretaries of its instruments and
        administrators."""
        return self.is_admin or self.can_run_commission(commission_id) or bool(self.secretary_of & set(instrument_ids))

    def can_administer(self) -> bool:
        """People, organizations' hand-overs, the mail log: administrators only."""
        return self.is_admin

    def can_report(self) -> bool:
        """Acts for at least one organization: "my work"."""
        return bool(self.organization_ids)

    def can_judge_values(self, instrument, organization_id: int) -> bool:
        """Accept or return what an organization reported on an instrument: its secretaries, unless they act for
        that organization themselves."""
        return self.can_manage_instrument(instrument) and not self.can_report_for(organization_id)

    def can_report_for(self, organization_id: int) -> bool:
        """Write to a report of this organization."""
        return organization_id in self.organization_ids

    def can_read_report(self, organization_id: int, instrument_id: int) -> bool:
        """A report's notes and evidence: its organization's people, the instrument's secretaries, administrators."""
        return self.can_report_for(organization_id) or self.can_oversee(instrument_id)

    def can_follow_organization(self, organization_id: int) -> bool:
        """An organization's calendar of deadlines: its own people, secretaries and administrators."""
        return self.can_report_for(organization_id) or self.can_oversee_any()

    def can_request_information(self, instrument_id: int, party_ids) -> bool:
        """Ask an owner for information on a measure (seed 001): the instrument's secretaries and the focal points
        of its parties."""
        return instrument_id in self.secretary_of or bool(self.organization_ids & set(party_ids))

    def can_read_accepted_reports(self) -> bool:
        """What was done on any accepted report, and the evidence its reporters marked public: observers."""
        return self.is_observer

    def overdue_scope(self) -> list[int] | None:
        """The instruments whose overdue reports this person may list: None for all (administrators), their own
        instruments for secretaries; NotPermitted for anyone else."""
        if not self.can_oversee_any():
            raise NotPermitted(_("Список просроченных отчётов — для секретарей и администраторов; отчёты своей "
                                 "организации смотрите по контрольным точкам её мер (/api/v1/checkpoints/…)."))
        return None if self.is_admin else sorted(self.secretary_of)


def access_for(session: Session, user: User | None) -> Access:
    """Compute a person's Access from the database."""
    if user is None:
        return Access(None)
    return accesses_for(session, [user])[user.id]


def accesses_for(session: Session, users: list[User]) -> dict[int, Access]:
    """User id → Access for these people, read in at most three queries however many they are (a digest run
    asks for every person's)."""
    ids = [user.id for user in users]

    def grouped(rows) -> defaultdict[int, set[int]]:
        found = defaultdict(set)
        for key, value in rows:
            found[key].add(value)
        return found
    # the person's organizations, commissions and instruments in one statement (on every page a person opens)
    links = union_all(
        select(literal("organization"), Membership.user_id, Membership.organization_id)
        .where(Membership.user_id.in_(ids)),
        select(literal("commission"), CommissionSecretaryship.user_id, CommissionSecretaryship.commission_id)
        .where(CommissionSecretaryship.user_id.in_(ids)),
        select(literal("instrument"), Secretaryship.user_id, Secretaryship.instrument_id)
        .where(Secretaryship.user_id.in_(ids)))
    linked: dict[str, list[tuple[int, int]]] = {"organization": [], "commission": [], "instrument": []}
    for kind, user_id, linked_id in session.execute(links):
        linked[kind].append((user_id, linked_id))
    own, commissions, secretary_of = (grouped(linked[kind]) for kind in ("organization", "commission", "instrument"))
    acting = set().union(*own.values())
    members = grouped(session.exec(select(GroupMembership.group_id, GroupMembership.member_id)
                                   .where(GroupMembership.group_id.in_(acting)))) if acting else defaultdict(set)
    chaired = set().union(*commissions.values())
    of_commission = grouped(session.exec(select(Instrument.commission_id, Instrument.id).where(
        Instrument.commission_id.in_(chaired)))) if chaired else defaultdict(set)
    accesses = {}
    for user in users:
        organizations = own[user.id].union(*(members[org_id] for org_id in own[user.id]))
        instruments = secretary_of[user.id].union(*(of_commission[c] for c in commissions[user.id]))
        accesses[user.id] = Access(user, is_admin=user.is_admin, is_observer=user.is_observer,
                                   organization_ids=frozenset(organizations), secretary_of=frozenset(instruments),
                                   commission_ids=frozenset(commissions[user.id]))
    return accesses


def secretaries_by_instrument(session: Session) -> dict[int, list[User]]:
    """Instrument id → its active secretaries: named for it, or secretaries of its commission."""
    secretaries: dict[int, dict[int, User]] = {}
    named = select(Secretaryship.instrument_id, User).join(User, User.id == Secretaryship.user_id)
    through = (select(Instrument.id, User).join(CommissionSecretaryship,
                                                CommissionSecretaryship.commission_id == Instrument.commission_id)
               .join(User, User.id == CommissionSecretaryship.user_id))
    for query in (named, through):
        for instrument_id, user in session.exec(query.where(User.active)):
            secretaries.setdefault(instrument_id, {})[user.id] = user
    return {instrument_id: list(users.values()) for instrument_id, users in secretaries.items()}
