"""Calendar feeds: make and revoke secret ICS addresses (account page); serve them to calendar clients."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.catalog.lookups import live_instruments, organizations_by
from tracker.db import get_session
from tracker.models import CalendarFeed
from tracker.people.calendar_feeds import (
    FeedError,
    allowed,
    create_feed,
    feed_version,
    find_feed,
    render_feed,
    revoke_feed,
)
from tracker.people.directory import feeds_of
from tracker.people.permissions import access_for
from tracker.timeutil import now_utc, today_almaty
from tracker.web.access import current_access, require
from tracker.web.forms import ConfirmForm

bp = Blueprint("calendar", __name__)


@bp.route("/account/calendar", methods=["GET", "POST"])
def feeds():
    """The person's calendar addresses; a new one is shown once, in full."""
    session = get_session()
    access = current_access()
    form = ConfirmForm()
    new_link = None
    if request.method == "POST" and form.validate_on_submit():
        scope = request.form.get("scope", "")
        key = request.form.get("key") or None
        try:
            _feed, token = create_feed(session, user=current_user, access=access, scope=scope, key=key,
                                       now=now_utc(), ip=request.remote_addr)
        except FeedError:
            session.rollback()
            abort(404)
        session.commit()
        new_link = f"{current_app.config['BASE_URL']}{url_for('calendar.feed', token=token)}"
    return render_template("account/calendar.html", rows=feeds_of(session, current_user), form=form,
                           new_link=new_link, organizations=organizations_by(session, ids=access.organization_ids),
                           instruments=live_instruments(session))


@bp.post("/account/calendar/<int:feed_id>/revoke")
def revoke(feed_id: int):
    """Revoke one of the person's addresses."""
    session = get_session()
    feed = session.get(CalendarFeed, feed_id)
    require(feed is not None and feed.user_id == current_user.id and feed.revoked_at is None)
    if ConfirmForm().validate_on_submit():
        revoke_feed(session, feed, user=current_user, now=now_utc(), ip=request.remote_addr)
        session.commit()
        flash(_("Адрес календаря отозван: подписанные календари больше не обновятся."), "info")
    return redirect(url_for("calendar.feeds"))


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """The feed itself (no sign-in: the token is the key); 404 once revoked or if the owner lost access."""
    session = get_session()
    found = find_feed(session, token)
    if found is None:
        abort(404)
    item, owner = found
    access = access_for(session, owner)
    if not allowed(session, access, item.scope, item.scope_key):
        abort(404)
    now = now_utc()
    version = feed_version(session, item, today_almaty(), current_app.config["BASE_URL"])
    if item.last_used_at is None or now - item.last_used_at > timedelta(hours=1):
        item.last_used_at = now  # when it was last read, to the hour: not a write per poll
        session.commit()
    headers = {"Cache-Control": "private, max-age=900", "ETag": f'"{version}"'}
    if version in request.if_none_match:  # nothing changed since the calendar's copy: no need to build it again
        return Response(status=304, headers=headers)
    body = render_feed(session, item, access, current_app.config["BASE_URL"], now)
    return Response(body, mimetype="text/calendar", headers=headers)
