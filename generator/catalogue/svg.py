"""A log-log line chart written as SVG text: frame, grid, ticks with given labels, title,
axis labels, legend, solid and dashed polylines.

Written by hand rather than with a plotting library: the catalogue's plots need only this,
a library costs a second to import and its SVG changes with its releases. The bytes depend
only on the chart: coordinates with two decimals, no ids, no dates, text XML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from generator.core.markdown import md_comment

WIDTH, HEIGHT = 720, 440  # px; the viewBox is the same, so viewers may scale it
# plot area: room on the left for y tick labels and the y label, below for x ticks and label
LEFT, RIGHT, TOP, BOTTOM = 64.0, WIDTH - 16.0, 40.0, HEIGHT - 52.0
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"  # written as is: nothing in it to escape
FONT_SIZE = 11
CHAR_WIDTH = 6.6  # rough advance of one character at FONT_SIZE, to size the legend box
GRID, FRAME, INK = "#dddddd", "#444444", "#222222"
DASH = "6 4"
INSET = 10.0  # px between the frame and the outermost tick or point, so no line hides in it


@dataclass(frozen=True)
class Axis:
    """A logarithmic axis: its label and ticks (value, label); spans ticks and data."""

    label: str
    ticks: tuple[tuple[float, str], ...]


@dataclass(frozen=True)
class Line:
    """One polyline and its legend entry; points are (x, y) in data units, all positive."""

    label: str
    colour: str
    dashed: bool
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Chart:
    """Everything the SVG shows; `note` becomes an XML comment after the declaration."""

    title: str
    x: Axis
    y: Axis
    lines: tuple[Line, ...]
    note: str = ""


def num(value: float) -> str:
    """A coordinate with at most two decimals, no trailing zeros (stable bytes)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Scale:
    """Maps a positive data value to a pixel between `start` and `end`, logarithmically."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        """The pixel coordinate of `value`."""
        span = math.log10(self.high) - math.log10(self.low)
        share = (math.log10(value) - math.log10(self.low)) / span if span else 0.5
        return self.start + share * (self.end - self.start)


def scales(chart: Chart) -> tuple[Scale, Scale]:
    """The x and y scales: each axis spans its ticks and every point of every line."""
    xs = [t for t, _ in chart.x.ticks] + [x for ln in chart.lines for x, _ in ln.points]
    ys = [t for t, _ in chart.y.ticks] + [y for ln in chart.lines for _, y in ln.points]
    # y grows downwards in SVG: the lowest value sits at the bottom of the plot area
    return (
        Scale(min(xs), max(xs), LEFT + INSET, RIGHT - INSET),
        Scale(min(ys), max(ys), BOTTOM - INSET, TOP + INSET),
    )


def escape(text: str) -> str:
    """`text` as XML character data (xml.sax.saxutils.escape's three, without importing
    it: it pulls in urllib.request and http.client, a tenth of a DuRi run's imports)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(x: float, y: float, body: str, extra: str = "") -> str:
    return f'<text x="{num(x)}" y="{num(y)}"{extra}>{escape(body)}</text>'


def _grid(chart: Chart, sx: Scale, sy: Scale) -> list[str]:
    """A light grid line across the plot area and a short tick outside it, per tick."""
    out = []
    for value, _ in chart.x.ticks:
        x = num(sx(value))
        out.append(f'<line x1="{x}" y1="{num(TOP)}" x2="{x}" y2="{num(BOTTOM)}" stroke="{GRID}"/>')
        out.append(f'<line x1="{x}" y1="{num(BOTTOM)}" x2="{x}" y2="{num(BOTTOM + 4)}"/>')
    for value, _ in chart.y.ticks:
        y = num(sy(value))
        out.append(f'<line x1="{num(LEFT)}" y1="{y}" x2="{num(RIGHT)}" y2="{y}" stroke="{GRID}"/>')
        out.append(f'<line x1="{num(LEFT - 4)}" y1="{y}" x2="{num(LEFT)}" y2="{y}"/>')
    return out


def _tick_labels(chart: Chart, sx: Scale, sy: Scale) -> list[str]:
    out = [_text(sx(v), BOTTOM + 16, label, ' text-anchor="middle"') for v, label in chart.x.ticks]
    out += [
        _text(LEFT - 7, sy(v), label, ' text-anchor="end" dy="0.32em"')
        for v, label in chart.y.ticks
    ]
    return out


def _polyline(line: Line, sx: Scale, sy: Scale) -> str:
    points = " ".join(f"{num(sx(x))},{num(sy(y))}" for x, y in line.points)
    dash = f' stroke-dasharray="{DASH}"' if line.dashed else ""
    return (
        f'<polyline fill="none" stroke="{line.colour}" stroke-width="1.6"{dash}'
        f' points="{points}"><title>{escape(line.label)}</title></polyline>'
    )


def _legend(lines: Sequence[Line]) -> list[str]:
    """Top right inside the plot area, one row per line with a sample of its stroke."""
    if not lines:
        return []
    width = 36 + CHAR_WIDTH * max(len(ln.label) for ln in lines)
    left, top = RIGHT - 8 - width, TOP + 8
    out = [
        f'<rect x="{num(left)}" y="{num(top)}" width="{num(width)}"'
        f' height="{num(8 + 16 * len(lines))}" fill="#ffffff" fill-opacity="0.85"'
        f' stroke="{GRID}"/>'
    ]
    for i, line in enumerate(lines):
        y = top + 12 + 16 * i
        dash = f' stroke-dasharray="{DASH}"' if line.dashed else ""
        out.append(
            f'<line x1="{num(left + 6)}" y1="{num(y)}" x2="{num(left + 28)}" y2="{num(y)}"'
            f' stroke="{line.colour}" stroke-width="1.6"{dash}/>'
        )
        out.append(_text(left + 34, y, line.label, ' dy="0.32em"'))
    return out


def render_svg(chart: Chart) -> str:
    """The chart as an SVG document: solid lines first, dashed ones on top of them."""
    sx, sy = scales(chart)
    order = sorted(chart.lines, key=lambda ln: ln.dashed)  # stable: keeps the given order
    mid_x, mid_y = (LEFT + RIGHT) / 2, (TOP + BOTTOM) / 2
    turn = f"rotate(-90 16 {num(mid_y)})"  # the y label reads bottom to top
    body = [
        '<?xml version="1.0" encoding="utf-8"?>',
        *([f"<!-- {md_comment(chart.note)} -->"] if chart.note else []),
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{FONT}"'
        f' font-size="{FONT_SIZE}" fill="{INK}">',
        f"<title>{escape(chart.title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<g stroke="{INK}" stroke-width="0.6">',
        *_grid(chart, sx, sy),
        "</g>",
        *_tick_labels(chart, sx, sy),
        f'<rect x="{num(LEFT)}" y="{num(TOP)}" width="{num(RIGHT - LEFT)}"'
        f' height="{num(BOTTOM - TOP)}" fill="none" stroke="{FRAME}" stroke-width="0.8"/>',
        *(_polyline(line, sx, sy) for line in order),
        *_legend(chart.lines),
        _text(mid_x, TOP - 16, chart.title, ' text-anchor="middle" font-size="13"'),
        _text(mid_x, HEIGHT - 14, chart.x.label, ' text-anchor="middle"'),
        _text(16, mid_y, chart.y.label, f' text-anchor="middle" transform="{turn}"'),
        "</svg>",
    ]
    return "\n".join(body) + "\n"
