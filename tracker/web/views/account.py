"""A person's own account: name, language, digest by email."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user

from tracker import audit
from tracker.db import get_session
from tracker.people import accounts
from tracker.timeutil import now_utc
from tracker.web.forms import AccountForm

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
    return render_template("account/settings.html", form=form)
