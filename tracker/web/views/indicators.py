"""Target indicators: an indicator's page (chart, values, history, as of any day), values reported and judged."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.catalog.lookups import indicator_by_key
from tracker.db import get_session
from tracker.insight import indicators
from tracker.models import Indicator, IndicatorValue, Instrument
from tracker.reporting import indicator_values
from tracker.timeutil import now_utc, today_almaty
from tracker.web.access import current_access, require
from tracker.web.arguments import flash_errors, moment_arg, this_app
from tracker.web.forms import IndicatorValueForm, IndicatorVerdictForm, options
from tracker.web.indicator_pages import chart_of

bp = Blueprint("indicators", __name__)


def _view_or_404(key: str, when) -> indicators.IndicatorView:
    found = indicators.indicator_views(get_session(), when, keys=[key])
    if not found:
        abort(404)
    return found[0]


@bp.get("/indicators/<path:key>")
def indicator(key: str):
    """An indicator: what it measures, its chart and values as of a day (?as_of=), the history of every value
    submitted, and the forms of the reporter and the secretary."""
    session = get_session()
    today = today_almaty()
    when = moment_arg(today)
    view = _view_or_404(key, when)
    access = current_access()
    ind = view.indicator
    may_read_drafts = access.can_read_report(ind.reporter_id, ind.instrument_id)
    history = [h for h in indicator_values.history(session, ind.id)
               if may_read_drafts or h.row.state == "accepted"]
    reporting = None
    if access.can_report_for(ind.reporter_id) and ind.retired_at is None and not when.is_past:
        reporting = IndicatorValueForm(formdata=None)
        reporting.period.choices = options((p.label, p.label) for p in indicators.periods_due(ind, today))
    judging = access.can_judge_values(view.instrument, ind.reporter_id)
    return render_template("indicators/indicator.html", view=view, ind=ind, chart=chart_of(view), history=history,
                           reporting=reporting, judging=judging, verdict=IndicatorVerdictForm(formdata=None),
                           as_of=when.past, today=today)


@bp.post("/indicators/<path:key>/values")
def submit(key: str):
    """The reporter's focal point submits the value of a period (or a correction of one)."""
    session = get_session()
    found = indicator_by_key(session, key)
    require(found is not None and current_access().can_report_for(found.reporter_id))
    form = IndicatorValueForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("indicators.indicator", key=key, _anchor="report"))
    try:
        made = indicator_values.submit(
            session=session, indicator=found, actor=current_user, access=current_access(), now=now_utc(),
            ip=request.remote_addr, submission=indicator_values.Submission(
                period=form.period.data, value=indicator_values.parse_number(form.value.data),
                source=form.source.data, evidence_url=form.evidence_url.data, note=form.note.data))
    except indicator_values.IndicatorError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("indicators.indicator", key=key, _anchor="report"))
    session.commit()
    flash(_("Значение за %(period)s отправлено секретарю.", period=made.period), "success")
    return redirect(url_for("indicators.indicator", key=key, _anchor="history"))


@bp.post("/indicator-values/<int:value_id>/verdict")
def verdict(value_id: int):
    """The instrument's secretary accepts or returns a submitted value."""
    session = get_session()
    row = session.get(IndicatorValue, value_id)
    found = session.get(Indicator, row.indicator_id) if row else None
    require(found is not None and current_access().can_judge_values(session.get(Instrument, found.instrument_id),
                                                                    row.organization_id))
    back = request.form.get("next") == "review"
    form = IndicatorVerdictForm()
    target = url_for("review.queue", _anchor="indicator-values") if back else \
        url_for("indicators.indicator", key=found.key, _anchor="history")
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(target)
    try:
        indicator_values.decide(session=session, row=row, verdict=form.verdict.data, note=form.note.data,
                                actor=current_user, access=current_access(), now=now_utc(), ip=request.remote_addr,
                                app=this_app())
    except indicator_values.IndicatorError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(target)
    session.commit()
    flash(_("Значение принято.") if form.verdict.data == "accepted" else _("Значение возвращено на доработку."),
          "success")
    return redirect(target)
