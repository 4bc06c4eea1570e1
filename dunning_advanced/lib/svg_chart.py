"""Small line charts as inline SVG, for the KPI dashboard.

Pure Python, no ORM and no JavaScript: a chart is a string of SVG 1.1 that the
browser draws at once, prints, and that a test can read. One or two series of
``(date, value)`` points over a common time axis, a horizontal grid with round
values, month labels under the axis.
"""

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

MONTHS = {
    "it": "gen feb mar apr mag giu lug ago set ott nov dic".split(),
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
}
PALETTE = ("#1F3A5F", "#C8743A", "#3A8C6E")


@dataclass(frozen=True)
class Series:
    """A named line: ``points`` are ``(date, value)``, in date order."""

    name: str
    points: Sequence[tuple[datetime.date, float]]


def nice_step(span: float, ticks: int = 4) -> float:
    """A round grid step (1, 2 or 5 times a power of ten) for ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}"


def line_chart(
    series: Sequence[Series],
    lang: str = "en",
    width: int = 520,
    height: int = 180,
    unit: str = "",
    decimals: int = 0,
) -> str:
    """SVG of ``series`` on a common time axis; a note when there is no data."""
    key = (lang or "en").split("_")[0]
    months = MONTHS.get(key, MONTHS["en"])
    points = [p for s in series for p in s.points]
    left, right, top, bottom = 46, 10, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" class="o_dunning_chart" '
        'viewBox="0 0 %d %d" width="100%%" role="img">' % (width, height)
    ]
    if len(points) < 2:
        parts.append(
            '<text x="%d" y="%d" text-anchor="middle" font-size="12" '
            'fill="#8592a3">%s</text></svg>' % (width // 2, height // 2, "—")
        )
        return "".join(parts)
    first = min(day for day, _v in points)
    last = max(day for day, _v in points)
    days = max((last - first).days, 1)
    low = min(0.0, min(v for _d, v in points))
    high = max(v for _d, v in points)
    step = nice_step(high - low)
    high = math.ceil(high / step) * step if high > low else low + step
    low = math.floor(low / step) * step

    def x(day: datetime.date) -> float:
        return left + (day - first).days / days * plot_w

    def y(value: float) -> float:
        return top + (high - value) / (high - low) * plot_h

    tick = low
    while tick <= high + step / 2:
        ty = y(tick)
        parts.append(
            '<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#E3E8EE"/>'
            % (left, ty, width - right, ty)
        )
        label = escape(_number(tick, decimals if step < 1 else 0) + unit)
        parts.append(
            '<text x="%d" y="%.1f" text-anchor="end" font-size="10" '
            'fill="#5F6B7A">%s</text>' % (left - 4, ty + 3, label)
        )
        tick += step
    month = first.replace(day=1)
    while month <= last:
        if month >= first:
            mx = x(month)
            parts.append(
                '<text x="%.1f" y="%d" text-anchor="middle" font-size="10" '
                'fill="#5F6B7A">%s</text>'
                % (mx, height - 6, escape(months[month.month - 1]))
            )
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    for index, line in enumerate(series):
        if not line.points:
            continue
        color = PALETTE[index % len(PALETTE)]
        path = " ".join("%.1f,%.1f" % (x(d), y(v)) for d, v in line.points)
        parts.append(
            '<polyline fill="none" stroke=%s stroke-width="2" points="%s">'
            "<title>%s</title></polyline>" % (quoteattr(color), path, escape(line.name))
        )
        day, value = line.points[-1]
        parts.append(
            '<circle cx="%.1f" cy="%.1f" r="3" fill=%s/>'
            % (x(day), y(value), quoteattr(color))
        )
    parts.append("</svg>")
    return "".join(parts)
