"""Charts drawn on the server as inline SVG: no scripts, no fonts to fetch, readable in print, CSP stays strict."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

_BAR = 22
_LABEL = 300
_WIDTH = 720


def _short(label: str, limit: int = 36) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def bar_chart(rows: list[tuple[str, float, str]], *, title: str, max_value: float | None = None) -> Markup:
    """Horizontal bars: (label, value, caption) each; the caption is printed after the bar (e.g. "14 / 20")."""
    if not rows:
        return Markup("")
    top = max_value or max(v for _, v, _ in rows) or 1
    height = len(rows) * _BAR + 10
    room = _WIDTH - _LABEL - 90
    parts = [f'<div class="chart-frame"><svg class="chart" viewBox="0 0 {_WIDTH} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i, (label, value, caption) in enumerate(rows):
        y = 5 + i * _BAR
        width = max(0.0, min(1.0, value / top)) * room
        parts.append(
            f'<text x="{_LABEL - 6}" y="{y + 15}" text-anchor="end" font-size="12">{escape(_short(label))}</text>'
            f'<rect x="{_LABEL}" y="{y + 3}" width="{room}" height="{_BAR - 8}" fill="#eef1f4"/>'
            f'<rect x="{_LABEL}" y="{y + 3}" width="{width:.1f}" height="{_BAR - 8}" fill="#2f6f9f"/>'
            f'<text x="{_LABEL + room + 6}" y="{y + 15}" font-size="12">{escape(caption)}</text>')
    parts.append("</svg></div>")
    return Markup("".join(parts))  # noqa: S704 — every interpolated text is escaped above # nosec B704


def line_chart(points: list[tuple[str, float | None]], *, title: str, max_value: float = 100.0,
               unit: str = "%") -> Markup:
    """A line over labelled points (e.g. quarters); None leaves a gap (no deadlines that quarter)."""
    if not points:
        return Markup("")
    height, left, bottom, top_pad = 200, 40, 30, 10
    step = (_WIDTH - left - 40) / max(len(points) - 1, 1)
    plot = height - bottom - top_pad

    def y_of(value: float) -> float:
        return top_pad + plot * (1 - value / max_value)

    parts = [f'<div class="chart-frame"><svg class="chart" viewBox="0 0 {_WIDTH} {height}" role="img" '
             f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for mark in (0, max_value / 2, max_value):
        parts.append(f'<line x1="{left}" x2="{_WIDTH - 10}" y1="{y_of(mark):.1f}" y2="{y_of(mark):.1f}" '
                     f'stroke="#d0d7de"/><text x="{left - 4}" y="{y_of(mark) + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{mark:.0f}{escape(unit)}</text>')
    segment: list[str] = []
    for i, (label, value) in enumerate(points):
        x = left + i * step
        parts.append(f'<text x="{x:.1f}" y="{height - 10}" font-size="11" text-anchor="middle">{escape(label)}</text>')
        if value is None:
            if len(segment) > 1:
                parts.append(f'<polyline fill="none" stroke="#2f6f9f" stroke-width="2" points="{" ".join(segment)}"/>')
            segment = []
            continue
        segment.append(f"{x:.1f},{y_of(value):.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y_of(value):.1f}" r="3.5" fill="#2f6f9f">'
                     f'<title>{escape(label)}: {value:.0f}{escape(unit)}</title></circle>')
    if len(segment) > 1:
        parts.append(f'<polyline fill="none" stroke="#2f6f9f" stroke-width="2" points="{" ".join(segment)}"/>')
    parts.append("</svg></div>")
    return Markup("".join(parts))  # noqa: S704 — every interpolated text is escaped above # nosec B704


_JUDGEMENT_COLOURS = {"on_track": "#1a7f37", "at_risk": "#9a6700", "off_track": "#cf222e"}


def indicator_chart(*, title: str, unit: str, baseline: tuple[date, float], planned: list[tuple[date, float]],
                    band: tuple[float, float] | None, values: list[tuple[date, float, str]],
                    labels: dict[str, str], fmt=None) -> Markup:
    """An indicator over time: the band (shaded) or the planned line (dashed, baseline to targets), the baseline
    (a hollow ring) and the accepted values (dots coloured by judgement, joined). `labels` names the legend's
    entries: "plan", "band", "baseline", "values"; `fmt` writes a number in the reader's language."""
    fmt = fmt or number
    width, height, left, right, top, bottom = _WIDTH, 250, 70, 20, 24, 46
    days = [baseline[0], *(d for d, _ in planned), *(d for d, _, _ in values)]
    numbers = [baseline[1], *(v for _, v in planned), *(v for _, v, _ in values), *(band or ())]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    low, high = min(numbers), max(numbers)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad

    def x_of(day: date) -> float:
        return left + (width - left - right) * (day - first).days / span

    def y_of(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - low) / (high - low))

    parts = [f'<div class="chart-frame"><svg class="chart indicator-chart" viewBox="0 0 {width} {height}" '
             f'role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
             f'<title>{escape(title)}</title>']
    for mark in (low + pad, (low + high) / 2, high - pad):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y_of(mark):.1f}" y2="{y_of(mark):.1f}" '
                     f'stroke="#d0d7de"/><text x="{left - 4}" y="{y_of(mark) + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{escape(fmt(mark))}</text>')
    # the unit once, above the axis: beside every tick («820 млн тенге») it ran off the chart's left edge
    parts.append(f'<text x="{left - 4}" y="{top - 6}" font-size="11" text-anchor="end">{escape(unit.strip())}</text>')
    for year in range(first.year + 1, last.year + 1):
        x = x_of(date(year, 1, 1))
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - bottom}" stroke="#eef1f4"/>'
                     f'<text x="{x:.1f}" y="{height - bottom + 14}" font-size="11" text-anchor="middle">{year}</text>')
    if band:
        parts.append(f'<rect class="band" x="{left}" y="{y_of(band[1]):.1f}" width="{width - left - right}" '
                     f'height="{y_of(band[0]) - y_of(band[1]):.1f}" fill="#dafbe1"/>')
    if len(planned) > 1:
        corners = " ".join(f"{x_of(d):.1f},{y_of(v):.1f}" for d, v in planned)
        parts.append(f'<polyline class="plan" fill="none" stroke="#57606a" stroke-width="2" stroke-dasharray="6 4" '
                     f'points="{corners}"/>')
        parts += [f'<circle cx="{x_of(d):.1f}" cy="{y_of(v):.1f}" r="3" fill="#57606a"><title>{escape(labels["plan"])} '
                  f'{d.isoformat()}: {escape(fmt(v))}{escape(unit)}</title></circle>' for d, v in planned[1:]]
    if len(values) > 1:
        joined = " ".join(f"{x_of(d):.1f},{y_of(v):.1f}" for d, v, _ in values)
        parts.append(f'<polyline class="values" fill="none" stroke="#2f6f9f" stroke-width="2" points="{joined}"/>')
    parts.append(f'<circle class="baseline" cx="{x_of(baseline[0]):.1f}" cy="{y_of(baseline[1]):.1f}" r="5" '
                 f'fill="#fff" stroke="#2f6f9f" stroke-width="2"><title>{escape(labels["baseline"])} '
                 f'{baseline[0].isoformat()}: {escape(fmt(baseline[1]))}{escape(unit)}</title></circle>')
    for day, value, judgement in values:
        parts.append(f'<circle class="value {judgement}" cx="{x_of(day):.1f}" cy="{y_of(value):.1f}" r="5" '
                     f'fill="{_JUDGEMENT_COLOURS.get(judgement, "#2f6f9f")}"><title>{day.isoformat()}: '
                     f'{escape(fmt(value))}{escape(unit)}</title></circle>')
    legend = [(labels["baseline"], '<circle cx="6" cy="-4" r="5" fill="#fff" stroke="#2f6f9f" stroke-width="2"/>'),
              (labels["values"], '<circle cx="6" cy="-4" r="5" fill="#2f6f9f"/>')]
    legend.append((labels["band"], '<rect x="0" y="-10" width="12" height="12" fill="#dafbe1"/>') if band else
                  (labels["plan"], '<line x1="0" x2="14" y1="-4" y2="-4" stroke="#57606a" stroke-width="2" '
                                   'stroke-dasharray="4 3"/>'))
    for i, (name, mark) in enumerate(legend):
        parts.append(f'<g transform="translate({left + i * 200},{height - 8})">{mark}'
                     f'<text x="20" y="0" font-size="11">{escape(name)}</text></g>')
    parts.append("</svg></div>")
    return Markup("".join(parts))  # noqa: S704 — every interpolated text is escaped above # nosec B704


def number(value: float) -> str:
    """A value as people read it: 169 895, 4.5, 89.8 (no trailing zeros; thousands spaced)."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}".replace(",", "\u00a0")
    return f"{value:,.3f}".rstrip("0").rstrip(".").replace(",", "\u00a0")
