"""Two-factor sign-in: enrolment through a QR code drawn on the server, sign-in with an app code or a recovery
code (each once), and the requirement for administrators and secretaries (TRACKER_REQUIRE_2FA)."""

import re
from datetime import timedelta

import pyotp
import time_machine

from tracker.models import AuditEvent
from tracker.people import accounts
from tracker.timeutil import now_utc

from .conftest import PASSWORD, csrf_token, login, make_user, redirect_target, signed_in_to


def _enrol(app, db, email="admin@example.kz", role="admin"):
    """An account with two-factor sign-in on: its TOTP and recovery codes, as the person would have them."""
    make_user(db, email, role)
    client = app.test_client()
    signed_in_to(login(client, email))
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and "<script" not in page  # the QR code is drawn on the server
    secret = re.search(r"<code>([A-Z2-7]{32})</code>", page).group(1)
    totp = pyotp.TOTP(secret)
    wrong = client.post("/account/two-factor", data={"csrf_token": csrf_token(client, "/account/two-factor"),
                                                     "code": "000000"})
    assert redirect_target(wrong) == "/account/two-factor"
    done = client.post("/account/two-factor", data={"csrf_token": csrf_token(client, "/account/two-factor"),
                                                    "code": totp.now()})
    codes = re.findall(r"<code>([0-9a-f]{8}-[0-9a-f]{8})</code>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10
    db.expire_all()
    return accounts.find_user(db, email), totp, codes


def _second_step(client, code):
    return client.post("/login/code", data={"csrf_token": csrf_token(client, "/login/code"), "code": code})


def test_enrolment_then_sign_in_with_an_app_code_used_once(app, db, world):
    """After the password comes the code page, not a session; the app's code signs in; the same code again (a
    replay) does not; the audit trail has the enrolment and the second factor."""
    user, totp, _codes = _enrol(app, db)
    assert user.totp_enabled_at is not None
    client = app.test_client()
    assert redirect_target(login(client, user.email)) == "/login/code"
    assert redirect_target(client.get("/")).startswith("/login")  # no session yet
    later = now_utc() + timedelta(seconds=31)  # the enrolment's code is spent: the next step's code signs in
    with time_machine.travel(later, tick=False):
        code = totp.now()
        assert redirect_target(_second_step(client, code)) == "/"
        assert client.get("/").status_code == 200
        replay = app.test_client()
        login(replay, user.email)
        assert _second_step(replay, code).status_code == 200  # refused: the page again, no session
        assert redirect_target(replay.get("/")).startswith("/login")
    actions = {e.action for e in db.exec(AuditEvent.__table__.select()).all() if e.object_id == str(user.id)}
    assert {"2fa.enabled", "login.2fa", "login.2fa_failed"} <= actions


def test_a_recovery_code_signs_in_once_and_wrong_codes_send_back_to_the_password(app, db, world):
    """A recovery code instead of the app, once; five wrong codes end the attempt."""
    user, _totp, codes = _enrol(app, db)
    client = app.test_client()
    login(client, user.email)
    assert redirect_target(_second_step(client, codes[0].upper())) == "/"
    again = app.test_client()
    login(again, user.email)
    for _ in range(4):
        assert _second_step(again, codes[0]).status_code == 200  # spent
    assert redirect_target(_second_step(again, "12345")) == "/login"  # the fifth wrong one
    assert redirect_target(again.get("/login/code")) == "/login"


def test_required_for_administrators_and_secretaries_only(app, db, world):
    """With TRACKER_REQUIRE_2FA an administrator or secretary without it can only set it up (every page leads
    there); a focal point is not asked; once enrolled the administrator works as before."""
    app.config["REQUIRE_2FA"] = True
    for email, role in (("admin@example.kz", "admin"), ("sec@example.kz", "secretary")):
        make_user(db, email, role, instruments=["world"] if role == "secretary" else ())
        client = app.test_client()
        login(client, email)
        assert redirect_target(client.get("/")) == "/account/two-factor"
        assert redirect_target(client.get("/admin/users")) == "/account/two-factor"
        assert "обязателен" in client.get("/account/two-factor").get_data(as_text=True)
    make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    focal = app.test_client()
    login(focal, "fp@example.kz", PASSWORD)
    assert focal.get("/reports").status_code == 200
    user, _totp, _codes = _enrol(app, db, "boss@example.kz")
    client = app.test_client()
    login(client, user.email)
    assert redirect_target(_second_step(client, _codes[0])) == "/"
    assert client.get("/admin/users").status_code == 200


def test_an_administrator_turns_it_off_for_a_lost_phone(app, db, runner, world):
    """`mindet users reset-2fa` (audited): the person signs in with the password alone again."""
    user, _totp, _codes = _enrol(app, db)
    result = runner.invoke(args=["users", "reset-2fa", user.email])
    assert result.exit_code == 0, result.output
    assert redirect_target(login(app.test_client(), user.email)) == "/"
    assert runner.invoke(args=["users", "reset-2fa", "nobody@example.kz"]).exit_code == 1


def test_wrong_codes_slow_the_address_down_even_with_the_password_entered_again(app, db, world):
    """The tries of the code page were counted in the browser's cookie, and a right password started them again:
    wrong codes now count with wrong passwords, per account and address, so re-entering the password does not
    buy new guesses; the right code still signs in once the wait is over."""
    from tracker.people import throttle

    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    user, totp, _codes = _enrol(app, db)
    client = app.test_client()
    for _ in range(throttle.LOCK_AFTER_FAILURES):
        login(client, user.email)
        _second_step(client, "000000")
    assert login(client, user.email).status_code == 200  # the address waits: not even the password is taken now
    with time_machine.travel(now_utc() + timedelta(minutes=2), tick=False):
        login(client, user.email)
        assert redirect_target(_second_step(client, totp.now())) == "/"
