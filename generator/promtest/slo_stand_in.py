"""The SLO scenarios' feed of the SLI kinds whose raw series cannot be worked out from given
good and bad event rates: the SLO's own recorded 5m bad and total rates, fed as input series.

- promql: the user's expressions cannot be inverted in general;
- gauge: a 0/1 sample cannot carry the shares the scenarios straddle thresholds with (0.5 %
  either side of 0.0144 needs thousands of samples in every 5m window); its own rules are
  proved from raw 0/1 samples by slo_gauge.py.

The fed series hold what the SLO's recording rule would write at each evaluation over raw
events of those rates (the mean rate of the last 5 minutes, none before the first input
interval), one sample per evaluation step and none between, so every window averages
exactly the values the raw kinds' windows average. The rule reads raw metrics that no
scenario of its test group feeds (slo_rounds.py keeps them apart), so it writes nothing and
the fed series stand in: promtool fails a test whose rule writes where an input series
already holds a sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, localcontext
from fractions import Fraction

from generator.core import conventions as cv
from generator.prometheus import SLOPlan, labels
from generator.promtest.cases import RATE_WINDOW_S, Ctx
from generator.promtest.inputs import Traffic
from generator.promtest.model import InputSeries, Segment

STAND_IN_KINDS = frozenset({"gauge", "promql"})
DIGITS = 15  # significant digits of a fed value that no decimal holds exactly


def _events(phases: Traffic, second: int, bad: bool) -> Fraction:
    """Events (bad ones when `bad`) from 0 to `second`."""
    total = Fraction(0)
    ordered = sorted(phases, key=lambda p: p[0])
    for i, (start, rate, share) in enumerate(ordered):
        end = ordered[i + 1][0] if i + 1 < len(ordered) else second
        span = min(end, second) - start
        if span > 0:
            total += Fraction(rate) * (Fraction(share) if bad else 1) * span
    return total


def rate5m(phases: Traffic, second: int, bad: bool) -> Fraction:
    """The 5m rate the SLO's rule records at `second` over raw events of `phases`."""
    start = max(0, second - RATE_WINDOW_S)
    return (_events(phases, second, bad) - _events(phases, start, bad)) / RATE_WINDOW_S


def _decimal(value: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = DIGITS
        return (Decimal(value.numerator) / Decimal(value.denominator)).normalize()


def sparse_segments(samples: Sequence[tuple[int, Fraction]]) -> tuple[Segment, ...]:
    """Segments of samples at the given input slots (increasing), none at the others:
    consecutive slots of equal difference share a segment, gaps are `_x<n>`."""
    out: list[Segment] = []
    previous = -1
    i = 0
    while i < len(samples):
        slot, value = samples[i]
        if slot > previous + 1:
            out.append(Segment(Decimal(0), Decimal(0), slot - previous - 2, missing=True))
        j = i
        step = Fraction(0)
        if i + 1 < len(samples) and samples[i + 1][0] == slot + 1:
            step = samples[i + 1][1] - value
            j = i + 1
            while (
                j + 1 < len(samples)
                and samples[j + 1][0] == samples[j][0] + 1
                and samples[j + 1][1] - samples[j][1] == step
            ):
                j += 1
        out.append(Segment(_decimal(value), _decimal(step), j - i))
        previous = samples[j][0]
        i = j + 1
    return tuple(out)


def stand_in_feed(ctx: Ctx, slo: SLOPlan, phases: Traffic, end_s: int) -> list[InputSeries]:
    """The SLO's recorded 5m bad and total event rates for `phases` up to `end_s`, sampled
    at every evaluation step from the first at which a raw 5m rate exists."""
    static = labels(service=slo.service, tier=slo.tier, slo=slo.slo)
    times = [t for t in range(ctx.step_s, end_s + 1, ctx.step_s) if t >= ctx.interval_s]
    series = []
    for name, bad in ((cv.slo_errors("5m"), True), (cv.slo_requests("5m"), False)):
        # a step that is no multiple of the input spacing reads the last slot before it
        slots: dict[int, Fraction] = {t // ctx.interval_s: rate5m(phases, t, bad) for t in times}
        samples = sorted(slots.items())
        if samples:
            series.append(InputSeries(name, static, sparse_segments(samples)))
    return series
