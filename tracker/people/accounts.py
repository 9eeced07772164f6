"""Accounts: creation, roles, login with a back-off kept in the database, server-side sessions, one-time links."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import update
from sqlmodel import Session, select

from tracker import audit
from tracker.models import (
    Commission,
    CommissionSecretaryship,
    Instrument,
    LoginSession,
    Membership,
    OneTimeToken,
    Organization,
    Secretaryship,
    User,
    is_live,
)
from tracker.people import passwords, throttle, two_factor
from tracker.people.roles import ROLES

TOKEN_LIFETIME = timedelta(hours=72)


class AccountError(ValueError):
    """A refused account operation; the message is safe to show."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively."""
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    """The account with this email, if any."""
    return session.exec(select(User).where(User.email == normalize_email(email))).first()


def get_user(session: Session, user_id: int) -> User:
    """The account with this id."""
    return session.get(User, user_id)


def user_snapshot(session: Session, user: User) -> dict:
    """What the audit trail records of an account: flags, organizations with roles, instruments."""
    orgs = session.exec(select(Organization.code, Membership.role).join(Membership)
                        .where(Membership.user_id == user.id).order_by(Organization.code)).all()
    keys = session.exec(select(Instrument.key).join(Secretaryship).where(Secretaryship.user_id == user.id)
                        .order_by(Instrument.key)).all()
    commissions = session.exec(select(Commission.key).join(CommissionSecretaryship)
                               .where(CommissionSecretaryship.user_id == user.id).order_by(Commission.key)).all()
    return {"email": user.email, "name": user.name, "active": user.active, "is_admin": user.is_admin,
            "is_observer": user.is_observer, "organizations": [f"{c}:{r}" for c, r in orgs], "instruments": keys,
            "commissions": commissions}


@dataclass(frozen=True)
class Grant:
    """A role and where it holds: organizations (focal point, alternate, head); commissions or single instruments
    (secretary: a commission's secretary keeps all its instruments)."""

    role: str
    organizations: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    commissions: tuple[str, ...] = ()


def set_roles(*, session: Session, user: User, grant: Grant) -> None:
    """Give `user` a role; organization roles need --org codes, secretaries --commission or --instrument keys."""
    if grant.role not in ROLES:
        raise AccountError(f"unknown role {grant.role!r}; one of {', '.join(ROLES)}")
    if grant.role == "admin":
        user.is_admin = True
    elif grant.role == "observer":
        user.is_observer = True
    elif grant.role == "secretary":
        _make_secretary(session, user, grant.instruments, grant.commissions)
    else:
        _give_organization_role(session, user, grant.role, grant.organizations)
    session.flush()


def _make_secretary(session: Session, user: User, instrument_keys: list[str], commission_keys: list[str]) -> None:
    if not instrument_keys and not commission_keys:
        raise AccountError("a secretary needs a commission (--commission KEY: all its instruments) or at least one "
                           "instrument (--instrument KEY)")
    for key in commission_keys:
        commission = session.exec(select(Commission).where(Commission.key == key, is_live(Commission))).first()
        if commission is None:
            known = ", ".join(session.exec(select(Commission.key).where(is_live(Commission)))) or "none"
            raise AccountError(f"unknown commission {key!r} (known: {known})")
        if not session.exec(select(CommissionSecretaryship).where(
                CommissionSecretaryship.user_id == user.id,
                CommissionSecretaryship.commission_id == commission.id)).first():
            session.add(CommissionSecretaryship(user_id=user.id, commission_id=commission.id))
    for key in instrument_keys:
        instrument = session.exec(select(Instrument).where(Instrument.key == key)).first()
        if instrument is None:
            raise AccountError(f"unknown instrument {key!r}")
        if not session.exec(select(Secretaryship).where(Secretaryship.user_id == user.id,
                                                        Secretaryship.instrument_id == instrument.id)).first():
            session.add(Secretaryship(user_id=user.id, instrument_id=instrument.id))


def _give_organization_role(session: Session, user: User, role: str, org_codes: list[str]) -> None:
    if not org_codes:
        raise AccountError(f"a {role} needs at least one organization (--org CODE)")
    for code in org_codes:
        org = session.exec(select(Organization).where(Organization.code == code)).first()
        if org is None:
            raise AccountError(f"unknown organization {code!r}")
        membership = session.exec(select(Membership).where(Membership.user_id == user.id,
                                                           Membership.organization_id == org.id)).first()
        if membership is None:
            session.add(Membership(user_id=user.id, organization_id=org.id, role=role))
        else:
            membership.role = role


def create_user(*, session: Session, email: str, name: str, grant: Grant, now: datetime,
                password: str | None = None, language: str = "ru", by: audit.Actor | None = None) -> User:
    """Create an account with one role (more can be added); audited. Refuses a taken email or weak password."""
    try:
        email = normalize_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise AccountError(f"not an email address: {exc}") from exc
    if find_user(session, email):
        raise AccountError(f"an account for {email} already exists")
    if password is not None:
        passwords.check_policy(password, email=email)
    user = User(email=email, name=name or email, language=language, created_at=now,
                password_hash=passwords.hash_password(password) if password else None)
    session.add(user)
    session.flush()
    set_roles(session=session, user=user, grant=grant)
    audit.record(session=session, now=now, action="user.create", object_type="user", object_id=str(user.id),
                 after=user_snapshot(session, user),
                 by=by)
    return user


def authenticate(*, session: Session, email: str, password: str, now: datetime, ip: str | None) -> User | None:
    """The user if the password is right and the account is not locked; every attempt is audited."""
    user = find_user(session, email)
    if user is None:
        passwords.verify(None, password)
        audit.record(session=session, now=now, action="login.failed", object_type="user",
                     after={"email": normalize_email(email), "reason": "unknown account"}, by=audit.Actor(ip=ip))
        return None
    address = (ip or "-")[:64]
    if (why := throttle.refusal(session, user, address, now)) is not None:
        passwords.verify(None, password)  # the same time as a real check: a lock is not told by timing
        audit.record(session=session, now=now, action="login.failed", object_type="user", object_id=str(user.id),
                     after={"reason": f"locked for this {why}"}, by=audit.Actor(ip=ip))
        return None
    ok, new_hash = passwords.verify(user.password_hash, password)
    if not ok or not user.active:
        pair = throttle.record_failure(session, user, address, now)
        audit.record(session=session, now=now, action="login.failed", object_type="user", object_id=str(user.id),
                     after={"failed_logins": pair.failures, "locked_until": pair.locked_until,
                            "reason": "inactive" if ok else "wrong password"}, by=audit.Actor(ip=ip))
        return None
    if new_hash:
        user.password_hash = new_hash
    if not two_factor.is_enabled(user):  # with a second factor, the back-off ends only when the code is right too
        throttle.record_success(session, user, address)
    user.last_login_at = now
    audit.record(session=session, now=now, action="login", object_type="user", object_id=str(user.id),
                 by=audit.Actor(user_id=user.id, ip=ip))
    return user


def start_session(*, session: Session, user: User, now: datetime, ip: str | None, user_agent: str | None) -> str:
    """Open a server-side login session; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(token_hash=_digest(token), user_id=user.id, created_at=now, last_seen_at=now,
                             ip=ip, user_agent=(user_agent or "")[:255]))
    return token


def resolve_session(*, session: Session, token: str | None, user_id: int, now: datetime, idle: timedelta,
                    absolute: timedelta) -> User | None:
    """The user of a live session: not revoked, not idle too long, not older than the absolute limit."""
    if not token:
        return None
    # the session and its person in one statement: this runs before every page a signed-in person opens
    found = session.exec(select(LoginSession, User).join(User, User.id == LoginSession.user_id)
                         .where(LoginSession.token_hash == _digest(token))).first()
    if found is None:
        return None
    row, user = found
    if row.user_id != user_id or row.revoked_at is not None:
        return None
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        row.revoked_at = now
        return None
    if not user.active:
        return None
    if now - row.last_seen_at > timedelta(minutes=1):  # one write a minute, not one per request
        row.last_seen_at = now
    return user


def sign_out(*, session: Session, user: User, token: str | None, now: datetime, ip: str | None) -> None:
    """Revoke the session (every copy of its cookie stops working). Audited."""
    if token:
        session.execute(update(LoginSession).where(LoginSession.token_hash == _digest(token),
                                                   LoginSession.revoked_at.is_(None)).values(revoked_at=now))
    audit.record(session=session, now=now, action="logout", object_type="user", object_id=str(user.id),
                 by=audit.Actor(user_id=user.id, ip=ip))


def end_all_sessions(*, session: Session, user: User, now: datetime) -> None:
    """Revoke every session of a user (password change, deactivation, handover)."""
    session.execute(update(LoginSession).where(LoginSession.user_id == user.id,
                                               LoginSession.revoked_at.is_(None)).values(revoked_at=now))


def issue_token(*, session: Session, user: User, kind: str, now: datetime, created_by: User | None = None) -> str:
    """A single-use link token (invite or reset) valid for 72 hours; earlier unused ones of the kind are voided."""
    session.execute(update(OneTimeToken).where(OneTimeToken.user_id == user.id, OneTimeToken.kind == kind,
                                               OneTimeToken.used_at.is_(None)).values(used_at=now))
    token = secrets.token_urlsafe(32)
    session.add(OneTimeToken(kind=kind, token_hash=_digest(token), user_id=user.id, created_at=now,
                             expires_at=now + TOKEN_LIFETIME, created_by_id=created_by.id if created_by else None))
    audit.record(session=session, now=now, action=f"token.{kind}", object_type="user", object_id=str(user.id),
                 by=audit.Actor(user_id=created_by.id if created_by else None))
    return token


def peek_token(*, session: Session, token: str, kind: str, now: datetime) -> OneTimeToken | None:
    """The token row if it is of this kind, unused and not expired."""
    row = session.exec(select(OneTimeToken).where(OneTimeToken.token_hash == _digest(token),
                                                  OneTimeToken.kind == kind)).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def redeem_token(*, session: Session, token: str, kind: str, password: str, now: datetime,
                 ip: str | None) -> User:
    """Set the password through a one-time link; the link is spent even if two requests race."""
    row = peek_token(session=session, token=token, kind=kind, now=now)
    if row is None:
        raise AccountError("link expired or already used")
    user = session.get(User, row.user_id)
    passwords.check_policy(password, email=user.email)
    spent = session.execute(update(OneTimeToken).where(OneTimeToken.id == row.id, OneTimeToken.used_at.is_(None))
                            .values(used_at=now))
    if spent.rowcount != 1:
        raise AccountError("link expired or already used")
    user.password_hash = passwords.hash_password(password)
    throttle.forget(session, user)
    end_all_sessions(session=session, user=user, now=now)
    audit.record(session=session, now=now, action=f"password.set_by_{kind}", object_type="user",
                 object_id=str(user.id), by=audit.Actor(user_id=user.id, ip=ip))
    return user


def hand_over(*, session: Session, organization: Organization, from_user: User, to_email: str, to_name: str | None,
              now: datetime, actor: User, ip: str | None) -> tuple[User, bool]:
    """Move a departing person's role in an organization to another person (invited if new): (person, is_new)."""
    membership = session.exec(select(Membership).where(Membership.user_id == from_user.id,
                                                       Membership.organization_id == organization.id)).first()
    if membership is None:
        raise AccountError(f"{from_user.email} holds no role in {organization.code}")
    to_user = find_user(session, to_email)
    is_new = to_user is None
    if is_new:
        to_user = create_user(session=session, email=to_email, name=to_name or to_email,
                              grant=Grant(membership.role, organizations=(organization.code,)), now=now,
                              by=audit.Actor(user_id=actor.id, ip=ip))
    elif to_user.id == from_user.id:
        raise AccountError("the organization is already with this person")
    else:
        set_roles(session=session, user=to_user, grant=Grant(membership.role, organizations=(organization.code,)))
    session.delete(membership)
    audit.record(session=session, now=now, action="organization.handover", object_type="organization",
                 object_id=organization.code, organization_id=organization.id,
                 before={"person": from_user.email, "role": membership.role},
                 after={"person": to_user.email, "role": membership.role}, by=audit.Actor(user_id=actor.id, ip=ip))
    return to_user, is_new


def update_flags(*, session: Session, user: User, active: bool, is_admin: bool, is_observer: bool, now: datetime,
                 by: audit.Actor) -> None:
    """An administrator changes an account's flags; a deactivated account is signed out everywhere. Audited."""
    before = user_snapshot(session, user)
    user.active, user.is_admin, user.is_observer = active, is_admin, is_observer
    if not user.active:
        end_all_sessions(session=session, user=user, now=now)
    audit.record(session=session, now=now, action="user.update", object_type="user", object_id=str(user.id),
                 before=before, after=user_snapshot(session, user), by=by)


#: what a person may change on their own account page
OWN_SETTINGS = ("name", "language", "digest_frequency")


def update_own_settings(*, session: Session, user: User, values: dict, now: datetime, by: audit.Actor) -> None:
    """A person changes their name, language or digest frequency. Audited."""
    before = {f: getattr(user, f) for f in OWN_SETTINGS}
    for name in OWN_SETTINGS:
        setattr(user, name, values[name])
    audit.record(session=session, now=now, action="user.settings", object_type="user", object_id=str(user.id),
                 before=before, after={f: getattr(user, f) for f in OWN_SETTINGS}, by=by)
