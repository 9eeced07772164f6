"""People: accounts, their roles, login sessions, one-time tokens and personal access tokens for the API."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from tracker.models.base import optional_timestamp, timestamp

#: roles a person may hold in an organization; all of them may report for it
ORGANIZATION_ROLES = ("focal_point", "alternate", "head")


class User(SQLModel, table=True):
    """A person who signs in. Roles: administrator, observer (flags), secretary, focal point (link tables)."""

    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    password_hash: str | None = Field(default=None, max_length=255)
    language: str = Field(default="ru", max_length=8)
    #: digest by email: quarterly (default), monthly or none
    digest_frequency: str = Field(default="quarterly", max_length=16)
    #: stored as `active`; Flask-Login's `is_active` is a property on top of it
    active: bool = True
    is_admin: bool = False
    is_observer: bool = False
    #: failed logins in a row from any address, and until when the account refuses passwords from addresses it was
    #: never signed in from (people.throttle: a stranger's guesses never hold the owner back on a known address)
    failed_logins: int = 0
    locked_until: datetime | None = optional_timestamp()
    last_login_at: datetime | None = optional_timestamp()
    created_at: datetime = timestamp()
    #: two-factor sign-in (people.two_factor): the TOTP secret (base32), set at enrolment and used once confirmed
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_enabled_at: datetime | None = optional_timestamp()
    #: the last time step whose code was accepted: a code is never accepted twice
    totp_last_step: int | None = None

    # Flask-Login's protocol, written out: UserMixin's `is_active` would clash with a column of that name.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(SQLModel, table=True):
    """A person's role in an organization: focal point, alternate or head."""

    __table_args__ = (UniqueConstraint("user_id", "organization_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    role: str = Field(default="focal_point", max_length=16)
    created_at: datetime = timestamp()


class Secretaryship(SQLModel, table=True):
    """A person is secretary of an instrument (of its commission)."""

    __table_args__ = (UniqueConstraint("user_id", "instrument_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    instrument_id: int = Field(foreign_key="instrument.id", index=True)
    created_at: datetime = timestamp()


class CommissionSecretaryship(SQLModel, table=True):
    """A person is secretary of a commission: of all its instruments, and of its meetings."""

    __tablename__ = "commission_secretaryship"
    __table_args__ = (UniqueConstraint("user_id", "commission_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    commission_id: int = Field(foreign_key="commission.id", index=True)
    created_at: datetime = timestamp()


class LoginThrottle(SQLModel, table=True):
    """Sign-in failures of one account from one address, and its back-off (shared by every web worker and node)."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("user_id", "address"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    address: str = Field(max_length=64)
    failures: int = 0  #: wrong passwords in a row from this address
    locked_until: datetime | None = optional_timestamp()
    #: the account signed in successfully from this address once: a known address
    known: bool = False
    last_failure_at: datetime | None = optional_timestamp()


class LoginSession(SQLModel, table=True):
    """A server-side login: the cookie carries its token; logout or expiry revokes it for every copy."""

    __tablename__ = "login_session"
    id: int | None = Field(default=None, primary_key=True)
    #: sha256 of the random token kept in the signed cookie
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = timestamp()
    last_seen_at: datetime = timestamp()
    revoked_at: datetime | None = optional_timestamp()
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=255)


class OneTimeToken(SQLModel, table=True):
    """An invitation or password-reset link: single use, expires."""

    __tablename__ = "one_time_token"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # invite | reset
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    used_at: datetime | None = optional_timestamp()


class CalendarFeed(SQLModel, table=True):
    """A secret calendar (ICS) address of a person: their checkpoints, an organization's or an instrument's.

    Only a hash of the token is kept; revoking it ends the address for every calendar that subscribed.
    """

    __tablename__ = "calendar_feed"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    #: user | organization | instrument
    scope: str = Field(max_length=16)
    #: the organization code or instrument key (None for "user")
    scope_key: str | None = Field(default=None, max_length=160)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = timestamp()
    revoked_at: datetime | None = optional_timestamp()
    last_used_at: datetime | None = optional_timestamp()


#: what a personal access token may do: read only, or read and write (status updates, verification)
class RecoveryCode(SQLModel, table=True):
    """A single-use code that signs in instead of the authenticator app; kept as its SHA-256 (it is random)."""

    __tablename__ = "recovery_code"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = optional_timestamp()


TOKEN_SCOPES = ("read", "write")


class ApiToken(SQLModel, table=True):
    """A personal access token for the JSON API: stored as its SHA-256 only, shown once when created."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    name: str = Field(max_length=80)
    #: the token's first characters, to tell tokens apart in lists (not enough to use it)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    scope: str = Field(max_length=8)
    created_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    revoked_at: datetime | None = optional_timestamp()
    last_used_at: datetime | None = optional_timestamp()
