"""What the pages that show indicators share: the chart in the reader's language, the names templates use."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _

from tracker.insight import indicators
from tracker.insight.charts import indicator_chart
from tracker.web.i18n import localized


def unit_name(unit: str) -> str:
    """An indicator's unit as the reader's language writes it."""
    return str(indicators.UNIT_NAMES.get(unit, unit))


def judgement_name(judgement: str) -> str:
    """«по плану», «под угрозой», «отстаёт», «нет данных» in the reader's language."""
    return str(indicators.JUDGEMENT_NAMES[judgement])


def direction_name(direction: str) -> str:
    """«больше — лучше», «меньше — лучше», «в пределах коридора» in the reader's language."""
    return str(indicators.DIRECTION_NAMES[direction])


def init_app(app) -> None:
    """Make the names of units, judgements and directions, and an indicator's final target, known to templates."""
    for function in (unit_name, judgement_name, direction_name, indicators.final_target):
        app.add_template_global(function)


def chart_of(view: indicators.IndicatorView):
    """The SVG chart of an indicator view, in the reader's language."""
    indicator = view.indicator
    unit = indicators.UNIT_NAMES[indicator.unit]
    unit = unit if unit == "%" else f" {unit}"
    return indicator_chart(
        title=f"{localized(indicator, 'name')}, {unit.strip()}", unit=unit,
        baseline=(indicator.baseline_on, indicator.baseline_value),
        planned=indicators.planned_points(indicator) if indicator.direction != "band" else [],
        band=(indicator.band_low, indicator.band_high) if indicator.direction == "band" else None,
        values=[(p.period_end, p.value, p.judgement) for p in view.points],
        labels={"plan": _("план"), "band": _("коридор"), "baseline": _("базовое значение"),
                "values": _("принятые значения")},
        fmt=lambda value: format_decimal(round(value, 3)))


def charts_of(views) -> dict:
    """Indicator id → its chart, for pages that show several."""
    return {view.indicator.id: chart_of(view) for view in views}
