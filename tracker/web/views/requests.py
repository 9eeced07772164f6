"""Requests for information on a measure: asked from the measure's page, answered there by the owner."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.catalog.lookups import obligation_with_instrument
from tracker.db import get_session
from tracker.languages import format_day
from tracker.models import InformationRequest, Obligation
from tracker.reporting import information_requests
from tracker.timeutil import now_utc
from tracker.web.access import current_access, require
from tracker.web.arguments import flash_errors, this_app
from tracker.web.forms import InformationAnswerForm, InformationRequestForm

bp = Blueprint("requests", __name__)


def _back(obligation: Obligation):
    return redirect(url_for("catalog.obligation", key=obligation.key, _anchor="requests"))


@bp.post("/obligations/<path:key>/requests")
def ask(key: str):
    """Ask one of the measure's owners; its focal points are told by email."""
    session = get_session()
    found = obligation_with_instrument(session, key)
    require(found is not None and found[0].retired_at is None
            and information_requests.may_ask(session, current_access(), found[1]))
    obligation = found[0]
    form = InformationRequestForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _back(obligation)
    try:
        made = information_requests.ask(session=session, app=this_app(), obligation=obligation,
                                        organization_id=form.organization.data, question=form.question.data,
                                        actor=current_user, access=current_access(), now=now_utc(),
                                        ip=request.remote_addr)
    except information_requests.RequestError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(obligation)
    session.commit()
    flash(_("Запрос направлен; ответ ожидается до %(day)s.", day=format_day(made.due_on)), "success")
    return _back(obligation)


@bp.post("/information-requests/<int:request_id>/answer")
def answer(request_id: int):
    """The owner's focal point answers; the person who asked is told by email."""
    session = get_session()
    found = session.get(InformationRequest, request_id)
    require(found is not None and current_access().can_report_for(found.organization_id))
    obligation = session.get(Obligation, found.obligation_id)
    form = InformationAnswerForm()
    if not form.validate_on_submit():
        flash_errors(form)
        return _back(obligation)
    try:
        information_requests.answer(session=session, app=this_app(), request=found, text=form.answer.data,
                                    actor=current_user, access=current_access(), now=now_utc(), ip=request.remote_addr)
    except information_requests.RequestError as exc:
        session.rollback()
        flash(str(exc), "error")
        return _back(obligation)
    session.commit()
    flash(_("Ответ отправлен."), "success")
    return _back(obligation)
