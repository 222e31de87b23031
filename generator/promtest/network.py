"""Value tests of the per-service network rates, which no alert reads (dashboards draw
them): each recorded rate is the container's bytes/s over the last 5 minutes, and only its
own container's.

Every service's containers send and receive at one rate, then at three times it; 4 minutes
after the change the 5m rate mixes one minute of the first and four of the second, which a
window of half or twice 5m does not, and a selector that lost its container matcher would
add up every service's bytes. Beside each, per label of its container selector, a stranger
(that one label changed: another container or namespace) at ten times the rate: a selector
that lost that matcher would add its bytes.
"""

from __future__ import annotations

from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.prometheus import box_labels, box_stranger
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, within
from generator.promtest.feeds import counter
from generator.promtest.inputs import _sorted
from generator.promtest.model import ExprCheck

CHANGE_S = 600
AFTER_S = 240  # into the second phase: 1 of the 5m window's minutes still holds the first
RATES = (Decimal(1000), Decimal(3000))  # bytes/s
STRANGER = Decimal(30000)  # bytes/s of another container
TOLERANCE = Decimal("0.001")


def network_scenarios(ctx: Ctx, services: list[str]) -> list[Scenario]:
    """The network rates of `services` (those with container labels), before and after a
    change: the recording rules are shared, the mapping test maps every other service in."""
    sig = ctx.spec.signals
    when = ceil_to(CHANGE_S + AFTER_S, ctx.step_s)
    after = when - CHANGE_S
    if after >= RATE_WINDOW_S:
        return []
    phases = [(0, RATES[0]), (CHANGE_S, RATES[1])]
    series, checks = [], []
    for name in services:
        service = ctx.spec.services[name]
        if not service.container:
            continue
        for metric in (sig.container_network_receive, sig.container_network_transmit):
            fed_series, fed = counter(
                metric, _sorted(box_labels(ctx.spec, name)), phases, when, ctx.interval_s
            )
            series.append(fed_series)
            for label in sorted(service.container):
                other = _sorted(box_stranger(box_labels(ctx.spec, name), label))
                series.append(counter(metric, other, [(0, STRANGER)], when, ctx.interval_s)[0])
            rate = (fed[0] * (RATE_WINDOW_S - after) + fed[1] * after) / RATE_WINDOW_S
            checks.append(
                ExprCheck(
                    cv.container_network_rate(metric),
                    (("service", "=", name),),
                    at(when),
                    (),
                    f"{at(after)} after {fmt(fed[0])} -> {fmt(fed[1])} bytes/s: the 5m rate mixes "
                    f"both, only this service's containers (not other containers' bytes)",
                    within(rate, rate * TOLERANCE),
                )
            )
    if not checks:
        return []
    metrics = frozenset(s.metric for s in series)
    return [Scenario("network rates: a change of rate", metrics, tuple(series), (), tuple(checks))]
