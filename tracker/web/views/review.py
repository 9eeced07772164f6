"""The secretary's review queue: what awaits my verdict, oldest first, and accepting several reports at once."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.catalog.lookups import live_instrument, live_instruments
from tracker.catalog.pickers import match_organizations
from tracker.db import get_session
from tracker.reporting import indicator_values, review
from tracker.reporting.workflow import ReportingError
from tracker.stores import evidence_store
from tracker.timeutil import now_utc, today_almaty
from tracker.web.access import current_access, require
from tracker.web.arguments import keyset_args
from tracker.web.forms import BulkAcceptForm, IndicatorVerdictForm
from tracker.web.kept import render_kept

bp = Blueprint("review", __name__)


def _filters(session, access):
    """The queue's filters from the query string, and what the organization text matched."""
    instrument = live_instrument(session, request.args.get("instrument", ""))
    if instrument is not None and not access.can_manage_instrument(instrument):
        instrument = None
    typed = request.args.get("organization", "").strip()
    match = match_organizations(session, typed) if typed else None
    return review.Filters(instrument_id=instrument.id if instrument else None,
                          organization_ids=match.ids if match else None), instrument, match


@bp.app_context_processor
def _queue_count():
    # a callable: the count is queried only where the navigation shows it (secretaries' pages)
    return {"awaiting_verdict": lambda: review.awaiting_badge(get_session(), current_access())}


@bp.get("/review")
def queue():
    """Reports awaiting my verdict, oldest submission first, with what was submitted; tick several to accept."""
    access = current_access()
    require(access.can_review())

    def shown() -> dict:
        session = get_session()
        filters, instrument, match = _filters(session, access)
        return dict(page=review.awaiting_verdict(session, access, filters, **keyset_args(review.KEY_TYPES)),
                    form=BulkAcceptForm(formdata=None),
                    instruments=[i for i in live_instruments(session) if access.can_manage_instrument(i)],
                    instrument=instrument, match=match, organization=request.args.get("organization", ""),
                    values=indicator_values.awaiting_verdict(session, access),
                    verdict=IndicatorVerdictForm(formdata=None))

    return render_kept("review/queue.html", ("review", sorted(request.args.items(multi=True)), review.PAGE_SIZE), shown,
                       today=today_almaty())


@bp.post("/review/accept")
def accept():
    """Accept the ticked reports: first a confirmation listing them, then all of them or none."""
    session = get_session()
    access = current_access()
    require(access.can_review())
    form = BulkAcceptForm()
    if not form.validate() or not form.reports.data:
        flash(_("Отметьте отчёты, которые принимаете."), "error")
        return redirect(url_for("review.queue"))
    picked = [tuple(map(int, value.split(":"))) for value in form.reports.data]
    if form.confirmed.data != "yes":
        items = review.awaiting_items(session, access, [report_id for report_id, _version in picked])
        form.confirmed.data = "yes"
        return render_template("review/confirm.html", form=form, items=items, picked=dict(picked))
    try:
        accepted = review.accept_many(session=session, store=evidence_store(), access=access, actor=current_user,
                                      picked=picked, note=form.note.data, now=now_utc(), ip=request.remote_addr)
        session.commit()
    except ReportingError as exc:
        session.rollback()
        flash(_("Ничего не принято. %(why)s", why=str(exc)), "error")
        return redirect(url_for("review.queue"))
    flash(_("Принято отчётов: %(n)d.", n=accepted), "info")
    return redirect(url_for("review.queue"))
