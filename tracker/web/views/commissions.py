"""Commissions and their meetings: the list of commissions, a commission's page, a meeting with its agenda and
decisions, the agenda and protocol as Word documents, the invitations."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.as_of import Moment
from tracker.catalog.lookups import live_commissions, live_organizations, organizations_by
from tracker.db import get_session
from tracker.insight import indicators
from tracker.meetings import agenda, decisions, documents, invitations
from tracker.meetings.agenda import MeetingError, Planned
from tracker.meetings.decisions import Asked
from tracker.models import Commission, Meeting, Organization
from tracker.stores import evidence_store
from tracker.timeutil import now_utc, today_almaty
from tracker.web.access import current_access, require
from tracker.web.arguments import flash_errors, this_app
from tracker.web.forms import AgendaForm, AgendaItemForm, DecisionForm, MeetingForm
from tracker.web.inputs import bounded_int

bp = Blueprint("commissions", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _commission_or_404(key: str) -> Commission:
    commission = agenda.find_commission(get_session(), key)
    if commission is None:
        abort(404)
    return commission


def _instrument_ids(commission: Commission) -> list[int]:
    return [instrument.id for instrument in agenda.commission_instruments(get_session(), commission)]


def _meeting_or_404(meeting_id: int) -> tuple[Meeting, Commission]:
    """The meeting and its commission, for those who may follow it; 404 for anyone else."""
    session = get_session()
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        abort(404)
    commission = session.get(Commission, meeting.commission_id)
    require(current_access().can_follow_commission(commission.id, _instrument_ids(commission)))
    return meeting, commission


@bp.get("/commissions")
def index():
    """Every commission: the republican one, the regional ones, the industry ones."""
    return render_template("commissions/index.html", commissions=live_commissions(get_session()))


@bp.get("/commissions/<commission_key>")
def commission(commission_key: str):
    """A commission: its parties, instruments and meetings; its secretary plans the next meeting here."""
    session = get_session()
    found = _commission_or_404(commission_key)
    instruments = agenda.commission_instruments(session, found)
    access = current_access()
    follows = access.can_follow_commission(found.id, [i.id for i in instruments])
    meetings = agenda.meetings_of(session, found) if follows else []
    codes = [code for side in found.parties.values() for code in side]
    names = {o.code: o for o in organizations_by(session, codes=codes)}
    secretariat = session.get(Organization, found.secretariat_id) if found.secretariat_id else None
    measured = indicators.indicator_views(session, Moment.today(today_almaty()),
                                          instrument_ids=[i.id for i in instruments])
    return render_template("commissions/commission.html", commission=found, instruments=instruments,
                           meetings=meetings, follows=follows, names=names, form=MeetingForm(formdata=None),
                           secretariat=secretariat, indicator_tally_counts=indicators.tally(measured),
                           indicator_tallies=indicators.rolled_up(measured, lambda view: view.instrument.id))


@bp.post("/commissions/<commission_key>/meetings")
def plan(commission_key: str):
    """Plan a meeting: its agenda is drafted at once."""
    found = _commission_or_404(commission_key)
    access = current_access()
    require(access.can_run_commission(found.id))
    form = MeetingForm()
    if not form.validate():
        flash_errors(form)
        return redirect(url_for("commissions.commission", commission_key=commission_key))
    session = get_session()
    try:
        meeting = agenda.plan(session=session, commission=found, actor=current_user, access=access, now=now_utc(),
                              ip=request.remote_addr,
                              planned=Planned(form.number.data, form.held_on.data, form.starts_at.data,
                                              form.place.data, form.link.data))
        session.commit()
    except MeetingError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("commissions.commission", commission_key=commission_key))
    flash(_("Заседание запланировано; повестка составлена из того, что ждёт комиссию: уточните её."), "info")
    return redirect(url_for("commissions.meeting", meeting_id=meeting.id))


@bp.get("/meetings/<int:meeting_id>")
def meeting(meeting_id: int):
    """A meeting: its agenda (kept by the secretary) and a decision on each item."""
    session = get_session()
    found, commission_ = _meeting_or_404(meeting_id)
    rows = decisions.agenda_with_decisions(session, found)
    choices = decisions.candidates_of(session, [item for item, decision in rows if decision is None])
    forms = {}
    for item, decision in rows:
        if decision is None:
            form = DecisionForm(formdata=None, prefix=f"item{item.id}")
            form.kind.choices = _kinds()
            form.checkpoint_id.choices = [("", "—")] + [
                (str(cp.id), f"{cp.label or cp.period} · {cp.due_on:%d.%m.%Y}")
                for cp in choices[item.id]]
            forms[item.id] = form
    keys = decisions.tracked_keys(session, [d for _item, d in rows if d])
    return render_template("commissions/meeting.html", meeting=found, commission=commission_, rows=rows,
                           forms=forms, tracked=keys, agenda_form=AgendaForm(formdata=None, version=found.version),
                           item_form=AgendaItemForm(formdata=None, version=found.version),
                           runs=current_access().can_run_commission(commission_.id),
                           organizations=live_organizations(session), applied=documents.applied,
                           members=len(invitations.members(session, commission_)))


def _kinds() -> list[tuple[str, str]]:
    words = {"noted": _("Принять к сведению"), "deadline": _("Перенести срок"),
             "event": _("Открыть контрольную точку (мера по событию)"),
             "not_applicable": _("Признать неприменимым"), "cancelled": _("Отменить"),
             "new": _("Новое решение комиссии (на контроль)"), "owner": _("Сменить головного исполнителя меры")}
    return [(kind, words[kind]) for kind in decisions.KINDS]


def _by_me() -> dict:
    """Who acts, from where, and when: what every change of the agenda records."""
    return dict(actor=current_user, access=current_access(), now=now_utc(), ip=request.remote_addr)


def _run_or_404(meeting_id: int) -> tuple[Meeting, Commission]:
    """The meeting, for its commission's secretaries (who change it); 404 for anyone else."""
    found, commission_ = _meeting_or_404(meeting_id)
    require(current_access().can_run_commission(commission_.id))
    return found, commission_


def _agenda_change(meeting_id: int, form: AgendaForm, change):
    """Validate the posted form, make the change from the version the page showed, back to the agenda."""
    found, _commission = _run_or_404(meeting_id)
    session = get_session()
    if not form.validate():
        flash_errors(form)
    else:
        try:
            change(session, found, form)
            session.commit()
        except MeetingError as exc:
            session.rollback()
            flash(str(exc), "error")
    return redirect(url_for("commissions.meeting", meeting_id=meeting_id, _anchor="agenda"))


@bp.post("/meetings/<int:meeting_id>/agenda/<int:item_id>/up")
def move_up(meeting_id: int, item_id: int):
    """Move an agenda item one place up."""
    return _agenda_change(meeting_id, AgendaForm(), lambda session, found, form: agenda.move(
        session=session, meeting=found, item_id=item_id, up=True, seen_version=form.version.data, **_by_me()))


@bp.post("/meetings/<int:meeting_id>/agenda/<int:item_id>/down")
def move_down(meeting_id: int, item_id: int):
    """Move an agenda item one place down."""
    return _agenda_change(meeting_id, AgendaForm(), lambda session, found, form: agenda.move(
        session=session, meeting=found, item_id=item_id, up=False, seen_version=form.version.data, **_by_me()))


@bp.post("/meetings/<int:meeting_id>/agenda/<int:item_id>/remove")
def remove_item(meeting_id: int, item_id: int):
    """Take an item off the agenda."""
    return _agenda_change(meeting_id, AgendaForm(), lambda session, found, form: agenda.remove(
        session=session, meeting=found, item_id=item_id, seen_version=form.version.data, **_by_me()))


@bp.post("/meetings/<int:meeting_id>/agenda")
def add_item(meeting_id: int):
    """Add an item of the secretary's own."""
    return _agenda_change(meeting_id, AgendaItemForm(), lambda session, found, form: agenda.add(
        session=session, meeting=found, title=form.title.data, details=form.details.data,
        seen_version=form.version.data, **_by_me()))


@bp.post("/meetings/<int:meeting_id>/agenda/<int:item_id>/decision")
def decide(meeting_id: int, item_id: int):
    """Record the commission's decision on an item; Mindet applies it in the same transaction."""
    found, _commission = _run_or_404(meeting_id)
    session = get_session()
    item = next((i for i in agenda.agenda(session, found) if i.id == item_id), None)
    if item is None:
        abort(404)
    form = DecisionForm(prefix=f"item{item.id}")
    form.kind.choices = _kinds()
    if not form.validate():
        flash_errors(form)
        return redirect(url_for("commissions.meeting", meeting_id=meeting_id, _anchor=f"item-{item.id}"))
    asked = Asked(form.kind.data, form.text.data, checkpoint_id=bounded_int(form.checkpoint_id.data),
                  due_on=form.due_on.data, owner=form.owner.data)
    try:
        decisions.record(session=session, meeting=found, item=item, asked=asked, actor=current_user,
                         access=current_access(), store=evidence_store(), now=now_utc(), ip=request.remote_addr,
                         roadmaps_dir=Path(current_app.config["ROADMAPS_DIR"]))
        session.commit()
        flash(_("Решение по пункту %(n)d записано и применено.", n=item.position), "info")
    except MeetingError as exc:
        session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("commissions.meeting", meeting_id=meeting_id, _anchor=f"item-{item.id}"))


@bp.post("/meetings/<int:meeting_id>/invite")
def invite(meeting_id: int):
    """Send the agenda with a calendar invitation to every member of the commission."""
    found, _commission = _run_or_404(meeting_id)
    session = get_session()
    if not AgendaForm().validate():
        abort(400)
    try:
        sent = invitations.invite(session=session, app=this_app(), meeting=found, actor=current_user,
                                  access=current_access(), now=now_utc(), ip=request.remote_addr)
        session.commit()
        flash(_("Повестка с приглашением в календарь поставлена в очередь для %(n)d участников: письма уйдут в "
                "течение минуты.", n=sent), "info")
    except MeetingError as exc:
        session.rollback()
        flash(str(exc), "error")
    return redirect(url_for("commissions.meeting", meeting_id=meeting_id))


@bp.get("/meetings/<int:meeting_id>/agenda.docx")
def agenda_docx(meeting_id: int):
    """The agenda as a Word document."""
    found, commission_ = _meeting_or_404(meeting_id)
    return _docx(f"{commission_.key}-{found.number}-agenda.docx", lambda stream: documents.write_agenda(
        commission_, found, agenda.agenda(get_session(), found), stream))


@bp.get("/meetings/<int:meeting_id>/protocol.docx")
def protocol_docx(meeting_id: int):
    """The protocol, decisions item by item, as a Word document."""
    found, commission_ = _meeting_or_404(meeting_id)
    return _docx(f"{commission_.key}-{found.number}-protocol.docx", lambda stream: documents.write_protocol(
        commission_, found, decisions.agenda_with_decisions(get_session(), found), stream))


def _docx(name: str, write):
    """A Word document written by `write` into memory, sent as a download."""
    buffer = io.BytesIO()
    write(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, mimetype=DOCX, download_name=name)
