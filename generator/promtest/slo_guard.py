"""The min-events guard of burn alerts whose long window outlasts a test: proved early.

A long window longer than the data so far averages only the 5m rates there are, ramp
included (promtool has no data before the test starts, and a counter's first 5m rates
cover less than 5m: k steps in, k x step / 5m of the rate). So an hour of every request
failing at a known rate fills a 1d or 3d window's request rate to an exactly known part of
that rate, and the guard (`rate x seconds >= min_events`) is straddled 0.5 % either side
in an hour of evaluations instead of days.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from generator.core import slo_math as sm
from generator.promtest.cases import RATE_WINDOW_S, Scenario, ceil_to
from generator.promtest.feeds import rounded
from generator.promtest.inputs import Traffic
from generator.promtest.model import CaseError

if TYPE_CHECKING:
    from generator.promtest.slo import Builder

CHECK_S = 1800  # the ramp's weight then changes 0.25 % from one step to the next
STRADDLE = Decimal("0.005")


def early_guard_scenarios(b: Builder, chosen: Callable[[int], bool]) -> list[Scenario]:
    """Just under and just over the guard of every long window whose length is `chosen`
    and longer than the check time."""
    when = ceil_to(CHECK_S, b.ctx.step_s)
    longs = sorted(
        {
            x.long
            for s in b.slos
            for x in s.burns
            if chosen(sm.seconds(x.long)) and sm.seconds(x.long) > when
        },
        key=sm.seconds,
    )
    return [
        _guard(b, long, when, side, k)
        for long in longs
        for side, k in (("just under", 1 - STRADDLE), ("just over", 1 + STRADDLE))
    ]


def ramp_share(step: int, second: int) -> Decimal:
    """The mean of the recorded 5m request rates from the first evaluation with data up to
    `second`, as a share of the rate fed (the first 5m rates cover less than 5m)."""
    count = second // step
    if count < 1:
        raise CaseError(f"no 5m rate recorded by {second}s")
    parts = [min(k * step, RATE_WINDOW_S) for k in range(1, count + 1)]
    return Decimal(sum(parts)) / (RATE_WINDOW_S * count)


def _guard(b: Builder, long: str, when: int, side: str, k: Decimal) -> Scenario:
    span = sm.seconds(long)
    step = b.ctx.step_s
    # an alert reads a long window recorded by a later group one step late: both reads
    shares = [ramp_share(step, when - step), ramp_share(step, when)]
    share = (shares[0] + shares[1]) / 2
    traffic: dict[tuple[str, str], Traffic] = {}
    exact: dict[tuple[str, str, str], bool] = {}
    for s in b.slos:
        key = (s.service, s.slo)
        if not any(x.long == long for x in s.burns):
            traffic[key] = [(0, Decimal(0), Decimal(0))]
            continue
        rate = Decimal(s.min_events) / (span * share) * k
        rate = rate.quantize(Decimal(1).scaleb(rate.adjusted() - 5))
        traffic[key] = [(0, rate, Decimal(1))]
        fed = rounded(rate * b.ctx.interval_s) / b.ctx.interval_s
        sides = {fed * x * span >= s.min_events for x in shares}
        if len(sides) != 1:
            raise CaseError(f"{long} guard of {s.service}: too close to call")
        exact[(s.service, s.slo, long)] = sides.pop()
    events = min(s.min_events for s in b.slos)
    proves = (
        f"{long} alerts fire just over {events} requests in the {long} window, silent just "
        f"under (after {CHECK_S // 60}m the window averages the 5m rates there are)"
    )
    name = f"every request bad, traffic {side} {events} requests in {long}, early"
    return b.build(name, traffic, [(when, proves)], exact=exact)
