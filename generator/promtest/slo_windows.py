"""Behaviour tests that prove the windows of SLO burn alerts by when they fire and resolve.

Per long window (those the caller picks), one scenario, every SLO at once: clean traffic,
then a burst at twice the request rate with twice the alert's threshold of errors, then
clean again. During the burst
the short window is soon over the threshold and the long one only once enough of it holds
the burst: the alert is silent one sure evaluation before that and fires at it. After the
burst the long window stays over while the short one empties: still firing, then silent.
A window (of errors or of requests) halved or doubled moves one of those four moments.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from generator.core import slo_math as sm
from generator.prometheus import BurnAlertPlan, SLOPlan
from generator.promtest.cases import Scenario, at, ceil_to
from generator.promtest.inputs import REQUEST_RATE, Traffic
from generator.promtest.slo_sim import lagged_fires

if TYPE_CHECKING:
    from generator.promtest.slo import Builder

CLEAN_S = 1800  # clean traffic before the burst, at least (and at least the long window,
# so that the window is full when the burst starts: a window longer than the history so far
# averages only what there is, and would not show its length)
SPEEDUP = 2  # request rate during the burst, x the clean rate: a request window off shows


def window_scenarios(b: Builder, chosen: Callable[[int], bool]) -> list[Scenario]:
    """One burst scenario per long window whose length in seconds is `chosen`."""
    longs = {x.long for s in b.slos for x in s.burns if chosen(sm.seconds(x.long))}
    return [_burst(b, long) for long in sorted(longs, key=sm.seconds)]


def _burst(b: Builder, long: str) -> Scenario:
    step = b.ctx.step_s
    span = sm.seconds(long)
    clean = ceil_to(max(CLEAN_S, span), step)
    traffic: dict[tuple[str, str], Traffic] = {}
    refs: dict[str, tuple[Traffic, int, SLOPlan, BurnAlertPlan]] = {}
    end = 0
    for s in b.slos:
        key = (s.service, s.slo)
        burn = next((x for x in s.burns if x.long == long), None)
        if burn is None:
            traffic[key] = [(0, REQUEST_RATE, Decimal(0))]
            continue
        short = sm.seconds(burn.short)
        share = min(2 * sm.approx(burn.threshold), Decimal(1))
        stop = clean + ceil_to(span // 2 + 2 * short + 600, step)
        traffic[key] = [
            (0, REQUEST_RATE, Decimal(0)),
            (clean, SPEEDUP * REQUEST_RATE, share),
            (stop, REQUEST_RATE, Decimal(0)),
        ]
        end = max(end, stop + 2 * short + 600)
        refs.setdefault(burn.alert, (traffic[key], stop, s, burn))
    per_name = {}
    for name, (phases, stop, slo, burn) in refs.items():
        model = b.model(phases)
        times = range(clean, end + 1, step)
        state = {t: lagged_fires(b.ctx.step_s, model, burn, slo.min_events, t) for t in times}
        fire = next(t for t in sorted(state) if state[t])
        before = max(t for t in state if t < fire and state[t] is False)
        clear = next(t for t in sorted(state) if t > stop and state[t] is False)
        still = max(t for t in state if t < clear and state[t])
        per_name[name] = [
            (before, f"{long} burst: short window over, long not yet: silent"),
            (fire, f"{long} burst: fires once {long} holds enough of the burst"),
            (still, f"{at(still - stop)} after the burst: the long window is still over"),
            (clear, f"{at(clear - stop)} after the burst: short window clean: resolved"),
        ]
    return b.build(f"burst proving the {long} windows", traffic, [], per_name=per_name)
