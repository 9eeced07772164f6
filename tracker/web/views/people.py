"""Organizations and their people: who the focal points, alternates and heads are; handing an organization over."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.catalog.lookups import group_members, groups_of, live_organizations, organization_by_code
from tracker.db import get_session
from tracker.models import Organization, User
from tracker.people import accounts
from tracker.people.directory import active_people_by_organization, memberships_of
from tracker.people.invitations import queue_link
from tracker.people.roles import role_label
from tracker.timeutil import now_utc
from tracker.web.access import current_access, require, require_admin
from tracker.web.arguments import this_app
from tracker.web.forms import HandoverForm, options
from tracker.web.i18n import localized

bp = Blueprint("people", __name__)


@bp.get("/organizations")
def organizations():
    """Every organization with its people by role."""
    session = get_session()
    return render_template("people/organizations.html", orgs=live_organizations(session),
                           people=active_people_by_organization(session))


@bp.get("/organizations.json")
def organization_choices():
    """Every organization's code and name in the person's language, for the organization fields of the overdue
    view and the review queue to offer: fetched once when such a field is first used (static/choices.js), not
    written into every page (600 at national scale were 40 KB of each). Kept by the browser for five minutes."""
    group = _("группа")
    response = jsonify([{"code": o.code, "name": f"{localized(o, 'name')} ({group})" if o.is_group
                         else localized(o, "name")} for o in live_organizations(get_session())])
    response.cache_control.private = True
    response.cache_control.max_age = 300
    return response


def _organization(code: str) -> Organization:
    org = organization_by_code(get_session(), code)
    require(org is not None)
    return org


def _handover_form(org: Organization) -> HandoverForm:
    form = HandoverForm()
    form.from_user.choices = options([(u.id, f"{u.name} <{u.email}> — {role_label(m.role)}")
                                      for m, u in memberships_of(get_session(), org)])
    return form


@bp.get("/organizations/<code>")
def organization(code: str):
    """One organization: names, kind, group members or groups it belongs to, its people."""
    session = get_session()
    org = _organization(code)
    members, groups, people = group_members(session, org), groups_of(session, org), memberships_of(session, org)
    form = _handover_form(org) if current_access().can_administer() else None
    return render_template("people/organization.html", org=org, members=members, groups=groups, people=people,
                           form=form)


@bp.post("/organizations/<code>/handover")
def handover(code: str):
    """Administrator: move a departing person's role to another person in one step."""
    require_admin()
    session = get_session()
    org = _organization(code)
    form = _handover_form(org)
    if form.validate_on_submit():
        try:
            to_user, is_new = accounts.hand_over(
                session=session, organization=org, from_user=session.get(User, form.from_user.data),
                to_email=form.to_email.data, to_name=form.to_name.data, now=now_utc(), actor=current_user,
                ip=request.remote_addr)
            if is_new:
                queue_link(session=session, app=this_app(), user=to_user, kind="invite", created_by=current_user,
                           now=now_utc())
        except accounts.AccountError as exc:
            session.rollback()
            flash(_("Передача не выполнена: %(why)s", why=str(exc)), "error")
        else:
            session.commit()
            flash(_("Организация передана: %(email)s.", email=to_user.email), "info")
    else:
        flash(_("Проверьте форму передачи."), "error")
    return redirect(url_for("people.organization", code=org.code))
