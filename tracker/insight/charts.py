"""Charts drawn on the server as inline SVG: no scripts, no fonts to fetch, readable in print, CSP stays strict."""

from __future__ import annotations

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
