"""Time-to-fire plots beside the alert catalogue: one SVG per SLO, drawn with matplotlib,
an optional extra (`pip install 'obsgen[plots]'`).

Without matplotlib nothing is drawn: `plot_outputs` carries the SVGs already in out/ over
as they are and names them as skipped, so `generate` neither deletes nor churns them and
`check` compares them only where it can draw them (docs/review.md). The curves are the
catalogue's figures (slo_timing.py) at more error rates; SVG bytes are stable: fixed size,
DPI and fonts, text kept as text, no date, no version, ids salted with a constant.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from generator import slo_math as sm
from generator.model import Plan
from generator.model_catalogue import CatalogueSLO
from generator.model_slo import SLOPlan
from generator.numbers import fmt
from generator.slo_sim import MARGIN
from generator.slo_timing import lowest_sure_rate, seconds_at

INSTALL_HINT = "matplotlib not installed: pip install 'obsgen[plots]'"
POINTS = 40  # error rates per curve, log-spaced from the lowest threshold to 100 %
_STYLE: dict[Any, Any] = {  # matplotlib types its rcParams keys as literals
    "svg.hashsalt": "obsgen",  # element ids from a constant, not from random numbers
    "svg.fonttype": "none",  # text as <text>, not glyph outlines of whatever font is installed
    "font.family": "DejaVu Sans",  # ships with matplotlib
    "font.size": 9.0,
    "figure.dpi": 100.0,
    "savefig.dpi": 100.0,
    "text.parse_math": False,  # spec names are text, never mathtext
    "path.simplify": False,
}
# page alerts red, ticket alerts blue; the slower window of each dashed, lighter, on top
# (both ticket windows spend 10 % of the budget, so their curves coincide where both fire)
_COLOURS = {("critical", False): "#c0392b", ("critical", True): "#e67e73"}
_COLOURS |= {("warning", False): "#2e6da4", ("warning", True): "#7fb0e0"}
_Y_TICKS = ("1m", "5m", "15m", "1h", "6h", "1d", "3d", "1w")


def available() -> bool:
    """Whether matplotlib can be imported (the `plots` extra is installed)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class Curve:
    """One burn alert's time to fire (seconds) at each error rate (a share, 0-1) it fires at."""

    label: str
    severity: str
    dashed: bool
    points: tuple[tuple[float, float], ...]


def _rates(slo: SLOPlan) -> list[Decimal]:
    """Log-spaced error rates from just above the lowest threshold to 1, plus each alert's
    own threshold edge, so every curve starts where its alert first fires."""
    low = lowest_sure_rate(slo)
    span = math.log10(1 / float(low))
    grid = {Decimal(repr(10 ** (-span * (1 - i / POINTS)))) for i in range(POINTS + 1)}
    edges = {sm.approx(b.threshold) * (1 + Decimal(MARGIN)) * Decimal("1.001") for b in slo.burns}
    return sorted(r for r in grid | edges | {Decimal(1)} if low <= r <= 1)


def curves(plan: Plan, entry: CatalogueSLO) -> list[Curve]:
    """Time-to-fire curves of the SLO's page and ticket alerts."""
    catalogue = plan.catalogue
    assert catalogue is not None
    slo = next(s for s in plan.slos if (s.service, s.slo) == (entry.service, entry.slo))
    out = []
    for burn, column in zip(slo.burns, entry.columns, strict=True):
        points = []
        for rate in _rates(slo):
            found = seconds_at(
                catalogue.step_s, catalogue.interval_s, slo, burn, rate, column.for_s
            )
            if found is not None:
                points.append((float(rate) * 100, float(found)))
        kind = "page" if burn.severity == sm.PAGE else "ticket"
        label = f"{kind} {burn.long}/{burn.short} ({column.factor}x)"
        dashed = burn.long != min(
            (b.long for b in slo.burns if b.severity == burn.severity), key=sm.seconds
        )
        out.append(Curve(label, burn.severity, dashed, tuple(points)))
    return out


def draw(plan: Plan, entry: CatalogueSLO) -> str:
    """One SLO's plot as SVG text."""
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=(7.0, 4.2))
        ax = fig.subplots()
        for curve in curves(plan, entry):
            xs = [x for x, _ in curve.points]
            ys = [y for _, y in curve.points]
            ax.plot(
                xs,
                ys,
                color=_COLOURS.get((curve.severity, curve.dashed), "#555555"),
                linestyle="--" if curve.dashed else "-",
                linewidth=1.6,
                label=curve.label,
                zorder=3 if curve.dashed else 2,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ticks = [sm.seconds(t) for t in _Y_TICKS]
        ax.set_yticks(ticks, list(_Y_TICKS))
        ax.set_xticks(*_percent_ticks(entry))
        ax.minorticks_off()
        ax.set_xlabel("error rate (% of requests failing), sustained")
        ax.set_ylabel("time to fire")
        ax.set_title(
            f"{entry.service} {entry.slo}: {fmt(entry.objective)}% over {entry.period}"
            f" (error budget {fmt(entry.budget)})"
        )
        ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
        ax.legend(loc="upper right", frameon=False)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return _with_header(buffer.getvalue(), plan.source)


def _percent_ticks(entry: CatalogueSLO) -> tuple[list[float], list[str]]:
    """Decades of error rate (percent) from the lowest the table lists up to 100."""
    lowest = min(row.error_rate for row in entry.rows)
    tick = Decimal(1).scaleb(lowest.adjusted())
    ticks = []
    while tick <= 100:
        ticks.append(tick)
        tick *= 10
    return [float(t) for t in ticks], [f"{fmt(t)}%" for t in ticks]


def _with_header(svg: str, source: str) -> str:
    """The DO NOT EDIT line, as an XML comment after the declaration ("--" cannot occur)."""
    declaration, rest = svg.split("\n", 1)
    note = f"<!-- DO NOT EDIT: generated by obsgen from {source.replace('--', '- -')}. -->"
    text = f"{declaration}\n{note}\n{rest}"
    return text if text.endswith("\n") else text + "\n"


def plot_outputs(plan: Plan, out: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """(SVG files to write, paths skipped). Without matplotlib every plot is skipped and the
    ones already in `out` are carried over unchanged."""
    catalogue = plan.catalogue
    if catalogue is None:
        return {}, ()
    paths = {entry.plot: entry for entry in catalogue.slos}
    if available():
        return {path: draw(plan, entry) for path, entry in sorted(paths.items())}, ()
    kept = {}
    for path in sorted(paths):
        try:
            kept[path] = (out / path).read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError, NotADirectoryError):
            continue
    return kept, tuple(sorted(paths))
