"""A person's own account: name, language, digest by email, personal access tokens for the API."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from tracker import audit
from tracker.db import get_session
from tracker.people import accounts, tokens, two_factor
from tracker.people.tokens import TokenError
from tracker.timeutil import now_utc
from tracker.web.access import current_access
from tracker.web.forms import AccountForm, CodeForm, ConfirmForm, TokenForm

bp = Blueprint("account", __name__)


@bp.route("/account", methods=["GET", "POST"])
def settings():
    """Change your name, interface (and email) language and how often the digest comes."""
    session = get_session()
    user = current_user._get_current_object()  # loaded by this request's session
    form = AccountForm(obj=user)
    if form.validate_on_submit():
        accounts.update_own_settings(session=session, user=user, now=now_utc(),
                                     values={f: getattr(form, f).data for f in accounts.OWN_SETTINGS},
                                     by=audit.Actor(user_id=user.id, ip=request.remote_addr))
        session.commit()
        cookie["lang"] = user.language
        flash(_("Сохранено."), "info")
        return redirect(url_for("account.settings"))
    return _page(form=form)


def _page(status: int = 200, **context):
    user = current_user._get_current_object()
    context.setdefault("form", AccountForm(obj=user, formdata=None))
    context.setdefault("token_form", TokenForm(formdata=None))
    return render_template("account/settings.html", tokens=tokens.tokens_of(get_session(), user), now=now_utc(),
                           revoke_form=ConfirmForm(), **context), status


@bp.post("/account/tokens")
def create_token():
    """Create a personal access token; its secret is shown on this page once, never again."""
    session = get_session()
    user = current_user._get_current_object()
    form = TokenForm()
    if not form.validate():
        return _page(400, token_form=form)
    try:
        issued = tokens.create_token(session=session, user=user, name=form.token_name.data, scope=form.scope.data,
                                     days=form.days.data, now=now_utc(),
                                     by=audit.Actor(user_id=user.id, ip=request.remote_addr))
    except TokenError as exc:
        form.token_name.errors = [str(exc)]
        return _page(400, token_form=form)
    session.commit()
    return _page(201, issued=issued)


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    """Revoke one of your tokens at once."""
    session = get_session()
    user = current_user._get_current_object()
    if not ConfirmForm().validate():
        return _page(400)
    try:
        tokens.revoke_token(session=session, token_id=token_id, owner=user, now=now_utc(),
                            by=audit.Actor(user_id=user.id, ip=request.remote_addr))
    except TokenError:
        return _page(404)
    session.commit()
    flash(_("Токен отозван: запросы с ним больше не принимаются."), "info")
    return redirect(url_for("account.settings") + "#tokens")


@bp.get("/account/two-factor", endpoint="two_factor")
def two_factor_page():
    """Two-factor sign-in: set it up (a QR code for the authenticator app, then a first code), or turn it off."""
    session = get_session()
    user = current_user._get_current_object()
    qr = secret = None
    if not two_factor.is_enabled(user):
        if user.totp_secret is None:  # kept across reloads until confirmed: the app may have scanned it already
            two_factor.begin_enrolment(session=session, user=user)
            session.commit()
        qr, secret = Markup(two_factor.qr_svg(two_factor.provisioning_uri(user))), user.totp_secret  # noqa: S704
    return render_template("account/two_factor.html", form=CodeForm(formdata=None), qr=qr, secret=secret,
                           enabled=two_factor.is_enabled(user), codes=None,
                           left=two_factor.recovery_codes_left(session, user),
                           required=two_factor.is_required(user, current_access(), current_app.config["REQUIRE_2FA"]))


@bp.post("/account/two-factor")
def confirm_two_factor():
    """The first code from the app turns two-factor sign-in on; the recovery codes are shown once; with it on,
    a current code turns it off."""
    session = get_session()
    user = current_user._get_current_object()
    form = CodeForm()
    actor = audit.Actor(user_id=user.id, ip=request.remote_addr)
    if not form.validate_on_submit():
        return redirect(url_for("account.two_factor"))
    try:
        if two_factor.is_enabled(user):
            two_factor.verify(session=session, user=user, code=form.code.data, now=now_utc(), ip=request.remote_addr)
            two_factor.disable(session=session, user=user, now=now_utc(), by=actor)
            session.commit()
            flash(_("Вход с кодом выключен."), "info")
            return redirect(url_for("account.two_factor"))
        codes = two_factor.confirm_enrolment(session=session, user=user, code=form.code.data, now=now_utc(), by=actor)
    except two_factor.TwoFactorError:
        session.commit()
        flash(_("Код не подошёл: введите шесть цифр, которые приложение показывает сейчас."), "error")
        return redirect(url_for("account.two_factor"))
    session.commit()
    return render_template("account/two_factor.html", form=CodeForm(formdata=None), qr=None, secret=None,
                           enabled=True, codes=codes, left=len(codes))
