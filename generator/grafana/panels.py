"""Panel building blocks: alert thresholds as steps, reference lines, queries and the grid.

Thresholds are read from the planned alert rules (never from a second copy of the spec
numbers), so the line on a panel and the alert that fires are the same number.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from generator.core.numbers import fmt, parse_duration
from generator.grafana.model import (
    CRITICAL,
    OK,
    WARNING,
    Grid,
    Link,
    Panel,
    Reference,
    Step,
    Target,
)
from generator.prometheus import AlertRule, Expr

GRID_COLUMNS = 24
ROW_BLOCK = 100  # a row in block k holds panel ids 100*k .. 100*k+99
SEVERITY_COLORS = {"warning": WARNING, "critical": CRITICAL, "info": WARNING}
Matchers = list[tuple[str, str, str]]


@dataclass(frozen=True)
class Scope:
    """What a dashboard's queries select and where its values link: this system's services
    (and the tiers picked in $tier), and the service dashboard of a clicked row or series."""

    system: Matchers  # service=~"<every service label value of the system>"
    filtered: Matchers  # system and tier=~"$tier"
    row_links: tuple[Link, ...] = ()  # tables with a service column
    series_links: tuple[Link, ...] = ()  # time series labelled by service


def alert_steps(alerts: Iterable[AlertRule], kind: str, alert: str = "") -> tuple[Step, ...]:
    """Threshold steps of one alert kind (and name), coloured by severity.

    An alert that fires above its threshold turns the range above it orange/red; one that
    fires below (throughput) turns the range below it orange/red and above it green.
    """
    tiers = sorted(
        {
            (rule.threshold, rule.label("severity"), rule.direction)
            for rule in alerts
            if rule.kind == kind and (not alert or rule.alert == alert)
            if rule.threshold is not None
        }
    )
    if not tiers:
        return (Step(None, OK),)
    if any(direction == "below" for _, _, direction in tiers):
        colors = [SEVERITY_COLORS[severity] for _, severity, _ in tiers] + [OK]
        steps = [Step(None, colors[0])]
        steps += [Step(value, colors[i + 1]) for i, (value, _, _) in enumerate(tiers)]
        return tuple(steps)
    return (Step(None, OK), *(Step(value, SEVERITY_COLORS[sev]) for value, sev, _ in tiers))


def _threshold_text(kind: str, value: Decimal) -> str:
    if kind == "latency":
        return seconds_text(value)
    if kind == "throughput":
        return f"{fmt(value)} req/s"
    return f"{fmt(value * 100)}%"  # every other threshold alert watches a ratio


class PlannedAlerts(tuple[AlertRule, ...]):
    """Every planned alert as the dashboards read it: each kind's threshold lines are worked
    out once, however many panels draw them (17 panels over 24,000 alerts at 1,000
    services filtered the whole list each)."""

    def lines(self, kind: str) -> dict[str, Any]:
        """Panel options drawing the thresholds of the alerts of `kind`: the steps and a
        description naming them (worked out on the first call; each caller gets a copy)."""
        found = self._lines_of.get(kind)
        if found is None:
            found = self._lines_of[kind] = _threshold_lines(self._by_kind.get(kind, []), kind)
        return dict(found)

    @functools.cached_property
    def _lines_of(self) -> dict[str, dict[str, Any]]:
        return {}

    @functools.cached_property
    def _by_kind(self) -> dict[str, list[AlertRule]]:
        """The alerts of each kind, in order: one pass over them all."""
        kinds: dict[str, list[AlertRule]] = {}
        for rule in self:
            kinds.setdefault(rule.kind, []).append(rule)
        return kinds


def _threshold_lines(mine: list[AlertRule], kind: str) -> dict[str, Any]:
    """`PlannedAlerts.lines` of `mine`, the alerts of `kind`."""
    rules = sorted(
        (r for r in mine if r.threshold is not None),
        key=lambda r: (r.label("severity") != "warning", r.alert),
    )
    seen: dict[tuple[str, str, Decimal, str], list[str]] = {}
    for rule in rules:
        assert rule.threshold is not None
        key = (rule.alert, rule.label("severity"), rule.threshold, rule.for_)
        seen.setdefault(key, []).append(rule.label("service"))
    if not seen:
        return {"steps": alert_steps(mine, kind)}
    names = sorted({name for name, *_ in seen})
    where = "below" if any(r.direction == "below" for r in rules) else "above"
    # a value that not every service has (tier and service overrides, `off`) names its own
    everyone = {r.label("service") for r in rules}
    tiers = ", ".join(
        f"{severity} {where} {_threshold_text(kind, value)} for {for_}"
        + (f" ({', '.join(sorted(set(who)))})" if set(who) != everyone else "")
        for (_, severity, value, for_), who in seen.items()
    )
    return {
        "steps": alert_steps(mine, kind),
        "description": f"Dashed lines: the thresholds of {', '.join(names)} ({tiers}).",
    }


def one_alert(alerts: Iterable[AlertRule], kind: str, alert: str = "") -> AlertRule | None:
    """The first planned alert of a kind (and name), if any: its series and factor."""
    return next(
        (r for r in alerts if r.kind == kind and (not alert or r.alert == alert)),
        None,
    )


def seconds_text(value: Decimal) -> str:
    """0.2 -> '200ms', 2 -> '2s'."""
    return f"{fmt(value * 1000)}ms" if value < 1 else f"{fmt(value)}s"


# Largest first; binary before SI at each step so 1Gi reads 1GiB and 1G reads 1GB.
_SIZES = (
    (1024**4, "TiB"),
    (1000**4, "TB"),
    (1024**3, "GiB"),
    (1000**3, "GB"),
    (1024**2, "MiB"),
    (1000**2, "MB"),
    (1024, "KiB"),
    (1000, "kB"),
)


def bytes_text(value: int) -> str:
    """A size in the largest unit that divides it exactly: 1073741824 -> 1GiB, 2e9 -> 2GB."""
    for size, unit in _SIZES:
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
    return f"{value} bytes"


def grafana_range(duration: str) -> str:
    """A spec duration in the single-unit form Grafana's time ranges accept: 1d2h -> 26h."""
    ms = parse_duration(duration)
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        if ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms}ms"


def series(name: str, selector: Matchers | None = None) -> Expr:
    """A recorded series, optionally selected."""
    return Expr("series", {"series": name, "selector": selector or []})


def constant(value: Decimal) -> Expr:
    """A constant line."""
    return Expr("constant", {"value": value})


def ref_id(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...: Grafana's own refId sequence."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def panel(
    kind: str,
    type_: str,
    title: str,
    queries: Sequence[tuple[Expr, str]],
    *,
    unit: str,
    w: int,
    h: int,
    references: Sequence[tuple[Expr, str, str]] = (),
    **options: Any,
) -> Panel:
    """A panel not yet placed: `queries` are (expr, legend); `references` add dashed lines.

    `references` are (expr, legend, colour): constants (targets, baselines, limits) or alert
    lines the panel draws in a fixed colour.
    """
    every = [*queries, *((expr, legend) for expr, legend, _ in references)]
    targets = tuple(
        Target(ref_id(i), expr, legend, instant=type_ == "table")
        for i, (expr, legend) in enumerate(every)
    )
    refs = tuple(Reference(legend, color) for _, legend, color in references)
    return Panel(
        id=0,
        type=type_,
        title=title,
        grid=Grid(0, 0, w, h),
        targets=targets,
        unit=unit,
        references=refs,
        key=kind,
        **options,
    )


class Layout:
    """Places rows and panels left to right, wrapping at 24 columns; assigns stable ids.

    Each line of panels is widened to the full 24 columns when it is closed (Grafana would
    leave the rest of the line empty): the spare columns are shared out from the left, so a
    row whose panels do not divide 24 (a fifth burn window, one table fewer) has no gap.
    """

    def __init__(self) -> None:
        self._panels: list[Panel] = []
        self._line: list[int] = []  # indices of the panels of the line being filled
        self._block = 0
        self._in_row = 0
        self._x = 0
        self._y = 0
        self._line_height = 0

    def _fill(self) -> None:
        line, self._line = self._line, []
        if not line:
            return
        spare = GRID_COLUMNS - sum(self._panels[i].grid.w for i in line)
        share, rest = divmod(spare, len(line))
        x = 0
        for n, i in enumerate(line):
            item = self._panels[i]
            w = item.grid.w + share + (1 if n < rest else 0)
            self._panels[i] = dataclasses.replace(item, grid=Grid(x, item.grid.y, w, item.grid.h))
            x += w

    def _newline(self) -> None:
        self._fill()
        self._y += self._line_height
        self._x = 0
        self._line_height = 0

    def row(self, title: str, key: str, block: int) -> None:
        """Start a row below everything placed so far; its panels take ids 100*block+1...

        Each row has a fixed block, so a row that the spec leaves out (no regression, no
        baseline) never renumbers the panels of the rows after it.
        """
        if block <= self._block:
            raise ValueError(f"row {key!r}: block {block} must follow block {self._block}")
        if self._x:
            self._newline()
        self._block = block
        self._in_row = 0
        self._panels.append(
            Panel(
                id=block * ROW_BLOCK,
                type="row",
                title=title,
                grid=Grid(0, self._y, GRID_COLUMNS, 1),
                key=key,
            )
        )
        self._y += 1

    def add(self, *panels: Panel) -> None:
        """Place panels (their grid carries only w and h so far) in the current row."""
        for item in panels:
            if not self._block:
                raise ValueError("place a row before its panels")
            self._in_row += 1
            if self._in_row >= ROW_BLOCK:
                raise ValueError(f"more than {ROW_BLOCK - 1} panels in one row")
            w, h = item.grid.w, item.grid.h
            if self._x + w > GRID_COLUMNS:
                self._newline()
            grid = Grid(self._x, self._y, w, h)
            self._x += w
            self._line_height = max(self._line_height, h)
            pid = self._block * ROW_BLOCK + self._in_row
            self._line.append(len(self._panels))
            self._panels.append(dataclasses.replace(item, id=pid, grid=grid))

    def done(self) -> tuple[Panel, ...]:
        """Every panel placed, the last line filled too; the layout takes no more panels."""
        self._fill()
        self._block = ROW_BLOCK  # no row can follow
        return tuple(self._panels)
