"""Value tests of the node ratios no alert reads (a spec may leave a node alert out, or turn
it off; dashboards still draw the ratio): each recorded ratio is 1 - idle CPU per second,
1 - available / total memory, 1 - available / size of a real filesystem, by value.

The node is fed at one use throughout (the drivers of the node alerts: beside the CPU's
idle seconds its user seconds and another job's idle CPU); 10 minutes in, the 5m CPU rate
and both gauges hold that use exactly, and a ratio whose constant, window or matchers moved
reads another value.
"""

from __future__ import annotations

from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, within
from generator.promtest.inputs import node_cpu, node_filesystem, node_memory
from generator.promtest.model import ExprCheck, InputSeries

USE = Decimal("0.625")  # the share of the node in use: exact in binary, far from 0 and 1
TOLERANCE = Decimal("0.0001")  # relative: a constant moved 1 % is 16x outside
WHEN_S = 2 * RATE_WINDOW_S
RATIOS = {
    "node_cpu": (cv.NODE_CPU_UTILISATION, node_cpu),
    "node_memory": (cv.NODE_MEMORY_UTILISATION, node_memory),
    "node_filesystem": (cv.NODE_FILESYSTEM_UTILISATION, node_filesystem),
}


def node_ratio_scenarios(ctx: Ctx, alerted: set[str]) -> list[Scenario]:
    """One scenario checking every node ratio of a kind no alert watches (none if all are)."""
    kinds = [k for k in RATIOS if k not in alerted]
    if not kinds:
        return []
    when = ceil_to(WHEN_S, ctx.step_s)
    series: list[InputSeries] = []
    checks: list[ExprCheck] = []
    for kind in kinds:
        name, driver = RATIOS[kind]
        feed = driver(ctx, "node", [(0, USE)], when)
        series += feed.series
        selector = [("instance", "=", dict(feed.labels)["instance"])]
        if kind == "node_filesystem":
            selector.append(("mountpoint", "=", "/"))
        value = feed.values[0]
        checks.append(
            ExprCheck(
                name,
                tuple(selector),
                at(when),
                (),
                f"the node {fmt(value * 100)} % used: this ratio, which no alert reads, by value",
                within(value, value * TOLERANCE),
            )
        )
    metrics = frozenset(s.metric for s in series)
    return [Scenario("node ratios no alert reads", metrics, tuple(series), (), tuple(checks))]
