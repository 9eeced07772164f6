"""Sign-in back-off that a stranger cannot turn against the owner (OWASP ASVS 5.0 §6.3: brute force is slowed without
locking the legitimate user out).

Wrong passwords are counted per account and address. From one address, after LOCK_AFTER_FAILURES wrong passwords in
a row, that address waits 1 minute, then 2, 4, … up to an hour for each further one: guessing slows down
exponentially. The owner at any other address is not held back. Guesses spread over many addresses are counted for
the account too: past ACCOUNT_LOCK_AFTER of them, addresses the account never signed in from wait the same way,
while the addresses it has signed in from still get through.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from tracker.models import LoginThrottle, User

#: wrong passwords in a row from one address before it has to wait
LOCK_AFTER_FAILURES = 5
#: wrong passwords in a row from all addresses before addresses never used by the account have to wait
ACCOUNT_LOCK_AFTER = 20
MAX_LOCK = timedelta(hours=1)


def _back_off(failures: int, threshold: int, now: datetime) -> datetime | None:
    if failures < threshold:
        return None
    return now + min(timedelta(minutes=2 ** min(failures - threshold, 10)), MAX_LOCK)


def _pair(session: Session, user: User, address: str) -> LoginThrottle:
    """The account's row for this address, made if missing (by one statement: two workers may race)."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LoginThrottle.__table__).values(user_id=user.id, address=address, failures=0, known=False)
                    .on_conflict_do_nothing(index_elements=["user_id", "address"]))
    return session.exec(select(LoginThrottle).where(LoginThrottle.user_id == user.id,
                                                    LoginThrottle.address == address)).one()


def refusal(session: Session, user: User, address: str, now: datetime) -> str | None:
    """Why this address may not try a password for this account now ("address" or "new address"), or None."""
    pair = session.exec(select(LoginThrottle).where(LoginThrottle.user_id == user.id,
                                                    LoginThrottle.address == address)).first()
    if pair is not None and pair.locked_until is not None and pair.locked_until > now:
        return "address"
    if user.locked_until is not None and user.locked_until > now and not (pair is not None and pair.known):
        return "new address"
    return None


def record_failure(session: Session, user: User, address: str, now: datetime) -> LoginThrottle:
    """Count a wrong password from `address` for the account and both back-offs (atomic increments: two workers
    failing at once both count)."""
    pair = _pair(session, user, address)
    session.execute(update(LoginThrottle).where(LoginThrottle.id == pair.id)
                    .values(failures=LoginThrottle.failures + 1, last_failure_at=now))
    session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1))
    session.refresh(pair)
    session.refresh(user)
    pair.locked_until = _back_off(pair.failures, LOCK_AFTER_FAILURES, now)
    user.locked_until = _back_off(user.failed_logins, ACCOUNT_LOCK_AFTER, now)
    return pair


def record_success(session: Session, user: User, address: str) -> None:
    """The right password from `address`: it becomes a known address, its count and the account's start again."""
    pair = _pair(session, user, address)
    pair.failures, pair.locked_until, pair.known = 0, None, True
    user.failed_logins, user.locked_until = 0, None


def forget(session: Session, user: User) -> None:
    """A new password (reset or set by an administrator): every back-off of the account ends."""
    session.execute(update(LoginThrottle).where(LoginThrottle.user_id == user.id)
                    .values(failures=0, locked_until=None))
    user.failed_logins, user.locked_until = 0, None
