"""Bar charts as SVG text: bars from zero with their values written on them, and targets as
marked levels (joined into a line across years). A chart is a string that goes inline into
the HTML report, so the page needs no script and no network to show it, and prints as
vectors.

A small module of our own rather than a charting library: the report needs one kind of
chart, the output is deterministic text (testable, diffable), and it costs nothing at
start-up (README: Dependencies).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from engine.model import Range, TargetValue

WIDTH = 640
HEIGHT = 300
MARGIN_LEFT = 56
MARGIN_RIGHT = 16
MARGIN_TOP = 26
MARGIN_BOTTOM = 58

BAR = "#2f6db5"  # realisasi
BAR_ALT = "#8aa9cf"  # a second kind of bar (the Renstra target)
TARGET = "#c0561b"  # target marks and line
AXIS = "#555555"
GRID = "#dddddd"
MISSING = "#888888"


@dataclass(frozen=True)
class Bar:
    label: str  # category under the bar (a year, a unit)
    value: Decimal | None  # None: no bar, the `missing` text instead
    colour: str = BAR  # fill
    target: TargetValue | None = None  # a target level over this category (a range: a band)


@dataclass(frozen=True)
class Legend:
    bar: str  # what the bars are
    target: str = ""  # what the marks are, when there are any
    alt: str = ""  # what the second bar colour is, when used


def nice_top(high: Decimal) -> tuple[float, float]:
    """An axis top above `high` and the step between gridlines (1, 2 or 5 times a power of
    ten, four to eight lines).

    >>> nice_top(Decimal("101.07")), nice_top(Decimal(6)), nice_top(Decimal(0))
    ((120.0, 20.0), (8.0, 2.0), (1.0, 0.2))
    """
    top = float(high) * 1.08 or 1.0
    raw = top / 6
    power = 10 ** math.floor(math.log10(raw))
    step = float(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))
    return float(math.ceil(top / step) * step), step


def _high(t: TargetValue) -> Decimal:
    return t.high if isinstance(t, Range) else t


def bar_chart(title: str, bars: Sequence[Bar], legend: Legend, fmt: Callable[[Decimal], str],
              missing: str, connect_targets: bool = False, chart_id: str = "",
              width: int = WIDTH) -> str:
    """One SVG bar chart. `fmt` writes a number in the report's language; `missing` is
    written where a bar has no value; `connect_targets` joins the target marks into a line
    (a series over years); a narrower `width` keeps the lettering large where two charts
    share a line."""
    values = [b.value for b in bars if b.value is not None] + \
        [_high(b.target) for b in bars if b.target is not None]
    top, step = nice_top(max(values, default=Decimal(0)))
    plot_w = width - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    base = MARGIN_TOP + plot_h

    def y(v: Decimal | float) -> float:
        return base - float(v) / top * plot_h

    slot = plot_w / max(len(bars), 1)
    bar_w = min(slot * 0.56, 90)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
           f'viewBox="0 0 {width} {HEIGHT}" width="{width}" height="{HEIGHT}"'
           + (f' id="{escape(chart_id)}"' if chart_id else "")
           + f' aria-label="{escape(title)}" font-family="Arial, Helvetica, sans-serif">',
           f"<title>{escape(title)}</title>",
           f'<rect x="0" y="0" width="{width}" height="{HEIGHT}" fill="#ffffff"/>']
    # gridlines and the value axis
    ticks = round(top / step)
    for i in range(ticks + 1):
        v = step * i
        yy = y(v)
        out.append(f'<line x1="{MARGIN_LEFT}" y1="{yy:.1f}" x2="{width - MARGIN_RIGHT}" '
                   f'y2="{yy:.1f}" stroke="{GRID if i else AXIS}" stroke-width="1"/>')
        out.append(f'<text x="{MARGIN_LEFT - 6}" y="{yy + 4:.1f}" font-size="11" '
                   f'text-anchor="end" fill="{AXIS}">{escape(fmt(Decimal(str(v))))}</text>')
    out.append(f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" x2="{MARGIN_LEFT}" y2="{base}" '
               f'stroke="{AXIS}" stroke-width="1"/>')
    line_points: list[tuple[float, float]] = []
    for i, b in enumerate(bars):
        cx = MARGIN_LEFT + slot * (i + 0.5)
        x0 = cx - bar_w / 2
        if b.value is not None:
            yy = y(b.value)
            h = base - yy
            out.append(f'<rect class="bar" x="{x0:.1f}" y="{yy:.1f}" width="{bar_w:.1f}" '
                       f'height="{max(h, 0.5):.1f}" fill="{b.colour}"/>')
            inside = h > 22
            ty = yy + 15 if inside else yy - 5
            colour = "#ffffff" if inside else "#222222"
            out.append(f'<text class="value" x="{cx:.1f}" y="{ty:.1f}" font-size="12" '
                       f'font-weight="bold" text-anchor="middle" fill="{colour}">'
                       f"{escape(fmt(b.value))}</text>")
        else:
            out.append(f'<text class="missing" x="{cx:.1f}" y="{base - 8:.1f}" font-size="11" '
                       f'text-anchor="middle" fill="{MISSING}">{escape(missing)}</text>')
        if isinstance(b.target, Range):  # met anywhere inside: a band, its bounds written
            half = min(slot * 0.4, bar_w / 2 + 12)
            top_y, low_y = y(b.target.high), y(b.target.low)
            out.append(f'<rect class="target" x="{cx - half:.1f}" y="{top_y:.1f}" '
                       f'width="{2 * half:.1f}" height="{max(low_y - top_y, 1.5):.1f}" '
                       f'fill="{TARGET}" fill-opacity="0.25" stroke="{TARGET}"/>')
            out.append(f'<text class="target-value" x="{cx + half:.1f}" y="{top_y - 5:.1f}" '
                       f'font-size="11" text-anchor="end" fill="{TARGET}">'
                       f"{escape(fmt(b.target.low))}–{escape(fmt(b.target.high))}</text>")
            line_points.append((cx, (top_y + low_y) / 2))
        elif b.target is not None:
            ty = y(b.target)
            half = min(slot * 0.4, bar_w / 2 + 12)
            out.append(f'<line class="target" x1="{cx - half:.1f}" y1="{ty:.1f}" '
                       f'x2="{cx + half:.1f}" y2="{ty:.1f}" stroke="{TARGET}" stroke-width="3"/>')
            out.append(f'<text class="target-value" x="{cx + half:.1f}" y="{ty - 5:.1f}" '
                       f'font-size="11" text-anchor="end" fill="{TARGET}">'
                       f"{escape(fmt(b.target))}</text>")
            line_points.append((cx, ty))
        out.append(f'<text x="{cx:.1f}" y="{base + 18:.1f}" font-size="12" '
                   f'text-anchor="middle" fill="#222222">{escape(b.label)}</text>')
    if connect_targets and len(line_points) > 1:
        points = " ".join(f"{x:.1f},{yy:.1f}" for x, yy in line_points)
        out.append(f'<polyline points="{points}" fill="none" stroke="{TARGET}" '
                   f'stroke-width="1.5" stroke-dasharray="5 4"/>')
    out += _legend(legend, HEIGHT - 16)
    out.append("</svg>")  # the title is the figure's caption, and the SVG's <title>
    return "\n".join(out)


def _legend(legend: Legend, y: float) -> list[str]:
    out = []
    x = MARGIN_LEFT
    for colour, text, kind in ((BAR, legend.bar, "bar"), (BAR_ALT, legend.alt, "bar"),
                               (TARGET, legend.target, "line")):
        if not text:
            continue
        if kind == "bar":
            out.append(f'<rect x="{x}" y="{y - 10}" width="14" height="12" fill="{colour}"/>')
        else:
            out.append(f'<line x1="{x}" y1="{y - 4}" x2="{x + 14}" y2="{y - 4}" '
                       f'stroke="{colour}" stroke-width="3"/>')
        out.append(f'<text x="{x + 20}" y="{y}" font-size="12" fill="#222222">'
                   f"{escape(text)}</text>")
        x += 30 + round(6.3 * len(text))
    return out
