"""Target indicators judged by one written rule, for today or the end of a past day, and rolled up.

The rule (README, «Indicators»): the planned line runs straight from the baseline to each target in turn and stays
level after the last one (at the baseline when there is no target). The latest accepted value is compared with the
line at the end of its period:
- up / down: no worse than the line → on track; worse by at most `tolerance` percent of the planned change (of the
  baseline itself when no change is planned) → at risk; worse still → off track;
- band: inside the band → on track; outside by at most `tolerance` percent of the band's width → at risk; else off
  track;
- no accepted value yet → no data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_
from sqlmodel import Session, select

from tracker.as_of import Moment, not_retired
from tracker.models import Indicator, IndicatorValue, Instrument, Obligation, Organization, is_live
from tracker.periods import Period

#: worst first: the order lists and roll-ups show them in
JUDGEMENTS = ("off_track", "at_risk", "no_data", "on_track")
JUDGEMENT_NAMES = {"off_track": _l("отстаёт"), "at_risk": _l("под угрозой"), "on_track": _l("по плану"),
                   "no_data": _l("нет данных")}
UNIT_NAMES = {
    "percent": "%", "count": _l("ед."), "people": _l("чел."), "enterprises": _l("предприятий"),
    "agreements": _l("договоров"), "conflicts": _l("конфликтов"), "days": _l("дн."), "tenge": _l("тенге"),
    "thousand_tenge": _l("тыс. тенге"), "million_tenge": _l("млн тенге"), "billion_tenge": _l("млрд тенге"),
    "index": _l("индекс"),
}
DIRECTION_NAMES = {"up": _l("больше — лучше"), "down": _l("меньше — лучше"), "band": _l("в пределах коридора")}


def planned_points(indicator: Indicator) -> list[tuple[date, float]]:
    """The planned line's corners: the baseline, then each target at the end of its period."""
    return [(indicator.baseline_on, indicator.baseline_value)] + [
        (date.fromisoformat(t["due_on"]), t["value"]) for t in indicator.targets]


def expected_at(indicator: Indicator, day: date, points: list[tuple[date, float]] | None = None) -> float:
    """The planned line's value on `day`: straight between corners, level before the first and after the last
    (`points`: its corners, when the caller has them already)."""
    points = points or planned_points(indicator)
    if day <= points[0][0]:
        return points[0][1]
    for (start, low), (end, high) in zip(points, points[1:], strict=False):
        if day <= end:
            return low + (high - low) * (day - start).days / (end - start).days
    return points[-1][1]


def final_target(indicator: Indicator) -> dict | None:
    """The target marked final (the last one unless the YAML says otherwise), or None."""
    return next((t for t in indicator.targets if t.get("final")), None)


def judge(indicator: Indicator, value: float, day: date, points: list[tuple[date, float]] | None = None) -> str:
    """The judgement of `value` measured at the end of `day` (see the module's rule; `points` as for
    `expected_at`)."""
    scale = indicator.tolerance / 100
    if indicator.direction == "band":
        low, high = indicator.band_low, indicator.band_high
        outside = max(low - value, value - high, 0.0)
        if outside == 0:
            return "on_track"
        return "at_risk" if outside <= scale * (high - low) else "off_track"
    expected = expected_at(indicator, day, points)
    shortfall = expected - value if indicator.direction == "up" else value - expected
    if shortfall <= 0:
        return "on_track"
    final = final_target(indicator)
    planned_change = abs((final["value"] if final else indicator.baseline_value) - indicator.baseline_value)
    allowed = scale * (planned_change or abs(indicator.baseline_value))
    return "at_risk" if shortfall <= allowed else "off_track"


@dataclass(frozen=True)
class Point:
    """An accepted value of one period, as it stood at the moment judged."""

    period: str
    period_end: date
    value: float
    expected: float | None  #: the planned line at the period's end (None for a band)
    judgement: str
    row: IndicatorValue


@dataclass
class IndicatorView:
    """An indicator with its accepted values as of a moment and the judgement of the latest."""

    indicator: Indicator
    instrument: Instrument
    obligation: Obligation | None
    reporter: Organization
    points: list[Point] = field(default_factory=list)

    @property
    def latest(self) -> Point | None:
        """The value of the latest period reported."""
        return self.points[-1] if self.points else None

    @property
    def judgement(self) -> str:
        """on_track, at_risk, off_track, or no_data without an accepted value."""
        return self.latest.judgement if self.latest else "no_data"

    @property
    def section_id(self) -> int | None:
        """The section of its measure (None for an indicator of the whole instrument)."""
        return self.obligation.section_id if self.obligation else None


def accepted_as_of(session: Session, indicator_ids: list[int], when: Moment, *,
                   latest_only: bool = False) -> dict[int, list[IndicatorValue]]:
    """Indicator id → the value of each period accepted last by the moment, in period order (`latest_only`: of its
    latest period alone). A correction accepted later replaces the earlier value from its own acceptance on; the
    earlier row stays in the history."""
    if not indicator_ids:
        return {}
    accepted = [IndicatorValue.indicator_id.in_(indicator_ids), IndicatorValue.state == "accepted"]
    if when.is_past:
        accepted.append(IndicatorValue.decided_at <= when.at)
    query = select(IndicatorValue).where(*accepted)
    if latest_only:  # lists and tallies judge the latest period: 300 rows at national scale, not 3,300
        last = (select(IndicatorValue.indicator_id, func.max(IndicatorValue.period_end).label("period_end"))
                .where(*accepted).group_by(IndicatorValue.indicator_id).subquery())
        query = query.join(last, (last.c.indicator_id == IndicatorValue.indicator_id)
                           & (last.c.period_end == IndicatorValue.period_end))
    latest: dict[tuple[int, str], IndicatorValue] = {}
    for row in session.exec(query.order_by(IndicatorValue.decided_at, IndicatorValue.id)):
        latest[(row.indicator_id, row.period)] = row
    by_indicator: dict[int, list[IndicatorValue]] = {}
    for row in sorted(latest.values(), key=lambda r: r.period_end):
        by_indicator.setdefault(row.indicator_id, []).append(row)
    return by_indicator


def _live(query, when: Moment, *, instrument_ids=None, obligation_id: int | None = None, keys=None,
          public_only: bool = False):
    """`query` over Indicator (joined to its Instrument and, outer, its Obligation) narrowed to the indicators live
    at the moment, as asked, in document order. As of a past day: the indicators as they are defined now (a
    definition added later still shows what was accepted by then), less those retired by that day."""
    at = when.at if when.is_past else None
    query = query.where(*(not_retired(model, at) if at else is_live(model) for model in (Indicator, Instrument)),
                        or_(Indicator.obligation_id.is_(None),
                            not_retired(Obligation, at) if at else is_live(Obligation)))
    if instrument_ids is not None:
        query = query.where(Indicator.instrument_id.in_(list(instrument_ids)))
    if obligation_id is not None:
        query = query.where(Indicator.obligation_id == obligation_id)
    if keys is not None:
        query = query.where(Indicator.key.in_(list(keys)))
    if public_only:
        query = query.where(Indicator.is_public)
    return query.order_by(Instrument.key, Indicator.position)


def indicator_views(session: Session, when: Moment, *, instrument_ids=None, obligation_id: int | None = None,
                    keys=None, public_only: bool = False, latest_only: bool = False) -> list[IndicatorView]:
    """The indicators live at the moment (narrowed as asked), with their values accepted by then judged, in document
    order (`latest_only`: the latest period's value alone, for lists, tallies and exports that show no more)."""
    query = (select(Indicator, Instrument, Obligation, Organization)
             .join(Instrument, Instrument.id == Indicator.instrument_id)
             .join(Organization, Organization.id == Indicator.reporter_id)
             .outerjoin(Obligation, Obligation.id == Indicator.obligation_id))
    rows = session.exec(_live(query, when, instrument_ids=instrument_ids, obligation_id=obligation_id, keys=keys,
                              public_only=public_only)).all()
    values = accepted_as_of(session, [row[0].id for row in rows], when, latest_only=latest_only)
    views = []
    for indicator, instrument, obligation, reporter in rows:
        view = IndicatorView(indicator, instrument, obligation, reporter)
        line = planned_points(indicator)  # once per indicator, not per value judged
        for value in values.get(indicator.id, []):
            expected = None if indicator.direction == "band" else expected_at(indicator, value.period_end, line)
            view.points.append(Point(value.period, value.period_end, value.value, expected,
                                     judge(indicator, value.value, value.period_end, line), value))
        views.append(view)
    return views


@dataclass(frozen=True)
class Judged:
    """An indicator's judgement alone: what tallies count and what picks the top of a list."""

    key: str
    instrument_id: int
    judgement: str


#: what judging an indicator reads of it (tracker/insight/indicators.judge and planned_points)
_JUDGED_BY = (Indicator.direction, Indicator.tolerance, Indicator.band_low, Indicator.band_high,
              Indicator.baseline_value, Indicator.baseline_on, Indicator.targets)


def judged(session: Session, when: Moment, *, instrument_ids=None, public_only: bool = False) -> list[Judged]:
    """Every indicator live at the moment (narrowed as asked) with the judgement of its latest accepted value, worst
    first and in document order within each, read as plain values in one query: the dashboard's and the public
    index's tallies and top 20 (loading the 300 indicators of a national deployment whole, with their instruments,
    measures and reporters, took a third of the dashboard's time)."""
    accepted = [IndicatorValue.state == "accepted"]
    if when.is_past:
        accepted.append(IndicatorValue.decided_at <= when.at)
    # the value that stands: of the latest period accepted by the moment, the last accepted
    place = func.row_number().over(partition_by=IndicatorValue.indicator_id, order_by=(
        IndicatorValue.period_end.desc(), IndicatorValue.decided_at.desc(), IndicatorValue.id.desc()))
    ranked = select(IndicatorValue.indicator_id, IndicatorValue.value, IndicatorValue.period_end,
                    place.label("place")).where(*accepted).subquery()
    query = (select(Indicator.key, Indicator.instrument_id, *_JUDGED_BY, ranked.c.value, ranked.c.period_end)
             .join(Instrument, Instrument.id == Indicator.instrument_id)
             .outerjoin(Obligation, Obligation.id == Indicator.obligation_id)
             .outerjoin(ranked, (ranked.c.indicator_id == Indicator.id) & (ranked.c.place == 1)))
    found = [Judged(row.key, row.instrument_id, "no_data" if row.period_end is None else
                    judge(row, row.value, row.period_end))
             for row in session.exec(_live(query, when, instrument_ids=instrument_ids, public_only=public_only))]
    return worst_first(found)


def views_of(session: Session, when: Moment, shown: list[Judged]) -> list[IndicatorView]:
    """The views of these indicators (their latest period), in the order given: the rows of a list's top."""
    if not shown:
        return []
    views = {view.indicator.key: view
             for view in indicator_views(session, when, keys=[j.key for j in shown], latest_only=True)}
    return [views[j.key] for j in shown]


def worst_first(views: list[IndicatorView]) -> list[IndicatorView]:
    """Off track first, then at risk, no data, on track; document order within each."""
    return sorted(views, key=lambda v: JUDGEMENTS.index(v.judgement))


def tally(views) -> dict[str, int]:
    """How many indicators stand at each judgement, every judgement present (0 when none)."""
    counted = Counter(v.judgement for v in views)
    return {judgement: counted[judgement] for judgement in JUDGEMENTS}


def lagging_first(tallies: dict) -> list[tuple]:
    """(group, tally) of these tallies, the groups with most indicators off track first, then at risk."""
    return sorted(tallies.items(), key=lambda pair: tuple(-pair[1][judgement] for judgement in JUDGEMENTS))


def rolled_up(views: list[IndicatorView], key) -> dict:
    """The tally per group: `key(view)` names the group (a section, an instrument, a commission)."""
    groups: dict = {}
    for view in views:
        groups.setdefault(key(view), []).append(view)
    return {group: tally(members) for group, members in groups.items()}


def periods_due(indicator: Indicator, today: date) -> list[Period]:
    """The periods of its frequency after the baseline's, up to the one containing today, newest first: what a value
    can be reported for."""
    found, period = [], Period.containing(today, indicator.frequency)
    while period.ends_on > indicator.baseline_on and len(found) < 60:
        found.append(period)
        period = Period.containing(period.starts_on - timedelta(days=1), indicator.frequency)
    return found


#: the columns of the indicators' export (tracker/insight/exports.py names them for people)
COLUMNS = ["instrument", "measure", "indicator", "name", "unit", "direction", "baseline", "baseline_on",
           "final_target", "final_target_period", "latest_period", "latest_value", "expected", "judgement",
           "reporter"]


def records(views: list[IndicatorView]) -> list[dict]:
    """One plain record per indicator, in the order given (the export)."""
    found = []
    for view in views:
        ind, latest, final = view.indicator, view.latest, final_target(view.indicator)
        found.append(dict(
            instrument=view.instrument.key, measure=view.obligation.key if view.obligation else "",
            indicator=ind.key, name=ind.name_ru, unit=ind.unit, direction=ind.direction, baseline=ind.baseline_value,
            baseline_on=ind.baseline_on.isoformat(), final_target=final["value"] if final else None,
            final_target_period=final["period"] if final else "", latest_period=latest.period if latest else "",
            latest_value=latest.value if latest else None,
            expected=round(latest.expected, 4) if latest and latest.expected is not None else None,
            judgement=view.judgement, reporter=view.reporter.code))
    return found
