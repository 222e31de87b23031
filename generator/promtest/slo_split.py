"""Behaviour tests that pin each window's own threshold of a burn alert, and the short
window's length, with one window over the threshold and the other just under it.

A steady burn puts both windows at the same ratio, so a threshold lowered on one window
alone still waits for the other. Per long window (every SLO at once), two scenarios:
- *drop*: a heavy burn at half the request rate, then errors at 0.995x the threshold. Once
  the short window holds only the second phase it reads 0.995x exactly while the long one is
  well over: silent (the short window's threshold 1 % lower fires). Halfway there, a short
  window of half its length (of errors or of requests) would already be clean: firing.
- *rise*: errors just under the threshold, then 1.03x. Once the short window holds only the
  second phase, the long one (half each phase) is worked out to read 0.995x: silent (the
  long window's threshold 1 % lower fires).
Both run for less than the long window, which then averages all there is (promtool has no
data before the test starts), so even 3d windows cost hours of evaluations, not days.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from generator.core import slo_math as sm
from generator.prometheus import BurnAlertPlan, SLOPlan
from generator.promtest.cases import RATE_WINDOW_S, Scenario, at, ceil_to
from generator.promtest.inputs import REQUEST_RATE, Traffic
from generator.promtest.model import CaseError, rule_key
from generator.promtest.slo_feed import fed_share
from generator.promtest.slo_sim import Model

if TYPE_CHECKING:
    from generator.promtest.slo import Builder

UNDER = Decimal("0.995")  # the window held just under its threshold: 1 % lower fires
RISE = Decimal("1.03")  # the rising short window: over its threshold, whatever the rounding
LIMITS = (Decimal("0.992"), Decimal("0.998"))  # where the long window must read, every step


def split_scenarios(b: Builder, chosen: Callable[[int], bool]) -> list[Scenario]:
    """A drop and a rise scenario per long window whose length in seconds is `chosen`."""
    longs = sorted(
        {x.long for s in b.slos for x in s.burns if chosen(sm.seconds(x.long))}, key=sm.seconds
    )
    return [make(b, long) for long in longs for make in (_drop, _rise)]


def _burns(b: Builder, long: str) -> list[tuple[SLOPlan, BurnAlertPlan]]:
    return [(s, x) for s in b.slos for x in s.burns if x.long == long]


def _settle(b: Builder, burn: BurnAlertPlan, span: int) -> int:
    """Seconds after a change until a window of `span` holds only 5m rates of after it."""
    return ceil_to(span + RATE_WINDOW_S + b.ctx.step_s, b.ctx.step_s)


def _short_s(burn: BurnAlertPlan) -> int:
    return 0 if burn.short == "5m" else sm.seconds(burn.short)


def _threshold(burn: BurnAlertPlan) -> Decimal:
    return sm.approx(burn.threshold)


def _share(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(value.adjusted() - 5)).normalize()


def _drop(b: Builder, long: str) -> Scenario:
    burns = _burns(b, long)
    short = _short_s(burns[0][1])
    settle = _settle(b, burns[0][1], short)
    start, end = settle, 2 * settle
    traffic: dict[tuple[str, str], Traffic] = {}
    targets = {}
    for s, burn in burns:
        t = _threshold(burn)
        heavy = min(2 * t, Decimal(1))
        traffic[(s.service, s.slo)] = [
            (0, REQUEST_RATE / 2, heavy),
            (start, REQUEST_RATE, _share(t * UNDER)),
        ]
        targets[(s.service, s.slo, long, end)] = False
    times = [(end, f"{long} alert: long window over, short at 0.995x its threshold: silent")]
    if short > RATE_WINDOW_S:
        half = start + ceil_to(short // 2 + RATE_WINDOW_S + b.ctx.step_s, b.ctx.step_s)
        times.insert(0, (half, f"{long} alert: the short window half into the drop: firing"))
    name = f"{long} alert: heavy burn, then errors just under the threshold"
    return _checked(b, name, traffic, times, targets)


def _rise(b: Builder, long: str) -> Scenario:
    burns = _burns(b, long)
    settle = _settle(b, burns[0][1], _short_s(burns[0][1]))
    start, end = settle, 2 * settle
    step = b.ctx.step_s
    # the share of the long window's events from the second phase, at both reads an alert
    # may make (its long window recorded now, or one step ago by a later group)
    reads = (end - step, end)
    weight = b.model([(0, REQUEST_RATE, Decimal(0)), (start, REQUEST_RATE, Decimal(1))])
    weights = [Decimal(repr(_ratio(weight, sm.seconds(long), r))) for r in reads]
    mid = (weights[0] + weights[1]) / 2
    traffic: dict[tuple[str, str], Traffic] = {}
    targets = {}
    for s, burn in burns:
        t = _threshold(burn)
        high = _share(t * RISE)
        low = _share((t * UNDER - high * mid) / (1 - mid))
        phases: Traffic = [(0, REQUEST_RATE, low), (start, REQUEST_RATE, high)]
        fed = b.model(
            [(w, r, fed_share(b.ctx, s, share)) for w, r, share in phases]  # what promtool reads
        )
        for r in reads:
            ratio = Decimal(repr(_ratio(fed, sm.seconds(long), r))) / t
            if not LIMITS[0] < ratio < LIMITS[1]:
                raise CaseError(f"{burn.alert} {long}: long window at {ratio:.4f}x, not 0.995x")
        traffic[(s.service, s.slo)] = phases
        targets[(s.service, s.slo, long, end)] = False
    times = [(end, f"{long} alert: short window over, long at 0.995x its threshold: silent")]
    name = f"{long} alert: errors just under the threshold, then just over"
    return _checked(b, name, traffic, times, targets)


def _ratio(model: Model, span: int, second: int) -> float:
    bad, every = model.span_averages(span, second)
    return bad / every


def _checked(
    b: Builder,
    name: str,
    traffic: dict[tuple[str, str], Traffic],
    times: Sequence[tuple[int, str]],
    targets: dict[tuple[str, str, str, int], bool],
) -> Scenario:
    """The scenario, every SLO without a target kept clean; each target's state is stated
    at its time, and must be checked there (not moved, not dropped for want of certainty)."""
    for s in b.slos:
        traffic.setdefault((s.service, s.slo), [(0, REQUEST_RATE, Decimal(0))])
    b.timed = dict(targets)
    try:
        scenario = b.build(name, traffic, times)
    finally:
        b.timed = {}
    checked = {(c.eval_time, q) for c in scenario.alerts for q in (*c.firing, *c.silent)}
    for service, slo, long, when in targets:
        rule = b.rules[(service, slo, long)]
        if (at(when), rule_key(rule)) not in checked:
            raise CaseError(f"{name}: {rule_key(rule)} not checked at {at(when)}")
    return scenario
