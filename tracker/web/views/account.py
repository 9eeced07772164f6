"""A person's own account: name, language, digest by email."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import current_user

from tracker import audit
from tracker.db import get_session
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
        fields = ("name", "language", "digest_frequency")
        before = {f: getattr(user, f) for f in fields}
        for name in fields:
            setattr(user, name, getattr(form, name).data)
        audit.record(session=session, now=now_utc(), action="user.settings", object_type="user",
                     object_id=str(user.id), before=before, after={f: getattr(user, f) for f in fields},
                     by=audit.Actor(user_id=user.id, ip=request.remote_addr))
        session.commit()
        cookie["lang"] = user.language
        flash(_("Сохранено."), "info")
        return redirect(url_for("account.settings"))
    return render_template("account/settings.html", form=form)
