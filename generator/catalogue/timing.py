"""How long an SLO burn alert takes to fire, for the catalogue's tables and plots.

Every figure comes from the model the generated promtool tests are built on
(promtest/slo_sim.py) and the outage traffic of their outage scenario (promtest/slo.py): at
a 100 % error rate the time is `outage_detection`'s, the very figure the outage test checks;
at other rates the same model with its bad events scaled (the rules are linear in them).
`for` is added on top: the condition must hold that long before the alert fires.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from generator.core import slo_math as sm
from generator.prometheus import BurnAlertPlan, SLOPlan
from generator.promtest import (
    FIVE_MINUTES,
    MARGIN,
    Scaled,
    first_firing_sustained,
    outage_clean_s,
    outage_detection,
    outage_model,
)

# Error rates (share of requests failing) the catalogue's tables list: 1-2-5 steps down from
# a total outage, as far as the slowest alert can fire.
_STEPS = (Decimal(1), Decimal("0.5"), Decimal("0.2"))


def outage_seconds(
    step_s: int, interval_s: int, slo: SLOPlan, burn: BurnAlertPlan, for_s: int
) -> int | None:
    """Seconds from the start of a total outage until the alert fires (None: it cannot), on
    rules evaluated every `step_s` over inputs scraped every `interval_s`."""
    found = outage_detection(step_s, interval_s, slo, burn)
    return None if found is None else found + for_s


def seconds_at(
    step_s: int, interval_s: int, slo: SLOPlan, burn: BurnAlertPlan, share: Decimal, for_s: int
) -> int | None:
    """Seconds from the start of a sustained burn at `share` of requests failing until the
    alert fires; None when the model is not sure it ever fires at that rate."""
    if share == 1:
        return outage_seconds(step_s, interval_s, slo, burn, for_s)
    found = scaled_detection(step_s, interval_s, slo.min_events, burn, share)
    return None if found is None else found + for_s


def scaled_detection(
    step_s: int, interval_s: int, min_events: int, burn: BurnAlertPlan, share: Decimal
) -> int | None:
    """Seconds from the start of a sustained burn at `share` of requests failing until the
    model is sure the alert fires (`for` not included); None when it never is. Answers are
    kept per burn and timing for the run: they are both the cache and the search bounds."""
    known = _KNOWN.setdefault((step_s, interval_s, min_events, burn), {})
    if share in known:
        return known[share]
    clean = outage_clean_s(burn)
    model = Scaled(outage_model(step_s, interval_s, clean), float(share))
    end = clean + sm.seconds(burn.long) + 2 * FIVE_MINUTES
    # a higher share fires no later and a lower one no sooner (the ratios scale with it):
    # answers already found for this burn bound the search
    faster = [t for s, t in known.items() if s > share and t is not None]
    slower = [t for s, t in known.items() if s < share and t is not None]
    found = first_firing_sustained(
        model,
        burn,
        min_events,
        clean,
        end,
        unsure_at=clean + max(faster) - step_s if faster else None,
        sure_at=clean + min(slower) if slower else None,
    )
    known[share] = None if found is None else found - clean
    return known[share]


# every share answered so far, per burn and timing (same windows, factors and traffic give
# the same answer, so a run asks each once)
_KNOWN: dict[tuple[int, int, int, BurnAlertPlan], dict[Decimal, int | None]] = {}


def lowest_sure_rate(slo: SLOPlan) -> Decimal:
    """The error ratio above which the model is sure some burn alert of the SLO fires."""
    return sm.approx(min(b.threshold for b in slo.burns)) * (1 + Decimal(MARGIN))


def table_rates(slo: SLOPlan) -> list[Decimal]:
    """1, 0.5, 0.2, 0.1, ... down to the last rate at which some alert fires."""
    floor = lowest_sure_rate(slo)
    rates = []
    for scale in _decades():
        below = [step * scale for step in _STEPS if step * scale > floor]
        rates += below
        if len(below) < len(_STEPS):
            return rates
    raise AssertionError("unreachable: the floor is positive")


def _decades() -> Iterator[Decimal]:
    scale = Decimal(1)
    while True:
        yield scale
        scale /= 10
