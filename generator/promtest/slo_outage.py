"""The outage scenario's arithmetic: when a total outage after clean traffic makes each burn
alert fire, as the SLO model predicts it. The generated tests' outage checks and the alert
catalogue's "time to fire" both come from here, so the catalogue states what the tests prove."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal

from generator.core import slo_math as sm
from generator.prometheus import BurnAlertPlan, SLOPlan
from generator.promtest.cases import Ctx
from generator.promtest.inputs import REQUEST_RATE
from generator.promtest.slo_sim import FIVE_MINUTES, Model, first_firing_sustained
from generator.promtest.slo_sim import Traffic as SimTraffic

OUTAGE_AFTER_S = 3600  # an hour of clean traffic fills the 1h window before the outage
OUTAGE_WATCH_S = 20 * 60


@functools.cache
def outage_model(step_s: int, interval_s: int, clean_s: int) -> Model:
    """The rules' model of `clean_s` of clean traffic, then every request failing: the
    outage scenario's traffic (cached: every SLO and the catalogue share it)."""
    phases = ((0, REQUEST_RATE, Decimal(0)), (clean_s, REQUEST_RATE, Decimal(1)))
    traffic = SimTraffic(tuple((t, float(r), float(e)) for t, r, e in phases))
    return Model(traffic, step_s, interval_s)


def outage_clean_s(burn: BurnAlertPlan) -> int:
    """Clean traffic before an outage: an hour (the scenario's), or the alert's long window
    when longer, so that window starts full of good requests as it would in production."""
    return max(OUTAGE_AFTER_S, sm.seconds(burn.long))


def outage_detection(step_s: int, interval_s: int, slo: SLOPlan, burn: BurnAlertPlan) -> int | None:
    """Seconds from the start of a total outage to the first evaluation at which the model
    is sure `burn` fires (its `for` not included); None if it cannot within its long window.

    The outage scenario's checks and the alert catalogue's "time to fire" both come from
    here, so the catalogue states what the generated tests prove."""
    return _outage_detection(step_s, interval_s, slo.min_events, burn)


@functools.cache  # every SLO with these windows and factors has the same answer
def _outage_detection(
    step_s: int, interval_s: int, min_events: int, burn: BurnAlertPlan
) -> int | None:
    clean = outage_clean_s(burn)
    model = outage_model(step_s, interval_s, clean)
    watch = max(OUTAGE_WATCH_S, sm.seconds(burn.long) + 2 * FIVE_MINUTES)
    # an outage is a burn that starts at `clean` and never stops: bisection finds the
    # evaluation a scan would (tests/test_promtest_parts.py checks the two agree)
    when = first_firing_sustained(model, burn, min_events, clean, clean + watch)
    return None if when is None else when - clean


def outage_slos(slos: Sequence[SLOPlan]) -> list[SLOPlan]:
    """The SLOs the outage scenario takes down: those that page at the strictest objective,
    other than latency SLOs if there are any (every event failing is an outage)."""
    paging = [s for s in slos if any(b.severity == sm.PAGE for b in s.burns)]
    down = [s for s in paging if s.kind != "latency"] or paging
    if not down:
        return []
    strictest = max(s.objective for s in down)
    return [s for s in down if s.objective == strictest]


def fastest_page(slo: SLOPlan) -> BurnAlertPlan:
    """The burn alert with the highest factor: the one a total outage trips first."""
    return max(slo.burns, key=lambda burn: burn.factor)


def detections(ctx: Ctx, slos: Sequence[SLOPlan]) -> list[int]:
    """Per SLO, the first evaluation at which the model is sure its fastest page fires."""
    found = (outage_detection(ctx.step_s, ctx.interval_s, s, fastest_page(s)) for s in slos)
    return [OUTAGE_AFTER_S + d for d in found if d is not None and d <= OUTAGE_WATCH_S]
