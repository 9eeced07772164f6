"""Two-factor sign-in: a TOTP code from an authenticator app (RFC 6238, pyotp) after the password, or one of ten
single-use recovery codes. Enrolment shows a QR code drawn on the server as SVG (segno): no script, no outside
service, so the strict Content-Security-Policy holds. TRACKER_REQUIRE_2FA makes it compulsory for administrators
and secretaries."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import func, update
from sqlmodel import Session, select

from tracker import audit
from tracker.models import RecoveryCode, User

ISSUER = "Mindet"
RECOVERY_CODES = 10
#: codes of the step before and after are accepted too: a phone's clock may be half a minute off
VALID_WINDOW = 1


class TwoFactorError(ValueError):
    """A code that does not sign in or does not confirm; the message is safe to show."""


def is_enabled(user: User) -> bool:
    """The person signs in with a second factor."""
    return user.totp_enabled_at is not None


def is_required(user: User, access, required: bool) -> bool:
    """Must enrol before anything else: TRACKER_REQUIRE_2FA is set and the person administers or judges."""
    return required and not is_enabled(user) and (access.can_administer() or access.can_review())


def begin_enrolment(*, session: Session, user: User) -> str:
    """A new secret for the person (not used until confirmed); its provisioning URI for the QR code."""
    user.totp_secret = pyotp.random_base32()
    session.add(user)
    return provisioning_uri(user)


def provisioning_uri(user: User) -> str:
    """otpauth://totp/Mindet:email?secret=…&issuer=Mindet"""
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of `uri` as inline SVG markup."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#1f2328", light="#ffffff")


def _accepted_step(user: User, code: str, now: datetime) -> int | None:
    """The time step `code` belongs to, if it is valid now and newer than the last one accepted."""
    code = "".join(code.split())
    if user.totp_secret is None or not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(user.totp_secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if secrets.compare_digest(totp.at(candidate * totp.interval), code):
            return candidate if user.totp_last_step is None or candidate > user.totp_last_step else None
    return None


def confirm_enrolment(*, session: Session, user: User, code: str, now: datetime, by: audit.Actor) -> list[str]:
    """Turn two-factor sign-in on with a first code from the app; the recovery codes, shown once."""
    step = _accepted_step(user, code, now)
    if step is None:
        raise TwoFactorError("code")
    user.totp_enabled_at, user.totp_last_step = now, step
    codes = _new_recovery_codes(session, user)
    audit.record(session=session, now=now, action="2fa.enabled", object_type="user", object_id=str(user.id), by=by)
    return codes


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
                    .values(used_at=user.totp_enabled_at))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(code)) for code in codes)
    return codes


def _digest(code: str) -> str:
    return hashlib.sha256("".join(code.lower().split()).encode()).hexdigest()


def verify(*, session: Session, user: User, code: str, now: datetime, ip: str | None) -> str:
    """Check the second factor at sign-in: an app code ("totp") or an unused recovery code ("recovery", then
    spent). Audited either way; TwoFactorError when neither."""
    if (step := _accepted_step(user, code, now)) is not None:
        user.totp_last_step = step
        audit.record(session=session, now=now, action="login.2fa", object_type="user", object_id=str(user.id),
                     after={"with": "app"}, by=audit.Actor(user_id=user.id, ip=ip))
        return "totp"
    spent = session.execute(update(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code), RecoveryCode.used_at.is_(None))
        .values(used_at=now)).rowcount
    if spent == 1:
        audit.record(session=session, now=now, action="login.2fa", object_type="user", object_id=str(user.id),
                     after={"with": "recovery code", "recovery_codes_left": recovery_codes_left(session, user)},
                     by=audit.Actor(user_id=user.id, ip=ip))
        return "recovery"
    audit.record(session=session, now=now, action="login.2fa_failed", object_type="user", object_id=str(user.id),
                 by=audit.Actor(ip=ip))
    raise TwoFactorError("code")


def recovery_codes_left(session: Session, user: User) -> int:
    """How many recovery codes the person still has."""
    return session.exec(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).one()


def disable(*, session: Session, user: User, now: datetime, by: audit.Actor) -> None:
    """Two-factor sign-in off (the person with a current code, or an administrator for a lost phone)."""
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    session.execute(update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
                    .values(used_at=now))
    audit.record(session=session, now=now, action="2fa.disabled", object_type="user", object_id=str(user.id), by=by)
