"""Time-to-fire plots beside the alert catalogue: one SVG per SLO, drawn with matplotlib,
an optional extra (`pip install 'obsgen[plots]'`).

Each SVG's header carries a fingerprint of its inputs and a digest of its body: a plot
already in out/ with the same inputs and an untouched body is kept without importing
matplotlib (fast `generate`/`check`, the same verdict with or without the extra). Only a
plot that needs drawing needs matplotlib; without it, that plot is skipped and the copy in
out/ carried over, so `generate` neither deletes nor churns it and `check` names it as
not compared (docs/review.md). The curves are the
catalogue's figures (slo_timing.py) at more error rates; SVG bytes are stable: fixed size,
DPI and fonts, text kept as text, no date, no version, ids salted with a constant.
"""

from __future__ import annotations

import hashlib
import io
import json
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
FINGERPRINT_VERSION = 1  # bump when draw() changes how it lays a plot out
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


def fingerprint(plan: Plan, entry: CatalogueSLO) -> str:
    """A digest of everything a plot is drawn from: an SVG whose header carries it (and
    whose body is untouched) is up to date without importing matplotlib."""
    catalogue = plan.catalogue
    assert catalogue is not None
    slo = next(s for s in plan.slos if (s.service, s.slo) == (entry.service, entry.slo))
    # the curves are a pure function of these (computing them is what we want to skip)
    payload = {
        "slo": repr(slo),
        "entry": repr(entry),
        "timing": [catalogue.step_s, catalogue.interval_s, POINTS, MARGIN],
        "style": sorted((str(k), str(v)) for k, v in _STYLE.items()),
        "colours": sorted((str(k), v) for k, v in _COLOURS.items()),
        "source": plan.source,
        "layout": FINGERPRINT_VERSION,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def _body_digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:20]


def up_to_date(text: str | None, plan: Plan, entry: CatalogueSLO) -> bool:
    """Whether an SVG already in out/ is exactly what `draw` would write for these inputs."""
    if text is None or "\n" not in text:
        return False
    rest = text.split("\n", 1)[1]
    note, _, body = rest.partition("\n")
    want = f"inputs {fingerprint(plan, entry)} body {_body_digest(body)} -->"
    return note.endswith(want)


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
    return _with_header(buffer.getvalue(), plan.source, fingerprint(plan, entry))


def _percent_ticks(entry: CatalogueSLO) -> tuple[list[float], list[str]]:
    """Decades of error rate (percent) from the lowest the table lists up to 100."""
    lowest = min(row.error_rate for row in entry.rows)
    tick = Decimal(1).scaleb(lowest.adjusted())
    ticks = []
    while tick <= 100:
        ticks.append(tick)
        tick *= 10
    return [float(t) for t in ticks], [f"{fmt(t)}%" for t in ticks]


def _with_header(svg: str, source: str, inputs: str) -> str:
    """The DO NOT EDIT line, as an XML comment after the declaration ("--" cannot occur),
    carrying the inputs' fingerprint and the body's digest (see `up_to_date`)."""
    declaration, rest = svg.split("\n", 1)
    body = rest if rest.endswith("\n") else rest + "\n"
    note = (
        f"<!-- DO NOT EDIT: generated by obsgen from {source.replace('--', '- -')}. "
        f"inputs {inputs} body {_body_digest(body)} -->"
    )
    return f"{declaration}\n{note}\n{body}"


def plot_outputs(plan: Plan, out: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """(SVG files to write, paths skipped). Without matplotlib every plot is skipped and the
    ones already in `out` are carried over unchanged."""
    catalogue = plan.catalogue
    if catalogue is None:
        return {}, ()
    files: dict[str, str] = {}
    skipped: list[str] = []
    for entry in sorted(catalogue.slos, key=lambda e: e.plot):
        try:
            existing: str | None = (out / entry.plot).read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError, NotADirectoryError, IsADirectoryError):
            existing = None
        if up_to_date(existing, plan, entry):
            files[entry.plot] = existing or ""  # same inputs, untouched: no need to redraw
        elif available():
            files[entry.plot] = draw(plan, entry)
        else:
            skipped.append(entry.plot)
            if existing is not None:
                files[entry.plot] = existing
    return files, tuple(skipped)
