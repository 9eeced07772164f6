"""Personal access tokens for the JSON API: created (shown once), listed, revoked, and checked on every request.

A token is 32 random bytes; only its SHA-256 is stored (a token is not a password: it is long and random, so a
fast hash is enough, as with GitHub's). Expired and revoked tokens fail at once; every change is audited.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from tracker import audit
from tracker.models import TOKEN_SCOPES, ApiToken, User

#: every token starts with this, so that secret scanners and people recognise one
PREFIX = "mdt_"
#: how long a token lives unless told otherwise, and at most
DEFAULT_DAYS, MAX_DAYS = 90, 366


class TokenError(ValueError):
    """A refused token operation; the message is safe to show."""


@dataclass(frozen=True)
class Issued:
    """A new token: its row and the secret, which is shown this once and never again."""

    token: ApiToken
    secret: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(*, session: Session, user: User, name: str, scope: str, days: int, now: datetime,
                 by: audit.Actor) -> Issued:
    """A new token for `user` (flushed, audited; the caller commits)."""
    name = " ".join(name.split())
    if not name or len(name) > 80:
        raise TokenError("Give the token a name of 1 to 80 characters (what uses it).")
    if scope not in TOKEN_SCOPES:
        raise TokenError(f"Unknown scope {scope!r}: use read or write.")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"A token lives 1 to {MAX_DAYS} days.")
    if not user.active:
        raise TokenError("This account is deactivated; it cannot have tokens.")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:10], token_hash=_digest(secret), scope=scope,
                     created_at=now, expires_at=now + timedelta(days=days))
    session.add(token)
    session.flush()
    audit.record(session=session, now=now, action="token.create", object_type="api_token", object_id=str(token.id),
                 after={"user_id": user.id, "name": name, "scope": scope, "expires_at": token.expires_at}, by=by)
    return Issued(token, secret)


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """A person's tokens, newest first (revoked and expired ones included, marked as such by their dates)."""
    return list(session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_token(*, session: Session, token_id: int, owner: User | None, now: datetime, by: audit.Actor) -> ApiToken:
    """Revoke a token at once; `owner` set: only that person's own token (None: an operator, any token)."""
    token = session.get(ApiToken, token_id)
    if token is None or (owner is not None and token.user_id != owner.id):
        raise TokenError(f"No token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = now
        audit.record(session=session, now=now, action="token.revoke", object_type="api_token",
                     object_id=str(token.id), before={"name": token.name, "scope": token.scope}, by=by)
    return token


def holder(session: Session, secret: str, now: datetime) -> tuple[User, ApiToken] | None:
    """The person and token behind `secret`, or None if it is unknown, revoked, expired or its owner inactive;
    nothing written."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    found = session.exec(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                         .where(ApiToken.token_hash == _digest(secret))).first()
    if found is None:
        return None
    token, user = found
    if token.revoked_at is not None or token.expires_at <= now or not user.active:
        return None
    return user, token


def authenticate(session: Session, secret: str, now: datetime) -> tuple[User, ApiToken] | None:
    """The person and token behind `secret` (see holder), its last use noted."""
    found = holder(session, secret, now)
    if found is None:
        return None
    user, token = found
    # at most one write a minute per token: a busy integration must not write on every request
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return user, token
