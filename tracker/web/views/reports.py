"""Reporting pages: a checkpoint with its reports, a report with its timeline and update form, evidence downloads."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.catalog.lookups import checkpoint_with_context, obligation_with_instrument
from tracker.catalog.obligations import (
    MY_WORK_GROUPS,
    MyWorkDay,
    checkpoint_reports,
    my_work,
    owed_reports,
)
from tracker.db import get_session
from tracker.insight import public
from tracker.insight.bundles import checkpoint_bundle
from tracker.insight.figures import late_by
from tracker.languages import format_day
from tracker.meetings import decisions
from tracker.pagination import Page, page_number
from tracker.periods import Period
from tracker.reporting import evidence as uploads_
from tracker.reporting import review
from tracker.reporting.checkpoints import open_event_checkpoint, reschedule, timeline
from tracker.reporting.submissions import write_with_files
from tracker.reporting.workflow import (
    REPORTER,
    SECRETARY,
    ReportingError,
    StaleReport,
    Submission,
    allowed_moves,
    can_read,
    can_read_what_was_done,
    carry_forward,
    latest_update,
    load_report,
    move_explanation,
    post_to_each,
    post_update,
    previous_report,
    readable_file,
    resubmission_of,
    role_of,
    updates_since,
)
from tracker.statuses import ANSWERED
from tracker.statuses import label as status_label
from tracker.stores import evidence_store
from tracker.timeutil import now_utc, today_almaty
from tracker.web.access import current_access, require
from tracker.web.arguments import flash_errors
from tracker.web.forms import BulkUpdateForm, CarryForwardForm, OpenEventForm, ReportUpdateForm, RescheduleForm, options
from tracker.web.inputs import bounded_int
from tracker.web.kept import render_kept

bp = Blueprint("reports", __name__)


def _checkpoint_or_404(checkpoint_id: int):
    row = checkpoint_with_context(get_session(), checkpoint_id)
    if row is None:
        abort(404)
    return row


@bp.get("/checkpoints/<int:checkpoint_id>")
def checkpoint(checkpoint_id: int):
    """A checkpoint: due dates and slippage, the lead executor's report, co-executors' reports, the timeline."""
    cp, ob, inst, section = _checkpoint_or_404(checkpoint_id)
    today = today_almaty()

    def shown() -> dict:
        session = get_session()
        found = checkpoint_bundle(session, checkpoint_id, today)
        access = current_access()
        rows = found.rows
        readable = {r.id for r, _org in rows if access.can_read_report(r.organization_id, inst.id)}
        form = RescheduleForm(formdata=None, due_on=cp.due_on) \
            if access.can_manage_instrument(inst) and cp.retired_at is None else None
        return dict(rows=rows, status=found.status, answered=found.answered, readable=readable,
                    late=late_by(session, {r.id: cp.due_on for r, _org in rows if r.status in ANSWERED}),
                    events=timeline(session, cp, [r for r, _org in rows if r.id in readable]), form=form,
                    groups=found.groups, decisions=[(d, m) for d, m in decisions.touching(session, ob.id)
                                                    if cp.id in (d.checkpoint_id, d.opened_checkpoint_id)])

    return render_kept("reports/checkpoint.html", ("checkpoint", cp.id), shown, cp=cp, ob=ob, instrument=inst,
                       section=section, today=today)


@bp.post("/checkpoints/<int:checkpoint_id>/reschedule")
def reschedule_checkpoint(checkpoint_id: int):
    """A secretary moves the due date, with reason and source."""
    session = get_session()
    cp, _ob, inst, _section = _checkpoint_or_404(checkpoint_id)
    access = current_access()
    require(access.can_manage_instrument(inst))
    form = RescheduleForm()
    if not form.validate():
        flash_errors(form)
    else:
        try:
            change = reschedule(session=session, checkpoint=cp, instrument=inst, actor=current_user, access=access,
                                new_due_on=form.due_on.data, reason=form.reason.data, source=form.source.data,
                                now=now_utc(), ip=request.remote_addr)
            session.commit()
            flash(_("Срок перенесён с %(old)s на %(new)s.", old=format_day(change.old_due_on),
                    new=format_day(change.new_due_on)), "info")
        except ReportingError as exc:
            session.rollback()
            flash(str(exc), "error")
    return redirect(url_for("reports.checkpoint", checkpoint_id=cp.id))


@bp.post("/obligations/<path:key>/events")
def open_event(key: str):
    """A secretary opens a checkpoint of an event-driven obligation."""
    session = get_session()
    row = obligation_with_instrument(session, key)
    if row is None:
        abort(404)
    ob, inst = row
    access = current_access()
    require(access.can_manage_instrument(inst))
    form = OpenEventForm()
    if not form.validate():
        flash_errors(form)
        return redirect(url_for("catalog.obligation", key=key))
    try:
        cp = open_event_checkpoint(session=session, obligation=ob, instrument=inst, actor=current_user,
                                   access=access, label=form.label.data, due_on=form.due_on.data,
                                   source=form.source.data, now=now_utc(), ip=request.remote_addr)
        session.commit()
    except ReportingError as exc:
        session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("catalog.obligation", key=key))
    flash(_("Контрольная точка открыта."), "info")
    return redirect(url_for("reports.checkpoint", checkpoint_id=cp.id))


def _report_or_404(report_id: int):
    ctx = load_report(get_session(), report_id)
    if ctx is None or not can_read(current_access(), ctx):
        abort(404)
    return ctx


def _render_report(ctx, form, *, error=None, stale=None, status=200):
    session = get_session()
    access = current_access()
    moves = allowed_moves(access, ctx)
    form.status.choices = options([(m.target, status_label(m.target)) for m in moves])
    if form.status.data not in {m.target for m in moves} and moves:
        form.status.data = moves[0].target
    previous = previous_report(session, ctx) if (
        ctx.obligation.deadline_kind in ("recurring", "continuous")
        and any(m.target == "submitted" and m.by != SECRETARY for m in moves)) else None
    siblings = checkpoint_reports(session, ctx.checkpoint.id)
    carry_form = CarryForwardForm(formdata=None, version=ctx.report.version) if previous else None
    verdicts = [m for m in moves if m.by == SECRETARY and m.source == "submitted" and m.target in ("accepted",
                                                                                                  "returned")]
    return render_template(
        "reports/report.html", ctx=ctx, form=form, moves=moves, error=error, stale=stale,
        events=timeline(session, ctx.checkpoint, [ctx.report]), siblings=siblings, carry_form=carry_form,
        carry_from=previous[1] if previous else None,
        today=today_almaty(), explain=move_explanation, verdicts=verdicts,
        other_moves=[m for m in moves if m not in verdicts],
        submission=latest_update(session, ctx.report.id, ["submitted"]) if ctx.report.status == "submitted" else None,
        verdict=latest_update(session, ctx.report.id, ["returned", "accepted"])
        if ctx.report.status in ("returned", "accepted") else None,
        late_days=late_by(session, {ctx.report.id: ctx.checkpoint.due_on})[ctx.report.id]), status


@bp.get("/reports/<int:report_id>")
def report(report_id: int):
    """A report: status, the update form for whoever may act, the whole timeline; for an observer, what was done
    on an accepted report."""
    session = get_session()
    ctx = load_report(session, report_id)
    if ctx is not None and not can_read(current_access(), ctx) and can_read_what_was_done(current_access(), ctx):
        return render_template("reports/accepted.html", ctx=ctx,
                               submission=public.accepted_notes(session, [ctx.report.id]).get(ctx.report.id),
                               evidence=public.shared_evidence(session, ctx.report.id))
    ctx = _report_or_404(report_id)
    form = ReportUpdateForm(formdata=None, version=ctx.report.version)
    if ctx.report.status == "returned" and REPORTER in role_of(current_access(), ctx):
        # answering a return starts from what was sent last, links and publication included, and is sent back
        # for review: the reporter edits it instead of typing it again, and nothing attached is lost
        resubmission = resubmission_of(get_session(), ctx.report.id)
        form.note.data, form.links.data, form.public.data = resubmission.note, "\n".join(resubmission.links), \
            resubmission.public
        form.status.data = "submitted"
    return _render_report(ctx, form)


def _write(action):
    """Run a reporting action with the request's files in one transaction (see reporting.submissions)."""
    return write_with_files(get_session(), evidence_store(), request.files.getlist("files"), current_app.config,
                            action)


@bp.post("/reports/<int:report_id>")
def update(report_id: int):
    """Post a status update (reporters) or a verdict (secretaries) with the version the person saw."""
    ctx = _report_or_404(report_id)
    form = ReportUpdateForm()
    form.status.choices = options([(m.target, m.target) for m in allowed_moves(current_access(), ctx)])
    seen = bounded_int(request.form.get("version"))
    if seen is not None and seen != ctx.report.version:  # changed meanwhile: its choices are not theirs any more
        return _stale(ctx, form, StaleReport(ctx.report, updates_since(get_session(), ctx.report, seen)))
    if not form.validate():
        return _render_report(ctx, form, error="; ".join(f"{getattr(form, f).label.text}: {' '.join(map(str, e))}"
                                                         for f, e in form.errors.items()), status=400)
    try:
        _write(lambda received, store: post_update(
            session=get_session(), store=store, ctx=ctx, actor=current_user, access=current_access(),
            now=now_utc(), ip=request.remote_addr, submission=Submission(
                target=form.status.data, expected_version=form.version.data, note=form.note.data,
                reason=form.reason.data, reason_source=form.reason_source.data,
                no_evidence_reason=form.no_evidence_reason.data, evidence_period=form.evidence_period.data,
                uploads=received, links=(form.links.data or "").splitlines(), public_evidence=form.public.data)))
    except StaleReport as exc:
        return _stale(load_report(get_session(), report_id), form, exc)
    except (ReportingError, uploads_.EvidenceRejected) as exc:
        status = 507 if isinstance(exc, uploads_.StorageFull) else 400
        return _render_report(load_report(get_session(), report_id), form, error=str(exc), status=status)
    flash(_("Статус отчёта: %(status)s.", status=status_label(ctx.report.status)), "info")
    if form.status.data in VERDICTS:  # a secretary's verdict: on to the next report waiting for one
        following = review.next_awaiting(get_session(), current_access())
        if following is None:
            flash(_("Очередь проверки пуста."), "info")
            return redirect(url_for("review.queue"))
        return redirect(url_for("reports.report", report_id=following))
    return redirect(url_for("reports.report", report_id=report_id))


#: what a secretary decides on a submitted report; after it the next report of the queue opens
VERDICTS = ("accepted", "returned")


def _stale(ctx, form, exc: StaleReport):
    """409 with "changed by X", what changed, and the person's own text back in the form; resubmitting now means
    "I saw the changes", so the form carries the current version."""
    form.version.data, form.version.raw_data = ctx.report.version, [str(ctx.report.version)]
    return _render_report(ctx, form, error=str(exc), stale=exc.updates, status=409)


@bp.post("/reports/<int:report_id>/carry-forward")
def carry(report_id: int):
    """"No change since last period" in one action."""
    ctx = _report_or_404(report_id)
    form = CarryForwardForm()
    if not form.validate():
        abort(400)
    try:
        _write(lambda _received, store: carry_forward(
            session=get_session(), store=store, ctx=ctx, actor=current_user, access=current_access(),
            expected_version=form.version.data, now=now_utc(), ip=request.remote_addr))
    except StaleReport as exc:
        ctx = load_report(get_session(), report_id)
        return _render_report(ctx, ReportUpdateForm(formdata=None, version=ctx.report.version), error=str(exc),
                              stale=exc.updates, status=409)
    except ReportingError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Отчёт отправлен: без изменений по сравнению с прошлым периодом."), "info")
    return redirect(url_for("reports.report", report_id=report_id))


@bp.get("/evidence/<int:evidence_id>")
def evidence(evidence_id: int):
    """Download an evidence file as an attachment (the original, UTF-8 file name), for those who may read it."""
    store = evidence_store()
    item = readable_file(get_session(), current_access(), store, evidence_id)
    require(item is not None)
    return send_file(store.open(item.storage_key), mimetype=item.content_type, as_attachment=True,
                     download_name=item.file_name, max_age=0)


#: rows of each group "my work" lists at first; the whole group is one link away, in pages of MY_WORK_PAGE
MY_WORK_SHOWN = 20
MY_WORK_PAGE = 100


@bp.get("/reports")
def mine():
    """My work: my organizations' returned reports, overdue ones, this quarter's, the next deadlines and the accepted
    ones, each group counted whole and its first rows listed (?show=<group>&page=N: the whole group, page by page);
    one click to report, or several at once."""
    today = today_almaty()
    quarter = Period.containing(today, "quarterly")
    asked = request.args.get("show")
    shown, number = (asked, page_number(request.args.get("page"))) if asked in MY_WORK_GROUPS else (None, None)

    def listed() -> dict:
        session = get_session()
        organizations = current_access().organization_ids
        day = MyWorkDay(today, quarter.ends_on)
        if shown:
            found = my_work(session, organizations, day, shown=shown, offset=(number - 1) * MY_WORK_PAGE,
                            limit=MY_WORK_PAGE)
            page = Page(rows=[], number=number, size=MY_WORK_PAGE, total=found.counts[shown])
        else:
            found, page = my_work(session, organizations, day, limit=MY_WORK_SHOWN), None
        counts, groups = found.counts, found.rows
        done = groups.pop("done", [])
        return dict(groups=groups, counts=counts, page=page, done=done, form=BulkUpdateForm(formdata=None),
                    late=late_by(session, {row.report.id: row.checkpoint.due_on for row in done}))

    # the same for everyone who reports for the same organizations
    return render_kept("reports/mine.html", ("mine", shown, number, MY_WORK_SHOWN, MY_WORK_PAGE), listed,
                       shown=shown, quarter=quarter, today=today)


#: at most this many reports are updated by one bulk action (a page of the whole group)
BULK_LIMIT = MY_WORK_PAGE


@bp.post("/reports/bulk")
def bulk():
    """One update for several reports: all are written, or none (a stale or refused one names itself)."""
    session = get_session()
    access = current_access()
    form = BulkUpdateForm()
    # the choices are the reports asked for that the person's organizations owe: anything else fails validation
    asked = [bounded_int(value.split(":")[0]) for value in request.form.getlist("reports")[:BULK_LIMIT]]
    owed = owed_reports(session, access.organization_ids, [report_id for report_id in asked if report_id])
    form.reports.choices = options([(f"{r.id}:{r.version}", str(r.id)) for r in owed])
    if not form.validate() or not form.reports.data:
        flash(_("Отметьте отчёты и выберите статус (отчёт могли изменить — обновите страницу)."), "error")
        return redirect(url_for("reports.mine"))
    picked = [tuple(map(int, value.split(":"))) for value in form.reports.data]

    def apply(received, store):
        return post_to_each(session=session, store=store, actor=current_user, access=access, picked=picked,
                            now=now_utc(), ip=request.remote_addr,
                            submission=Submission(target=form.status.data, expected_version=0, note=form.note.data,
                                                  no_evidence_reason=form.no_evidence_reason.data, uploads=received,
                                                  links=(form.links.data or "").splitlines()))
    try:
        _write(apply)
    except (ReportingError, uploads_.EvidenceRejected) as exc:
        flash(_("Ничего не изменено. %(why)s", why=str(exc)), "error")
        return redirect(url_for("reports.mine"))
    flash(_("Обновлено отчётов: %(n)d.", n=len(picked)), "info")
    return redirect(url_for("reports.mine"))
