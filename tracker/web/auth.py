"""Signing in and out (Flask-Login over server-side sessions), invitations and password resets."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user

from tracker.db import get_session
from tracker.models import User
from tracker.people import accounts, passwords, throttle, two_factor
from tracker.people.invitations import queue_link
from tracker.people.permissions import PUBLIC_ENDPOINTS, access_for
from tracker.reporting import review
from tracker.timeutil import now_utc
from tracker.web.access import current_access
from tracker.web.arguments import this_app
from tracker.web.forms import CodeForm, EmailForm, LoginForm, NewPasswordForm
from tracker.web.security import limiter

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None
login_manager.session_protection = None  # the server-side session row is the protection


def _client_ip() -> str | None:
    return request.remote_addr


def _login_rate() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@login_manager.user_loader
def load_user(user_id: str):
    """The user of this cookie, if its server-side session is still alive."""
    session = get_session()
    config = current_app.config
    user = accounts.resolve_session(
        session=session, token=cookie.get("login_token"), user_id=int(user_id), now=now_utc(),
        idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
        absolute=timedelta(hours=config["SESSION_ABSOLUTE_HOURS"]))
    if session.dirty:
        session.commit()  # last_seen_at, or the revocation of an expired session
    return user


def _require_login():
    if request.path.startswith("/api/"):
        return None  # the API authenticates its own requests, by token (tracker/api), never by cookie
    if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None or current_user.is_authenticated:
        return None
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


def start_page(user) -> str:
    """Where a person lands after signing in: a focal point on their work, a secretary on the reports awaiting
    a verdict (or the overdue view when none wait), everyone else on the instruments."""
    session = get_session()
    access = access_for(session, user)
    if access.can_report():
        return url_for("reports.mine")
    if access.can_review():
        return url_for("review.queue" if review.awaiting_count(session, access) else "dashboards.overdue")
    return url_for("catalog.instruments")


def _safe_next(target: str | None, user) -> str:
    parts = urlsplit(target or "")
    if not target or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return start_page(user)
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate, methods=["POST"])
def login():
    """Sign in with email and password; one message for every failure (no account enumeration)."""
    if current_user.is_authenticated:
        return redirect(start_page(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        session = get_session()
        now = now_utc()
        user = accounts.authenticate(session=session, email=form.email.data, password=form.password.data, now=now,
                                     ip=_client_ip())
        if user is not None and two_factor.is_enabled(user):
            cookie.clear()  # the password was right: the second factor is asked before any session exists
            cookie["second_factor"] = {"user_id": user.id, "since": now.timestamp(), "tries": 0,
                                       "next": request.args.get("next")}
            session.commit()
            return redirect(url_for("auth.second_factor"))
        if user is not None:
            return _signed_in(session, user, request.args.get("next"))
        session.commit()  # the failed attempt and the back-off are kept
        flash(_("Неверный адрес или пароль, либо вход временно закрыт после нескольких неудачных попыток. "
                "Подождите несколько минут или восстановите пароль."), "error")
    return render_template("auth/login.html", form=form)


def _signed_in(session, user, next_url: str | None):
    """Open the server-side session for a person who proved who they are; on to where they were going."""
    cookie.clear()  # a fresh session at every sign-in
    cookie["login_token"] = accounts.start_session(session=session, user=user, now=now_utc(), ip=_client_ip(),
                                                   user_agent=request.user_agent.string)
    cookie["lang"] = user.language
    session.commit()
    login_user(user)
    return redirect(_safe_next(next_url, user))


#: the second factor is asked within this time after the password, at most this many times
SECOND_FACTOR_SECONDS, SECOND_FACTOR_TRIES = 300, 5


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_rate, methods=["POST"])
def second_factor():
    """After the right password: the code from the authenticator app, or a recovery code."""
    pending = cookie.get("second_factor")
    if not pending or now_utc().timestamp() - pending["since"] > SECOND_FACTOR_SECONDS:
        cookie.pop("second_factor", None)
        flash(_("Войдите снова: код нужно ввести в течение пяти минут после пароля."), "error")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        session = get_session()
        user = session.get(User, pending["user_id"])
        address = (_client_ip() or "-")[:64]
        if throttle.refusal(session, user, address, now_utc()):  # wrong codes count as wrong passwords do
            cookie.pop("second_factor", None)
            flash(_("Слишком много неверных кодов: войдите снова."), "error")
            return redirect(url_for("auth.login"))
        try:
            used = two_factor.verify(session=session, user=user, code=form.code.data, now=now_utc(),
                                     ip=_client_ip())
        except two_factor.TwoFactorError:
            throttle.record_failure(session, user, address, now_utc())
            session.commit()  # the failed attempt is in the audit trail and the back-off
            pending["tries"] += 1
            cookie["second_factor"] = pending
            if pending["tries"] >= SECOND_FACTOR_TRIES:
                cookie.pop("second_factor", None)
                flash(_("Слишком много неверных кодов: войдите снова."), "error")
                return redirect(url_for("auth.login"))
            flash(_("Код не подошёл. Введите код из приложения (он меняется каждые 30 секунд) или "
                    "неиспользованный резервный код."), "error")
        else:
            throttle.record_success(session, user, address)
            if used == "recovery":
                flash(_("Вход по резервному коду: осталось кодов — %(n)d. Новые коды выдаются при повторной "
                        "настройке входа с кодом.", n=two_factor.recovery_codes_left(session, user)), "info")
            return _signed_in(session, user, pending.get("next"))
    return render_template("auth/second_factor.html", form=form)


def _enrolment_required():
    """With TRACKER_REQUIRE_2FA an administrator or secretary without a second factor can only set one up."""
    if not current_app.config["REQUIRE_2FA"] or request.endpoint in ENROLMENT_ENDPOINTS:
        return None
    if request.path.startswith("/api/") or not current_user.is_authenticated:
        return None
    if two_factor.is_required(current_user._get_current_object(), current_access(), required=True):
        return redirect(url_for("account.two_factor"))
    return None


#: what a person who must enrol may still open
ENROLMENT_ENDPOINTS = {"account.two_factor", "account.confirm_two_factor", "auth.logout", "static", "health"}


@bp.post("/logout")
def logout():
    """End the session on the server too: a copied cookie stops working."""
    session = get_session()
    now = now_utc()
    accounts.sign_out(session=session, user=current_user, token=cookie.get("login_token"), now=now,
                      ip=_client_ip())
    session.commit()
    logout_user()
    cookie.clear()
    flash(_("Вы вышли."), "info")
    return redirect(url_for("auth.login"))


def _set_password(kind: str, token: str):
    session = get_session()
    now = now_utc()
    row = accounts.peek_token(session=session, token=token, kind=kind, now=now)
    if row is None:
        return render_template("auth/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.redeem_token(session=session, token=token, kind=kind, password=form.password.data, now=now,
                                  ip=_client_ip())
        except passwords.PasswordRejected as exc:
            session.rollback()
            form.password.errors.append(_("Пароль не подходит: %(why)s.", why=_reason(exc)))
        except accounts.AccountError:
            session.rollback()
            return render_template("auth/link_invalid.html"), 404
        else:
            session.commit()
            flash(_("Пароль сохранён. Войдите с ним."), "info")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, kind=kind,
                           email=accounts.get_user(session, row.user_id).email)


def _reason(exc: passwords.PasswordRejected) -> str:
    return {"too common or too easy to guess": _("слишком распространённый или легко угадываемый")}.get(
        str(exc), _("не короче %(n)s символов", n=passwords.MIN_LENGTH))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invite(token: str):
    """Accept an invitation: choose your own password (single-use link, 72 hours)."""
    return _set_password("invite", token)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password through a reset link (single-use, 72 hours)."""
    return _set_password("reset", token)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_rate, methods=["POST"])
def reset_request():
    """Ask for a reset link; the answer is the same whether or not the account exists."""
    form = EmailForm()
    if form.validate_on_submit():
        session = get_session()
        user = accounts.find_user(session, form.email.data)
        if user is not None and user.active:
            queue_link(session=session, app=this_app(), user=user, kind="reset", created_by=None, now=now_utc())
        session.commit()
        flash(_("Если такая учётная запись есть, на её адрес отправлена ссылка для смены пароля."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


def init_app(app: Flask) -> None:
    """Flask-Login, the sign-in requirement for every non-public endpoint, the auth blueprint."""
    login_manager.init_app(app)
    app.register_blueprint(bp)
    app.before_request(_require_login)
    app.before_request(_enrolment_required)
