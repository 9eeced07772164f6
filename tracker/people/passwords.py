"""Passwords: Argon2id hashes, rehash when parameters change, a length rule and a list of common passwords."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id with the RFC 9106 low-memory profile


class PasswordRejected(ValueError):
    """A new password that the policy refuses; the message says why."""


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common passwords from real leaks.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def set_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Use `hasher` from now on (tests choose a cheap one); returns the one it replaces."""
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def check_policy(password: str, *, email: str | None = None) -> None:
    """No composition rules: at least 10 characters, not a common password, not the email address."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"at least {MIN_LENGTH} characters")
    lowered = password.lower()
    if lowered in _common_passwords() or (email and lowered in (email.lower(), email.split("@")[0].lower())):
        raise PasswordRejected("too common or too easy to guess")


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher.hash(password)


def verify(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, new hash if the stored one should be upgraded to current parameters)."""
    if not password_hash:
        _hasher.hash(password)  # spend the same time as a real check: no account enumeration by timing
        return False, None
    try:
        _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(password_hash) else None)
