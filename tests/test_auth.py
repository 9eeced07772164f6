"""Sign-in, sessions, invitations, resets, throttling, CSRF, audit and security headers."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlmodel import select

from tracker import create_app
from tracker.models import AuditEvent, LoginThrottle, User
from tracker.people import accounts, passwords, throttle
from tracker.timeutil import now_utc

from .conftest import NOW, PASSWORD, csrf_token, login, make_user, run_delivery


@pytest.fixture
def mailbox(app):
    """Mail goes to memory: the list of sent messages."""
    app.config["MAIL_BACKEND"] = "memory"
    return app.config["MAIL_MEMORY"]


def _link(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"http://\S+/(invite|reset)/\S+", text).group(0).split("5000", 1)[1]


def _actions(db):
    db.expire_all()
    return [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_login_sets_a_session_and_wrong_password_gives_one_message(client, db, world):
    """A right password signs in; a wrong one and an unknown account get the same words (no enumeration)."""
    make_user(db, "fp@example.kz", "focal_point", orgs=["МТСЗН"])
    wrong = login(client, "fp@example.kz", "not the password").get_data(as_text=True)
    unknown = login(client, "nobody@example.kz", "not the password").get_data(as_text=True)
    message = "Неверный адрес или пароль"
    assert message in wrong and message in unknown
    response = login(client, "FP@example.kz")
    assert response.status_code == 302 and response.location == "/reports"
    assert client.get("/").status_code == 200
    assert _actions(db)[-3:] == ["login.failed", "login.failed", "login"]


def test_session_cookie_flags(client, db, world):
    """The session cookie is HttpOnly and SameSite=Lax (and Secure under TRACKER_HTTPS)."""
    make_user(db, "fp@example.kz", "observer")
    cookie = login(client, "fp@example.kz").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_invalidates_a_copied_cookie(app, db, world):
    """After logout, a copy of the session cookie taken before it no longer signs anyone in."""
    make_user(db, "fp@example.kz", "observer")
    first = app.test_client()
    login(first, "fp@example.kz")
    stolen = first.get_cookie("session").value
    first.post("/logout", data={"csrf_token": csrf_token(first, "/account")})
    second = app.test_client()
    second.set_cookie("session", stolen)
    assert second.get("/").location.startswith("/login")


def test_idle_and_absolute_timeouts(app, db, world):
    """A session idle longer than the limit, or older than the absolute one, ends."""
    make_user(db, "fp@example.kz", "observer")
    client = app.test_client()
    with time_machine.travel(NOW, tick=False) as traveller:
        login(client, "fp@example.kz")
        traveller.shift(timedelta(minutes=119))
        assert client.get("/").status_code == 200
        for _ in range(7):  # active every 119 minutes: never idle, but past 12 hours in the end
            traveller.shift(timedelta(minutes=119))
            client.get("/")
        assert client.get("/").location.startswith("/login")
        login(client, "fp@example.kz")
        traveller.shift(timedelta(minutes=121))
        assert client.get("/").location.startswith("/login")


def test_invitation_sets_password_once_and_expires(client, db, world, mailbox, runner):
    """An invited person sets a password through the link; the link works once and not after 72 hours."""
    result = runner.invoke(args=["users", "invite", "new@example.kz", "--role", "focal_point", "--org", "МЮ"])
    assert result.exit_code == 0, result.output
    link = _link(mailbox[-1])
    assert mailbox[-1]["To"] == "new@example.kz"
    token = csrf_token(client, link)
    response = client.post(link, data={"password": PASSWORD, "confirm": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.location == "/login"
    assert client.get(link).status_code == 404  # single use
    assert login(client, "new@example.kz").location == "/reports"  # a focal point lands on their work
    user = accounts.find_user(db, "late@example.kz") or make_user(db, "late@example.kz", "observer")
    raw = accounts.issue_token(session=db, user=user, kind="invite", now=NOW)
    db.commit()
    with time_machine.travel(NOW + timedelta(hours=72, minutes=1)):
        assert client.get(f"/invite/{raw}").status_code == 404
    with time_machine.travel(NOW + timedelta(hours=71)):
        assert client.get(f"/invite/{raw}").status_code == 200


def test_weak_password_is_refused_with_a_reason(client, db, world, mailbox, runner):
    """Short and common passwords are refused on the invitation page; the link stays usable."""
    runner.invoke(args=["users", "invite", "new@example.kz", "--role", "observer"])
    link = _link(mailbox[-1])
    for weak, reason in (("short", "не короче 10"), ("1234567890", "распространённый")):
        token = csrf_token(client, link)
        page = client.post(link, data={"password": weak, "confirm": weak, "csrf_token": token})
        assert page.status_code == 200 and reason in page.get_data(as_text=True)
    assert client.get(link).status_code == 200


def test_password_reset_flow(client, db, world, mailbox):
    """Reset: the same answer for any email; the link sets a new password; old sessions end."""
    make_user(db, "fp@example.kz", "observer")
    for email in ("fp@example.kz", "nobody@example.kz"):
        page = client.post("/reset", data={"email": email, "csrf_token": csrf_token(client, "/reset")},
                           follow_redirects=True).get_data(as_text=True)
        assert "Если такая учётная запись есть" in page
    run_delivery(client.application)
    assert len(mailbox) == 1 and mailbox[0]["To"] == "fp@example.kz"
    link = _link(mailbox[0])
    new = "another long passphrase here"
    client.post(link, data={"password": new, "confirm": new, "csrf_token": csrf_token(client, link)})
    assert login(client, "fp@example.kz").status_code == 200  # old password no longer works
    assert login(client, "fp@example.kz", new).location == "/"


def _pair(db, email, address):
    db.expire_all()
    user = accounts.find_user(db, email)
    return db.exec(select(LoginThrottle).where(LoginThrottle.user_id == user.id,
                                               LoginThrottle.address == address)).one()


def test_address_back_off_holds_across_two_app_instances(database_url, db, world):
    """Failures counted in the database hold the guessing address back on every worker, even with the right
    password, until its wait is over."""
    make_user(db, "fp@example.kz", "observer")
    overrides = {"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": database_url,
                 "LOGIN_RATE_LIMIT": "1000 per minute"}
    first, second = create_app(overrides), create_app(overrides)
    clients = [first.test_client(), second.test_client()]
    for attempt in range(throttle.LOCK_AFTER_FAILURES):
        login(clients[attempt % 2], "fp@example.kz", "wrong password!")
    assert login(clients[0], "fp@example.kz").status_code == 200  # right password, still refused
    assert login(clients[1], "fp@example.kz").status_code == 200
    pair = _pair(db, "fp@example.kz", "127.0.0.1")
    assert pair.failures == throttle.LOCK_AFTER_FAILURES and pair.locked_until is not None
    with time_machine.travel(pair.locked_until + timedelta(seconds=1)):
        assert login(clients[0], "fp@example.kz").location == "/"
    for app in (first, second):
        app.extensions["engine"].dispose()


def _client_at(app, address):
    """A browser at a loopback address of its own (no traffic leaves the test client)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_stranger_cannot_keep_the_owner_out(app, db, world):
    """Anyone who knew an email address kept its owner locked out with one wrong password per lock period. Now the
    stranger's address waits 1, 2, 4 … minutes (guessing still slows down exponentially), while the owner signs in
    at once from their own address, and from the stranger's too once its wait is over."""
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    make_user(db, "fp@example.kz", "observer")
    stranger, owner = _client_at(app, "127.0.0.66"), _client_at(app, "127.0.0.1")
    for _ in range(throttle.LOCK_AFTER_FAILURES):
        login(stranger, "fp@example.kz", "guess guess guess")
    first_wait = _pair(db, "fp@example.kz", "127.0.0.66").locked_until - now_utc()
    assert timedelta(seconds=50) < first_wait <= timedelta(minutes=1)
    assert login(stranger, "fp@example.kz").status_code == 200  # the right password, from the guessing address
    assert login(owner, "fp@example.kz").location == "/"  # the owner is not held back
    with time_machine.travel(now_utc() + timedelta(minutes=1, seconds=5)):
        login(stranger, "fp@example.kz", "guess guess guess")
        second_wait = _pair(db, "fp@example.kz", "127.0.0.66").locked_until - now_utc()
        assert timedelta(seconds=110) < second_wait <= timedelta(minutes=2)  # doubled
    with time_machine.travel(now_utc() + timedelta(minutes=4)):
        assert login(_client_at(app, "127.0.0.66"), "fp@example.kz").location == "/"


def test_guesses_from_many_addresses_hold_back_only_new_addresses(app, db, world):
    """Guesses spread over many addresses (each below its own limit) slow down every address the account never
    signed in from; the owner's known address still gets through."""
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    make_user(db, "fp@example.kz", "observer")
    assert login(_client_at(app, "127.0.0.1"), "fp@example.kz").location == "/"  # a known address from now on
    for n in range(throttle.ACCOUNT_LOCK_AFTER):
        login(_client_at(app, f"127.0.1.{n}"), "fp@example.kz", "guess guess guess")
    assert login(_client_at(app, "127.0.2.1"), "fp@example.kz").status_code == 200  # a new address waits
    assert login(_client_at(app, "127.0.0.1"), "fp@example.kz").location == "/"
    audit_reasons = [e.after.get("reason") for e in db.exec(select(AuditEvent).where(
        AuditEvent.action == "login.failed")).all()]
    assert "locked for this new address" in audit_reasons


def test_login_is_rate_limited_per_ip(app, db, world):
    """Too many sign-in attempts from one address get 429 with a clear page, and Retry-After: the seconds until the
    minute's window resets."""
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    codes = [login(client, f"x{i}@example.kz", "whatever password").status_code for i in range(4)]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429
    refused = login(client, "x@example.kz", "whatever")
    assert "Слишком много попыток" in refused.get_data(as_text=True)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_every_post_route_refuses_a_missing_csrf_token(app, db, world):
    """Each state-changing route answers 400 without a CSRF token, signed in as an administrator; the JSON API
    needs no CSRF token because it never takes the sign-in cookie: with the cookie alone it answers 401."""
    admin = make_user(db, "admin@example.kz", "admin")
    client = app.test_client()
    login(client, admin.email)
    posts = [r for r in app.url_map.iter_rules() if "POST" in r.methods]
    assert len(posts) >= 8
    values = {"user_id": str(admin.id), "code": "МТСЗН", "checkpoint_id": "1", "report_id": "1", "message_id": "1",
              "feed_id": "1", "token_id": "1", "id": "1",
              "key": "world/1.1", "meeting_id": "1", "item_id": "1", "commission_key": "rtk", "request_id": "1",
              "value_id": "1"}
    for rule in posts:
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values.get(m.group(1), "x"), rule.rule)
        response = client.post(url, data={})
        if rule.rule.startswith("/api/"):
            assert response.status_code == 401, (rule.rule, response.status_code)
            continue
        assert response.status_code == 400, (rule.rule, response.status_code)
        assert "CSRF" in response.get_data(as_text=True)


def test_password_is_rehashed_when_parameters_change(client, db, world):
    """A hash made with weaker Argon2 parameters is upgraded at the next successful sign-in."""
    from argon2 import PasswordHasher

    user = make_user(db, "fp@example.kz", "observer")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    db.commit()
    login(client, "fp@example.kz")
    db.expire_all()
    fresh = db.get(User, user.id)
    assert fresh.password_hash.startswith("$argon2id$") and "m=8192" not in fresh.password_hash


def test_policy_refuses_common_and_short_passwords():
    """At least 10 characters; the 30,000 most common passwords and the email itself are refused."""
    for weak in ("short", "qwertyuiop", "1234567890", "Password123"):
        with pytest.raises(passwords.PasswordRejected):
            passwords.check_policy(weak)
    with pytest.raises(passwords.PasswordRejected):
        passwords.check_policy("aigerim.n@example.kz", email="aigerim.n@example.kz")
    passwords.check_policy("жасыл алма бақта өседі")


def test_security_headers(client):
    """Every response carries a strict CSP without inline scripts, nosniff, referrer policy, no framing."""
    headers = client.get("/login").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_handover_moves_an_organization_in_one_step(client, db, world, mailbox):
    """An administrator hands МТСЗН from a departing focal point to a new person, who is invited."""
    admin = make_user(db, "admin@example.kz", "admin")
    leaving = make_user(db, "leaving@example.kz", "focal_point", orgs=["МТСЗН"])
    login(client, admin.email)
    token = csrf_token(client, "/organizations/МТСЗН")
    client.post("/organizations/МТСЗН/handover", data={"from_user": leaving.id, "to_email": "new@example.kz",
                                                       "to_name": "Новый", "csrf_token": token})
    run_delivery(client.application)
    page = client.get("/organizations/МТСЗН").get_data(as_text=True)
    assert "new@example.kz" in page and "leaving@example.kz" not in page
    assert mailbox[-1]["To"] == "new@example.kz"
    assert "organization.handover" in _actions(db)


def test_audit_rows_roll_back_with_a_failed_transaction(db, world):
    """An audit row written in a transaction that fails is gone with it: no trace of a change that did not happen."""
    before = len(_actions(db))
    make_user(db, "dup@example.kz", "observer")
    with pytest.raises(accounts.AccountError):
        accounts.create_user(session=db, email="x@example.kz", name="x",
                             grant=accounts.Grant("focal_point", organizations=("НЕТ",)), now=NOW)
    db.rollback()
    assert _actions(db)[before:] == ["user.create"]
    assert accounts.find_user(db, "x@example.kz") is None


def test_audit_records_each_kind_of_change(client, db, world, mailbox, runner):
    """Creation, invitation, sign-in, failed sign-in, settings, admin edits and logout are all in the trail."""
    admin = make_user(db, "admin@example.kz", "admin")
    runner.invoke(args=["users", "invite", "new@example.kz", "--role", "observer"])
    login(client, admin.email, "wrong password!")
    login(client, admin.email)
    client.post("/account", data={"name": "Админ", "language": "kk", "csrf_token": csrf_token(client, "/account")})
    new = accounts.find_user(db, "new@example.kz")
    edit = f"/admin/users/{new.id}"
    client.post(edit, data={"active": "", "csrf_token": csrf_token(client, edit)})
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    actions = _actions(db)
    for action in ("user.create", "token.invite", "login.failed", "login", "user.settings", "user.update", "logout"):
        assert action in actions, action
    update = db.exec(select(AuditEvent).where(AuditEvent.action == "user.update")).one()
    assert update.before["active"] is True and update.after["active"] is False and update.actor_id == admin.id


def test_production_hashes_are_argon2id_with_the_rfc_9106_low_memory_profile():
    """Outside tests every password is hashed with Argon2id, t=3, m=64 MiB, p=4 (the suite swaps in a cheap hasher)."""
    from argon2 import PasswordHasher

    from tracker.people import passwords

    cheap = passwords.set_hasher(PasswordHasher())
    try:
        stored = passwords.hash_password(PASSWORD)
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert passwords.verify(stored, PASSWORD) == (True, None)
    finally:
        passwords.set_hasher(cheap)
