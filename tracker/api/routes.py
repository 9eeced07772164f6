"""The JSON API's endpoints under /api/v1: reads of the catalog, reports, evidence and the overdue list, and the
two writes of the report form (a status update with files, a secretary's verdict) with the web form's rules."""

from __future__ import annotations

from dataclasses import replace
from typing import get_origin

from flask import current_app, g, request, send_file, url_for
from flask_babel import gettext as _
from flask_openapi3 import APIBlueprint, Tag
from pydantic import ValidationError

from tracker.api import problems
from tracker.api import schemas as s
from tracker.api.access import authenticate, bounded_json, conditional, rate_limit, token_key
from tracker.api.problems import Problem
from tracker.as_of import Moment
from tracker.catalog.lookups import live_instrument, live_sections
from tracker.catalog.obligations import obligation_views
from tracker.db import get_session
from tracker.insight.bundles import checkpoint_bundle, dashboard_bundle
from tracker.insight.figures import instrument_overview
from tracker.insight.indicators import indicator_views
from tracker.insight.overdue import Filters, overdue_page
from tracker.models import Evidence
from tracker.pagination import Page
from tracker.people.permissions import NotPermitted
from tracker.periods import Period
from tracker.reporting import evidence as uploads
from tracker.reporting.checkpoints import timeline
from tracker.reporting.submissions import write_with_files
from tracker.reporting.workflow import (
    ReportingError,
    StaleReport,
    Submission,
    can_read,
    load_report,
    post_update,
    readable_file,
)
from tracker.stores import evidence_store
from tracker.timeutil import now_utc, today_almaty
from tracker.web.access import current_access
from tracker.web.i18n import localized
from tracker.web.security import csrf, limiter

PROBLEM = s.ProblemDetails
api = APIBlueprint("api", __name__, url_prefix="/api/v1", abp_security=[{"token": []}],
                   abp_responses={401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 429: PROBLEM})
# set once here, not per app: a blueprint takes no new hooks after its first registration (the tests build many apps)
api.before_request(authenticate)
api.before_request(bounded_json)
api.after_request(conditional)
limiter.limit(rate_limit, key_func=token_key)(api)
csrf.exempt(api)
CATALOG, REPORTS, FIGURES = Tag(name="catalog"), Tag(name="reports"), Tag(name="figures")
WRITE_RESPONSES = {201: s.Written, 400: PROBLEM, 409: PROBLEM, 507: PROBLEM}


def _members(page: Page) -> dict:
    """A page's members of a list answer."""
    return {"page": page.number, "per_page": page.size, "total": page.total, "pages": page.pages}


def _page_of(items: list, paging: s.Paging) -> tuple[list, dict]:
    """One page of an in-memory list and its page members (past the end: no rows)."""
    start = (paging.page - 1) * paging.per_page
    page = Page(rows=items[start:start + paging.per_page], number=paging.page, size=paging.per_page,
                total=len(items))
    return page.rows, _members(page)


def _instrument(row: dict) -> dict:
    inst = row["instrument"]
    return s.Instrument(key=inst.key, kind=inst.kind, title=localized(inst, "title"), valid_from=inst.valid_from,
                        valid_to=inst.valid_to, public=inst.is_public, obligations=row.get("obligations"),
                        checkpoints=row.get("checkpoints"), overdue=row.get("overdue")).model_dump(mode="json")


def _organization(org) -> dict:
    return {"code": org.code, "name": localized(org, "name")}


def _obligation(view) -> dict:
    ob = view.obligation
    return s.Obligation(
        key=ob.key, instrument=view.instrument.key, section=view.section.number, number=ob.number, text=ob.text,
        result=ob.result, deadline_text=ob.deadline_text, status=view.status,
        owners=[s.Owner(**_organization(org), lead=owner.is_lead, by_agreement=owner.is_by_agreement)
                for org, owner in view.owners],
        checkpoints=[s.CheckpointBrief(id=cp.id, period=cp.period, due_on=cp.due_on, status=status)
                     for cp, status in view.checkpoints]).model_dump(mode="json")


@api.get("/instruments", tags=[CATALOG], responses={200: s.InstrumentList})
def instruments(query: s.Paging):
    """Every live instrument with its counts of obligations, checkpoints and overdue checkpoints today."""
    page = instrument_overview(get_session(), Moment.today(today_almaty()), number=query.page, size=query.per_page)
    return {**_members(page), "items": [_instrument(row) for row in page.rows]}


@api.get("/instruments/<key>", tags=[CATALOG], responses={200: s.InstrumentDetail})
def instrument(path: s.KeyPath):
    """An instrument and its sections."""
    session = get_session()
    inst = live_instrument(session, path.key)
    if inst is None:
        raise Problem(404, _("Документа «%(key)s» нет.", key=path.key))
    return {**_instrument({"instrument": inst}),
            "sections": [{"number": sec.number, "title": localized(sec, "title")}
                         for sec in live_sections(session, inst)]}


@api.get("/instruments/<key>/obligations", tags=[CATALOG], responses={200: s.ObligationList})
def obligations(path: s.KeyPath, query: s.Paging):
    """An instrument's obligations in order, with owners and checkpoints (status as of today)."""
    session = get_session()
    inst = live_instrument(session, path.key)
    if inst is None:
        raise Problem(404, _("Документа «%(key)s» нет.", key=path.key))
    views, page = _page_of(obligation_views(session=session, when=Moment.today(today_almaty()), instrument=inst), query)
    return {**page, "items": [_obligation(view) for view in views]}


@api.get("/obligations/<path:key>", tags=[CATALOG], responses={200: s.Obligation})
def obligation(path: s.ObligationPath):
    """One obligation: verbatim text, owners, checkpoints."""
    views = obligation_views(session=get_session(), when=Moment.today(today_almaty()), keys=[path.key])
    if not views:
        raise Problem(404, _("Меры «%(key)s» нет.", key=path.key))
    return _obligation(views[0])


@api.get("/checkpoints/<int:id>", tags=[CATALOG], responses={200: s.Checkpoint})
def checkpoint(path: s.IdPath):
    """A checkpoint with every responsible organization's report (status and version; the content of a report is
    read at /reports/{id} by those who may)."""
    found = checkpoint_bundle(get_session(), path.id, today_almaty())
    if found is None:
        raise Problem(404, _("Контрольной точки %(id)s нет.", id=path.id))
    cp = found.checkpoint
    reports = [s.ReportBrief(id=r.id, organization=_organization(org), lead=r.is_lead, status=r.status,
                             version=r.version) for r, org in found.rows]
    return s.Checkpoint(id=cp.id, period=cp.period, due_on=cp.due_on, status=found.status,
                        obligation=found.obligation.key, original_due_on=cp.original_due_on,
                        reports=reports).model_dump(mode="json")


def _readable_report(report_id: int):
    ctx = load_report(get_session(), report_id)
    if ctx is None or not can_read(current_access(), ctx):
        raise Problem(404, _("Отчёта %(id)s, который вам доступен, нет.", id=report_id))
    return ctx


def _evidence(item: Evidence) -> s.EvidenceItem:
    url = item.url if item.kind == "link" else url_for("api.evidence_file", id=item.id, _external=True)
    return s.EvidenceItem(id=item.id, kind=item.kind, file_name=item.file_name, size=item.size,
                          content_type=item.content_type, sha256=item.sha256, url=url, covers_period=item.covers_period)


@api.get("/reports/<int:id>", tags=[REPORTS], responses={200: s.Report})
def report(path: s.IdPath):
    """A report with its status updates (newest first) and their evidence: the reporting organization's people,
    the instrument's secretaries and administrators."""
    ctx = _readable_report(path.id)
    entries = [e for e in timeline(get_session(), ctx.checkpoint, [ctx.report]) if e.update is not None]
    updates = [s.StatusUpdate(id=e.update.id, status=e.update.status, previous_status=e.update.previous_status,
                              version=e.update.report_version, note=e.update.note, reason=e.update.reason,
                              reason_source=e.update.reason_source, author=e.author.name if e.author else None,
                              created_at=e.update.created_at, evidence=[_evidence(x) for x in e.evidence])
               for e in entries]
    return s.Report(id=ctx.report.id, organization=_organization(ctx.organization), lead=ctx.report.is_lead,
                    status=ctx.report.status, version=ctx.report.version, checkpoint_id=ctx.checkpoint.id,
                    obligation=ctx.obligation.key, period=ctx.checkpoint.period, due_on=ctx.checkpoint.due_on,
                    updates=updates).model_dump(mode="json")


@api.get("/evidence/<int:id>", tags=[REPORTS], responses={200: None})
def evidence_file(path: s.IdPath):
    """Download an evidence file (the original bytes and name), for those who may read its report."""
    store = evidence_store()
    item = readable_file(get_session(), current_access(), store, path.id)
    if item is None:
        raise Problem(404, _("Файла подтверждения %(id)s, который вам доступен, нет.", id=path.id))
    return send_file(store.open(item.storage_key), mimetype=item.content_type, as_attachment=True,
                     download_name=item.file_name, max_age=0)


@api.get("/overdue", tags=[FIGURES], responses={200: s.OverdueList})
def overdue(query: s.OverdueQuery):
    """The overdue view with its filters, most overdue first: administrators (everything) and secretaries (their
    instruments)."""
    session = get_session()
    try:
        scope = current_access().overdue_scope()
    except NotPermitted as refused:
        raise Problem(403, str(refused)) from None
    filters = Filters(instrument=query.instrument, organization=query.organization, status=query.status,
                      period=query.period).understood(session).filters
    found, totals = overdue_page(session, filters, Moment.today(today_almaty()), instrument_ids=scope, page=query.page,
                                 page_size=query.per_page)
    items = [s.OverdueItem(report_id=row.report.id, obligation=row.obligation.key, instrument=row.instrument.key,
                           period=row.checkpoint.period, due_on=row.due_on, days_overdue=row.days,
                           organization=_organization(row.organization), status=row.status).model_dump(mode="json")
             for row in found.rows]
    return {"page": found.number, "per_page": found.size, "total": found.total, "pages": found.pages,
            "items": items, "totals": dict(totals)}


@api.get("/dashboard", tags=[FIGURES], responses={200: s.Dashboard})
def dashboard(query: s.DashboardQuery):
    """The dashboard's figures for every instrument or one (?instrument=key), timeliness for ?quarter=2026-Q3 (by
    default the last quarter complete on the day judged), as they stood at the end of ?as_of=YYYY-MM-DD if given."""
    session, today = get_session(), today_almaty()
    inst = None
    if query.instrument:
        inst = live_instrument(session, query.instrument)
        if inst is None:
            raise Problem(404, _("Документа «%(key)s» нет.", key=query.instrument))
    when = Moment.for_asked(query.as_of, today)
    figures = dashboard_bundle(session, when, instrument=inst, every_section=True,
                               quarter=Period.parse(query.quarter) if query.quarter else None)
    return s.Dashboard(
        instrument=inst.key if inst else None, today=today, as_of=when.past, quarter=figures.quarter.label,
        checkpoints=figures.counts,
        sections=[s.SectionFigures(instrument=p.instrument.key, section=p.section.number, done=p.done,
                                   total=p.total) for p in figures.sections],
        on_time=[s.Timeliness(code=r.code, on_time=r.on_time, total=r.total, percent=r.percent)
                 for r in figures.league],
        overdue=dict(figures.overdue)).model_dump(mode="json")


def _indicator(view) -> dict:
    ind = view.indicator
    return s.Indicator(
        key=ind.key, instrument=view.instrument.key, obligation=view.obligation.key if view.obligation else None,
        name=localized(ind, "name"), unit=ind.unit, direction=ind.direction,
        band=[ind.band_low, ind.band_high] if ind.direction == "band" else None, tolerance=ind.tolerance,
        baseline=ind.baseline_value, baseline_on=ind.baseline_on, baseline_source=ind.baseline_source,
        targets=[s.Target(**target) for target in ind.targets], reporter=_organization(view.reporter),
        frequency=ind.frequency, public=ind.is_public, judgement=view.judgement,
        values=[s.IndicatorValue(period=p.period, period_end=p.period_end, value=p.value, expected=p.expected,
                                 judgement=p.judgement, source=p.row.source, evidence_url=p.row.evidence_url,
                                 accepted_at=p.row.decided_at) for p in view.points]).model_dump(mode="json")


@api.get("/indicators", tags=[FIGURES], responses={200: s.IndicatorList})
def indicators_list(query: s.IndicatorQuery):
    """Target indicators (of ?instrument=key, or all) in document order, each with its accepted values and
    judgement, as they stood at the end of ?as_of=YYYY-MM-DD if given."""
    session = get_session()
    ids = None
    if query.instrument:
        inst = live_instrument(session, query.instrument)
        if inst is None:
            raise Problem(404, _("Документа «%(key)s» нет.", key=query.instrument))
        ids = [inst.id]
    when = Moment.for_asked(query.as_of, today_almaty())
    views, page = _page_of(indicator_views(session, when, instrument_ids=ids), query)
    return {**page, "as_of": when.past.isoformat() if when.past else None,
            "items": [_indicator(view) for view in views]}


@api.get("/indicators/<path:key>", tags=[FIGURES], responses={200: s.Indicator})
def indicator(path: s.IndicatorPath, query: s.IndicatorAsOf):
    """One indicator with its accepted values as of today or the end of ?as_of=YYYY-MM-DD."""
    views = indicator_views(get_session(), Moment.for_asked(query.as_of, today_almaty()), keys=[path.key])
    if not views:
        raise Problem(404, _("Индикатора «%(key)s» нет.", key=path.key))
    return _indicator(views[0])


def _write(ctx, submission: Submission, files=()) -> dict:
    """Post one update with its files in one transaction, exactly as the web form does."""
    entry = write_with_files(get_session(), evidence_store(), files, current_app.config, lambda received, store: (
        post_update(session=get_session(), store=store, ctx=ctx, actor=g._login_user,
                    access=current_access(), now=now_utc(), ip=request.remote_addr,
                    via=f"api token {g.api_token.id}", submission=replace(submission, uploads=received))))
    return s.Written(report_id=ctx.report.id, status=ctx.report.status, version=ctx.report.version,
                     update_id=entry.id).model_dump()


def _refused(exc: Exception):
    if isinstance(exc, StaleReport):
        return Problem(409, _("Отчёт изменился после версии, которую вы прислали: сейчас версия %(version)d. "
                              "Прочитайте его снова и отправьте изменение с этой версией.",
                              version=exc.report.version),
                       version=exc.report.version, status_now=exc.report.status)
    return Problem(400 if not isinstance(exc, uploads.StorageFull) else 507, str(exc))


def form_as_sent(model: type[s.BaseModel], form):
    """The multipart form validated again from the text as sent: the library has read each field as JSON where it
    could ("2025" became a number, '"quoted"' lost its quotes); every text field is text."""
    lists = {name for name, field in model.model_fields.items() if get_origin(field.annotation) is list}
    sent = {name: request.form.getlist(name) if name in lists else request.form[name]
            for name in request.form if name in model.model_fields}
    return model.model_validate({**sent, "files": form.files})


@api.post("/reports/<int:id>/updates", tags=[REPORTS], responses=WRITE_RESPONSES)
def post_status_update(path: s.IdPath, form: s.UpdateForm):
    """Post a status update with evidence (multipart/form-data: files repeat `files`, links repeat `links`): the
    web form's transitions, version check (409 with the current version when the report changed) and audit."""
    try:
        form = form_as_sent(s.UpdateForm, form)
    except ValidationError as exc:
        return problems.validation_problem(exc)
    ctx = _readable_report(path.id)
    try:
        written = _write(ctx, Submission(target=form.status, expected_version=form.version, note=form.note,
                                         reason=form.reason, reason_source=form.reason_source,
                                         no_evidence_reason=form.no_evidence_reason, links=form.links),
                         files=form.files)
    except (ReportingError, uploads.EvidenceRejected) as exc:
        raise _refused(exc) from exc
    return written, 201


@api.post("/reports/<int:id>/verdict", tags=[REPORTS], responses=WRITE_RESPONSES)
def post_verdict(path: s.IdPath, body: s.Verdict):
    """A secretary accepts a submitted report or returns it with a reason (JSON body)."""
    ctx = _readable_report(path.id)
    target = "accepted" if body.decision == "accept" else "returned"
    try:
        written = _write(ctx, Submission(target=target, expected_version=body.version, reason=body.reason))
    except ReportingError as exc:
        raise _refused(exc) from exc
    return written, 201


def problem_for(error: Problem):
    """The response of a raised Problem."""
    return problems.problem_response(error.status, error.detail, **error.extra)
