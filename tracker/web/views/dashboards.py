"""What secretaries and observers look at: the overdue view, dashboards with the on-time league table, exports."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Iterator
from itertools import chain

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from tracker.as_of import Moment
from tracker.catalog.lookups import (
    instruments_by,
    live_instruments,
    organizations_by,
    section_numbers,
)
from tracker.catalog.obligations import export_record as obligation_record
from tracker.catalog.obligations import obligation_views
from tracker.db import get_session
from tracker.insight import exports, indicators
from tracker.insight.bundles import dashboard_bundle
from tracker.insight.charts import bar_chart, line_chart
from tracker.insight.figures import instrument_progress
from tracker.insight.overdue import COLUMNS as OVERDUE_COLUMNS
from tracker.insight.overdue import KEY_TYPES as OVERDUE_KEY
from tracker.insight.overdue import Filters, overdue_keyset_page, overdue_totals
from tracker.insight.overdue import export_records as overdue_records
from tracker.insight.prepared import ask as ask_prepared
from tracker.models import Instrument
from tracker.pagination import page_of
from tracker.statuses import AWAITING
from tracker.timeutil import now_utc, today_almaty
from tracker.web.access import current_access
from tracker.web.arguments import asked_quarter, instrument_or_404, keyset_args, moment_arg, page_arg
from tracker.web.i18n import localized
from tracker.web.kept import render_kept

bp = Blueprint("dashboards", __name__)
FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _download(records: Iterable[dict], fmt: str, name: str, columns=None) -> Response:
    """Records as a file: JSON as is (codes, for programs); CSV and XLSX for people, with headers and words in the
    reader's language, formulas neutralised. CSV is streamed as it is written."""
    if fmt not in FORMATS:
        abort(404)
    columns = columns or exports.COLUMNS
    header = exports.headers(columns)
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    if fmt == "xlsx":
        # large workbooks go to disk; send_file closes the file when the response is done
        spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115
        exports.write_xlsx(records, spool, columns=columns, flat=exports.for_people, title=name, header=header)
        spool.seek(0)
        return send_file(spool, mimetype=FORMATS[fmt], as_attachment=True, download_name=f"{name}.xlsx")
    if fmt == "csv":
        # Excel opens UTF-8 CSV with Cyrillic correctly only with a BOM
        lines = exports.csv_lines(records, columns, exports.for_people, header,
                                  delimiter=exports.csv_delimiter(str(get_locale() or "ru")))
        body = stream_with_context(_closing(chain(["\ufeff"], lines), get_session()))
        return Response(body, content_type=FORMATS[fmt], headers=disposition)
    text = io.StringIO()
    exports.write_json(records, text)
    return Response(text.getvalue(), content_type=FORMATS[fmt], headers=disposition)


def _closing(lines: Iterable[str], session) -> Iterator[str]:
    """Stream `lines`, then close the session they are read with. The request's own teardown has run by then
    (a streamed body is sent after it) and closed that session once already: reading on reopened it, and without
    this its connection stayed checked out until garbage collection (found by the benchmark: the pool ran dry)."""
    try:
        yield from lines
    finally:
        session.close()


def _overdue_scope():
    return current_access().overdue_scope()


@bp.get("/overdue")
def overdue():
    """Every overdue report of the secretary's instruments: filters, lateness first, totals, pages, printable."""
    today = today_almaty()

    def shown() -> dict:
        session = get_session()
        scope = _overdue_scope()
        typed = Filters.from_args(request.args)
        understood = typed.understood(session)
        when = moment_arg(today)
        found, totals = overdue_keyset_page(session, understood.filters, when, instrument_ids=scope,
                                            **keyset_args(OVERDUE_KEY))
        instruments = [i for i in live_instruments(session) if scope is None or i.id in scope]
        asked_status = request.args.get("status")
        every_total = request.args.get("totals") == "all"  # the dashboard's "and N more organizations" asks all
        return dict(rows=found.rows, total=found.total, totals=totals if every_total else totals[:TOP],
                    totals_more=0 if every_total else max(len(totals) - TOP, 0),
                    filters=typed, understood=understood, page=found, pages=found.pages, instruments=instruments,
                    sections=section_numbers(session, typed.instrument) if typed.instrument else [],
                    as_of=when.past, statuses=AWAITING,
                    unshown_status=asked_status if asked_status and asked_status not in AWAITING else None)

    # every argument is part of the key: the page's links repeat them
    return render_kept("dashboards/overdue.html", ("overdue", sorted(request.args.items(multi=True)), TOP), shown,
                       today=today)


@bp.get("/overdue.<fmt>")
def overdue_export(fmt: str):
    """The overdue view, with its filters, as CSV, XLSX or JSON (all rows, not one page). A workbook of more than
    TRACKER_XLSX_BACKGROUND_ROWS rows is prepared by the clock: the person is sent to its page, which counts its
    rows as they are written and gives the file when it is whole."""
    session, today = get_session(), today_almaty()
    filters = Filters.from_args(request.args).understood(session).filters
    when, scope = moment_arg(today), _overdue_scope()
    if fmt == "xlsx":
        rows = sum(n for _code, n in overdue_totals(session, filters, when, instrument_ids=scope))
        if rows > current_app.config["XLSX_BACKGROUND_ROWS"]:
            arguments = {"filters": filters.as_args(), "as_of": when.past and when.past.isoformat(),
                         "today": today.isoformat(), "language": str(get_locale() or "ru")}
            prepared = ask_prepared(session, user=current_user, kind="overdue", arguments=arguments, rows=rows,
                                    name="overdue", now=now_utc(), ip=request.remote_addr)
            session.commit()
            return redirect(url_for("prepared.show", token=prepared.token), 303)
    records = overdue_records(session, filters, when, instrument_ids=scope)
    return _download(records, fmt, "overdue", columns=OVERDUE_COLUMNS)


@bp.get("/instruments/<key>/obligations.<fmt>")
def obligations_export(key: str, fmt: str):
    """An instrument's obligation list as CSV, XLSX or JSON (the columns of `mindet obligations export`)."""
    inst = instrument_or_404(key)
    views = obligation_views(session=get_session(), when=Moment.today(today_almaty()), instrument=inst)
    return _download([obligation_record(v) for v in views], fmt, inst.key)


#: what a dashboard shows of a long list (the league table, overdue by organization); the rest is one link away
TOP = 20
LEAGUE_PAGE = 50
#: instruments on a page of every instrument's progress
INSTRUMENTS_PAGE = 25


def _dashboard(instrument: Instrument | None):
    today = today_almaty()
    when, quarter = moment_arg(today), asked_quarter()

    def shown() -> dict:
        session = get_session()
        figures = dashboard_bundle(session, when, instrument=instrument, quarter=quarter)
        league = figures.league[:TOP]
        names = {o.code: o for o in organizations_by(session, codes=[r.code for r in league])}
        if instrument:
            progress = bar_chart([(f"{p.section.number}. {localized(p.section, 'title')}",
                                   p.done / p.total if p.total else 0, f"{p.done} / {p.total}")
                                  for p in figures.sections], title=_("Исполнение по разделам"), max_value=1)
            instruments = []
        else:  # one bar per instrument, the least advanced first; each instrument's dashboard shows its sections
            instruments = figures.instruments
            progress = bar_chart([(localized(p.instrument, 'title'), p.share, f"{p.done} / {p.total}")
                                  for p in instruments[:TOP]], title=_("Исполнение по инструментам"), max_value=1)
        charts = {
            "progress": progress,
            "overdue": bar_chart([(code, n, str(n)) for code, n in figures.overdue[:TOP]],
                                 title=_("Просрочено по организациям")),
            "trend": line_chart(figures.trend, title=_("Своевременность отчётов по кварталам")),
        }
        return dict(counts=figures.counts, sections=figures.sections, instruments=instruments[:TOP],
                    progress_more=len(instruments[TOP:]), league=league, league_more=len(figures.league) - len(league),
                    names=names, quarter=figures.quarter, charts=charts, points=figures.trend,
                    overdue_totals=figures.overdue, overdue_more=max(len(figures.overdue) - TOP, 0),
                    **_indicators_shown(session, when, instrument))

    # the same dashboard for everyone with the same reach, until a write changes its data (tracker/kept_pages.py)
    parts = ("dashboard", instrument and instrument.id, when.past, quarter, request.args.get("quarter"), TOP)
    return render_kept("dashboards/dashboard.html", parts, shown, instrument=instrument, today=today, as_of=when.past)


def _indicators_shown(session, when, instrument: Instrument | None) -> dict:
    """The dashboard's indicators: the top of the list worst first, the tally overall and of the instruments whose
    indicators lag most (every instrument's on its own page)."""
    judged = indicators.judged(session, when, instrument_ids=[instrument.id] if instrument else None)
    per_instrument = indicators.rolled_up(judged, lambda j: j.instrument_id)
    lagging = indicators.lagging_first(per_instrument)[:TOP]
    named = {i.id: i for i in instruments_by(session, dict(lagging))} if not instrument else {}
    return {"indicators": indicators.views_of(session, when, judged[:TOP]),
            "indicators_more": max(len(judged) - TOP, 0),
            "indicator_tallies": {"all": indicators.tally(judged),
                                  "instruments": [(named[i], counts) for i, counts in lagging if i in named],
                                  "more": max(len(per_instrument) - TOP, 0)}}


@bp.get("/dashboard/indicators.<fmt>")
def indicators_export(fmt: str):
    """Every indicator (of one instrument with ?instrument=) with its latest accepted value and judgement, worst
    first, as of a day, as CSV, XLSX or JSON."""
    session = get_session()
    key = request.args.get("instrument")
    instrument = instrument_or_404(key) if key else None
    when = moment_arg(today_almaty())
    views = indicators.worst_first(indicators.indicator_views(
        session, when, instrument_ids=[instrument.id] if instrument else None, latest_only=True))
    return _download(indicators.records(views), fmt, "indicators", columns=indicators.COLUMNS)


def _league(instrument: Instrument | None):
    today = today_almaty()
    when, asked, number = moment_arg(today), asked_quarter(), page_arg()
    quarter = asked or when.last_complete_quarter()

    def shown() -> dict:
        session = get_session()
        figures = dashboard_bundle(session, when, instrument=instrument, quarter=quarter, only_league=True)
        page = page_of(figures.league, number, LEAGUE_PAGE)
        names = {o.code: o for o in organizations_by(session, codes=[r.code for r in page.rows])}
        return {"page": page, "names": names}

    parts = ("league", instrument and instrument.id, when.past, quarter, number, LEAGUE_PAGE)
    return render_kept("dashboards/league.html", parts, shown, instrument=instrument, quarter=quarter, today=today,
                       as_of=when.past)


@bp.get("/dashboard/league")
def overall_league():
    """The whole on-time league table of all instruments for a quarter, paged (the dashboard shows its top)."""
    return _league(None)


@bp.get("/instruments/<key>/dashboard/league")
def instrument_league(key: str):
    """One instrument's whole on-time league table, paged."""
    return _league(instrument_or_404(key))


@bp.get("/dashboard/instruments")
def overall_instruments():
    """Every instrument's progress and indicators, the least advanced first, paged (the dashboard shows the top)."""
    today = today_almaty()
    when, number = moment_arg(today), page_arg()

    def shown() -> dict:
        session = get_session()
        _counts, progress = instrument_progress(session, when)
        page = page_of(progress, number, INSTRUMENTS_PAGE)
        # the indicators of the page's instruments only: judging all 300 of a national deployment for 25 rows cost
        # more than the rest of the page
        listed = [p.instrument.id for p in page.rows]
        judged = indicators.judged(session, when, instrument_ids=listed) if listed else []
        return {"page": page, "indicator_tallies": indicators.rolled_up(judged, lambda j: j.instrument_id)}

    return render_kept("dashboards/instruments.html", ("instruments", when.past, number, INSTRUMENTS_PAGE), shown,
                       today=today, as_of=when.past)


@bp.get("/dashboard")
def overall():
    """All instruments: counts by status, progress per section, overdue by organization, the on-time league table."""
    return _dashboard(None)


@bp.get("/instruments/<key>/dashboard")
def instrument_dashboard(key: str):
    """One instrument's dashboard."""
    return _dashboard(instrument_or_404(key))
