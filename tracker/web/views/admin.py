"""Administration: accounts, invitations, roles, the email delivery log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import audit
from tracker.catalog.lookups import live_commissions, live_instruments, live_organizations
from tracker.db import get_session
from tracker.models import OutboxMessage, User
from tracker.notify import outbox
from tracker.pagination import page_number
from tracker.people import accounts
from tracker.people.directory import accounts_with_roles
from tracker.people.invitations import queue_link
from tracker.timeutil import now_utc
from tracker.web.access import require, require_admin
from tracker.web.arguments import this_app
from tracker.web.forms import ConfirmForm, InviteForm, UserAdminForm, options
from tracker.web.i18n import localized

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    require_admin()


def _invite_form() -> InviteForm:
    session = get_session()
    form = InviteForm()
    form.organizations.choices = options([(o.code, f"{o.code} — {o.name_ru}")
                                  for o in sorted(live_organizations(session), key=lambda o: o.code)])
    form.instruments.choices = options([(i.key, localized(i, "title")) for i in live_instruments(session)])
    form.commissions.choices = options([(c.key, localized(c, "name")) for c in live_commissions(session)])
    return form


@bp.get("/users")
def users():
    """Every account with its roles; the invitation form."""
    session = get_session()
    people, orgs, secretaries = accounts_with_roles(session)
    return render_template("admin/users.html", people=people, orgs=orgs, secretaries=secretaries,
                           form=_invite_form())


@bp.post("/users/invite")
def invite():
    """Create the account with its role and email a single-use link to set a password."""
    form = _invite_form()
    session = get_session()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                session=session, email=form.email.data, name=form.name.data,
                grant=accounts.Grant(form.role.data, tuple(form.organizations.data), tuple(form.instruments.data),
                                     tuple(form.commissions.data)), now=now_utc(),
                language=form.language.data, by=audit.Actor(user_id=current_user.id, ip=request.remote_addr))
            link, _message = queue_link(session=session, app=this_app(), user=user, kind="invite",
                                        created_by=current_user, now=now_utc())
        except accounts.AccountError as exc:
            session.rollback()
            flash(_("Приглашение не создано: %(why)s", why=str(exc)), "error")
        else:
            session.commit()
            flash(_("Приглашение для %(email)s поставлено в очередь: письмо уйдёт в течение минуты (см. журнал "
                    "доставки). Если оно не дойдёт, передайте ссылку лично: %(link)s", email=user.email, link=link),
                  "info")
            return redirect(url_for("admin.users"))
    else:
        for field, errors in form.errors.items():
            flash(f"{getattr(form, field).label.text}: {'; '.join(map(str, errors))}", "error")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    """One account: activate or deactivate, administrator and observer flags."""
    session = get_session()
    person = session.get(User, user_id)
    require(person is not None)
    form = UserAdminForm(obj=person)
    if form.validate_on_submit():
        accounts.update_flags(session=session, user=person, active=form.active.data, is_admin=form.is_admin.data,
                              is_observer=form.is_observer.data, now=now_utc(),
                              by=audit.Actor(user_id=current_user.id, ip=request.remote_addr))
        session.commit()
        flash(_("Сохранено."), "info")
        return redirect(url_for("admin.user", user_id=person.id))
    return render_template("admin/user.html", person=person, form=form, reset_form=ConfirmForm(),
                           snapshot=accounts.user_snapshot(session, person))


@bp.post("/users/<int:user_id>/reset")
def send_reset(user_id: int):
    """Email the person a password-reset link."""
    session = get_session()
    person = session.get(User, user_id)
    require(person is not None)
    if ConfirmForm().validate_on_submit():
        queue_link(session=session, app=this_app(), user=person, kind="reset", created_by=current_user, now=now_utc())
        session.commit()
        flash(_("Ссылка для смены пароля поставлена в очередь: письмо уйдёт в течение минуты (см. журнал "
                "доставки)."), "info")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.get("/deliveries")
def deliveries():
    """The delivery log: every queued email with its status, attempts and last error; failed ones first."""
    session = get_session()
    status = request.args.get("status")
    page = outbox.delivery_log(session, status=status, number=page_number(request.args.get("page")))
    return render_template("admin/deliveries.html", rows=page.rows, has_next=page.has_next, page=page.number,
                           status=status, counts=outbox.status_counts(session), statuses=outbox.STATUSES,
                           form=ConfirmForm())


@bp.post("/deliveries/test")
def send_test_email():
    """Queue a test message to the administrator and deliver it now: shows at once whether mail works."""
    session = get_session()
    form = ConfirmForm()
    if form.validate_on_submit():
        now = now_utc()
        subject, text, html = outbox.render_email(this_app(), "test", current_user)
        message = outbox.enqueue(session, kind="test", user=current_user, subject=subject, text=text, html=html,
                                 sender=this_app().config["MAIL_SENDER"], now=now)
        session.commit()
        flash(_("Тестовое письмо на %(email)s поставлено в очередь: через минуту его статус появится в журнале "
                "ниже.", email=message.to_email), "info")
    return redirect(url_for("admin.deliveries"))


@bp.post("/deliveries/<int:message_id>/retry")
def retry_delivery(message_id: int):
    """Put a failed message back in the queue."""
    session = get_session()
    message = session.get(OutboxMessage, message_id)
    require(message is not None and message.status == "failed")
    if ConfirmForm().validate_on_submit():
        outbox.retry(session, message, now_utc(), by=audit.Actor(user_id=current_user.id, ip=request.remote_addr))
        session.commit()
        flash(_("Письмо снова в очереди."), "info")
    return redirect(url_for("admin.deliveries"))
