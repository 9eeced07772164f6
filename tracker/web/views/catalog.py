"""Read-only pages: instruments, an instrument's sections and obligations, an obligation's checkpoints."""

from __future__ import annotations

from collections import defaultdict

from flask import Blueprint, Response, abort, render_template, request

from tracker.as_of import Moment
from tracker.catalog import versions
from tracker.catalog.lookups import live_instrument, live_sections, obligation_with_context
from tracker.catalog.obligations import answered_counts, obligation_views
from tracker.catalog.search import LIMIT
from tracker.catalog.search import search as find_measures
from tracker.db import get_session
from tracker.insight.figures import instrument_overview, lead_lateness
from tracker.insight.indicators import indicator_views, rolled_up, tally, worst_first
from tracker.meetings import decisions
from tracker.reporting import information_requests
from tracker.timeutil import today_almaty
from tracker.web.access import current_access
from tracker.web.arguments import instrument_or_404, page_arg
from tracker.web.forms import InformationAnswerForm, InformationRequestForm, OpenEventForm
from tracker.web.i18n import localized
from tracker.web.indicator_pages import charts_of
from tracker.web.inputs import bounded_int
from tracker.web.kept import render_kept

bp = Blueprint("catalog", __name__)

#: instruments on a page of the list everyone starts from
INSTRUMENTS_PAGE = 25


@bp.get("/")
def instruments():
    """Every instrument with its counts, a page at a time (a national deployment has a hundred)."""
    today, number = today_almaty(), page_arg()

    def shown() -> dict:
        page = instrument_overview(get_session(), Moment.today(today), number=number, size=INSTRUMENTS_PAGE)
        if not page.rows and page.number > 1:  # past the end (a link kept from when there were more)
            page = instrument_overview(get_session(), Moment.today(today), number=page.pages, size=INSTRUMENTS_PAGE)
        return {"page": page, "rows": page.rows}

    return render_kept("catalog/instruments.html", ("instruments", number, INSTRUMENTS_PAGE), shown, today=today)


@bp.get("/instruments/<key>")
def instrument(key: str):
    """An instrument: header, then its sections with their obligations, owners and next due date."""
    inst = live_instrument(get_session(), key)
    if inst is None:
        abort(404)
    today = today_almaty()

    def shown() -> dict:
        session = get_session()
        by_section = defaultdict(list)
        for view in obligation_views(session=session, when=Moment.today(today), instrument=inst, states_only=True):
            by_section[view.section.id].append(view)
        measured = worst_first(indicator_views(session, Moment.today(today), instrument_ids=[inst.id]))
        return dict(sections=live_sections(session, inst), by_section=by_section, indicators=measured,
                    indicator_tally_counts=tally(measured), section_tallies=rolled_up(measured, lambda v: v.section_id))

    return render_kept("catalog/instrument.html", ("instrument", inst.id), shown, instrument=inst, today=today)


@bp.get("/obligations/<path:key>")
def obligation(key: str):
    """An obligation: verbatim text, result, owners, and every checkpoint with its reports."""
    found = obligation_with_context(get_session(), key)
    if found is None:
        abort(404)
    ob, inst, section = found
    today = today_almaty()

    def shown() -> dict:
        session = get_session()
        view = obligation_views(session=session, when=Moment.today(today), keys=[key], include_retired=True)[0]
        reported = answered_counts(session, [cp.id for cp, _ in view.checkpoints])
        done = {cp.id: cp.due_on for cp, status in view.checkpoints if status == "done"}
        asking = None
        if ob.retired_at is None and information_requests.may_ask(session, current_access(), inst):
            asking = InformationRequestForm(formdata=None)
            asking.organization.choices = [(o.id, f"{o.code} — {localized(o, 'name')}")
                                           for o in information_requests.owners_of(session, ob)]
        measured = indicator_views(session, Moment.today(today), obligation_id=ob.id)
        return dict(view=view, reported=reported, indicators=measured, charts=charts_of(measured),
                    event_form=OpenEventForm(formdata=None), late=lead_lateness(session, done),
                    decisions=decisions.touching(session, ob.id),
                    requests=information_requests.requests_of(session, ob.id), asking=asking,
                    answering=InformationAnswerForm(formdata=None))

    return render_kept("catalog/obligation.html", ("obligation", ob.id), shown, ob=ob, instrument=inst, section=section,
                       today=today)


@bp.get("/instruments/<key>/versions")
def instrument_versions(key: str):
    """Every version of the instrument's YAML as applied, newest first, and a form to compare two."""
    inst = instrument_or_404(key)
    kept = versions.versions_of(get_session(), inst)
    return render_template("catalog/versions.html", instrument=inst, versions=kept)


@bp.get("/instruments/<key>/versions/<int:number>.yaml")
def version_yaml(key: str, number: int):
    """One version as the YAML file it was."""
    found = versions.version(get_session(), instrument_or_404(key), number)
    if found is None:
        abort(404)
    return Response(found.text, content_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{key}-v{number}.yaml"'})


@bp.get("/instruments/<key>/versions/compare")
def compare_versions(key: str):
    """Two versions compared: measures added, retired and changed (field by field), then the lines."""
    session = get_session()
    inst = instrument_or_404(key)
    older = versions.version(session, inst, bounded_int(request.args.get("older")) or 0)
    newer = versions.version(session, inst, bounded_int(request.args.get("newer")) or 0)
    if older is None or newer is None:
        abort(404)
    changes, lines = versions.compare(older, newer)
    return render_template("catalog/compare.html", instrument=inst, older=older, newer=newer, changes=changes,
                           lines=lines, versions=versions.versions_of(session, inst))


@bp.get("/search")
def search():
    """Measures by number, words of their text or owner, across the instruments."""
    query = request.args.get("q", "")
    return render_kept("catalog/search.html", ("search", query),
                       lambda: {"hits": find_measures(get_session(), query)}, query=query, limit=LIMIT)
