"""The gauge SLI's rules worked out exactly from 0/1 samples, for the tests of slo_gauge.py.

A 5m rate is a count of samples (and of zeros) over 300 s: no extrapolation, so nothing to
approximate, but Prometheus 2 selects [t - 5m, t] and Prometheus 3 (t - 5m, t], which
differ by the sample at t - 5m; windows averaging the 5m rates (avg_over_time) differ the
same way by the evaluation at their start. Every figure is computed for both versions and
a test claims only what both agree on.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from generator.core import slo_math as sm
from generator.prometheus import BurnAlertPlan
from generator.promtest.cases import RATE_WINDOW_S

VERSIONS = (2, 3)  # Prometheus 2 ranges are closed at the start, Prometheus 3 ranges open
TIE = Fraction(1, 10**6)  # relative: closer to a threshold than this is floats' to decide


@dataclass(frozen=True)
class Samples:
    """Identical 0/1 series (`copies` of them) sampled every `interval_s`: the value at each
    input slot, None where there is no sample."""

    values: tuple[int | None, ...]
    interval_s: int
    copies: int = 1

    def counts(self, second: int, span: int, version: int) -> tuple[int, int]:
        """(samples, zeros) over the range of `span` seconds ending at `second`."""
        first = -(-(second - span) // self.interval_s)
        if version == 3 and first * self.interval_s == second - span:
            first += 1  # left-open range
        last = min(second // self.interval_s, len(self.values) - 1)
        seen = [v for v in self.values[max(first, 0) : last + 1] if v is not None]
        return len(seen) * self.copies, seen.count(0) * self.copies


@dataclass(frozen=True)
class GaugeRules:
    """The SLO rules of one gauge SLO of one service over `samples`, evaluated every
    `step_s`, as Prometheus `version` computes them."""

    samples: Samples
    step_s: int
    version: int

    @functools.cache  # noqa: B019 (a handful of instances, each asked many times)
    def rate5m(self, second: int) -> tuple[Fraction, Fraction] | None:
        """(bad, all) samples per second over 5m; None without any sample."""
        every, zeros = self.samples.counts(second, RATE_WINDOW_S, self.version)
        if every == 0:
            return None
        return Fraction(zeros, RATE_WINDOW_S), Fraction(every, RATE_WINDOW_S)

    def window(self, span: int, second: int) -> tuple[Fraction, Fraction] | None:
        """(bad, all) 5m rates averaged over the evaluations in the window (0: the 5m rate)."""
        if span == 0:
            return self.rate5m(second)
        first = -(-(second - span) // self.step_s)
        if self.version == 3 and first * self.step_s == second - span:
            first += 1
        rates = [
            r
            for k in range(max(first, 0), second // self.step_s + 1)
            if (r := self.rate5m(k * self.step_s)) is not None
        ]
        if not rates:
            return None
        return (
            sum((b for b, _ in rates), Fraction(0)) / len(rates),
            sum((a for _, a in rates), Fraction(0)) / len(rates),
        )

    def ratio(self, span: int, second: int) -> Fraction | None:
        """The error ratio over the window; None without events (the rule's is absent)."""
        found = self.window(span, second)
        if found is None or found[1] == 0:
            return None
        return found[0] / found[1]


def _above(value: Fraction | None, limit: Fraction) -> bool | None:
    if value is None:
        return False
    if abs(value - limit) <= limit * TIE:
        return None
    return value > limit


def _read_at(burn: BurnAlertPlan, window: str, second: int, step: int) -> int:
    """When the alert's group reads a window: a step late when a later group records it."""
    mine = sm.SPEEDS.index(sm.ALERT_SPEED[burn.severity])
    later = sm.SPEEDS.index(sm.WINDOW_SPEED[window]) > mine
    return second - step if later else second


def condition(rules: GaugeRules, burn: BurnAlertPlan, min_events: int, second: int) -> bool | None:
    """Whether the burn alert's expression holds at `second` (None: too close to call)."""
    spans = {w: 0 if w == "5m" else sm.seconds(w) for w in (burn.long, burn.short)}
    step = rules.step_s
    threshold = burn.threshold
    long_at = _read_at(burn, burn.long, second, step)
    parts = [
        _above(rules.ratio(spans[burn.long], long_at), threshold),
        _above(rules.ratio(spans[burn.short], _read_at(burn, burn.short, second, step)), threshold),
    ]
    found = rules.window(spans[burn.long], long_at)
    events = None if found is None else found[1] * sm.seconds(burn.long)
    if events is None:
        parts.append(False)
    elif abs(events - min_events) <= min_events * TIE:
        parts.append(None)
    else:
        parts.append(events >= min_events)
    if any(p is False for p in parts):
        return False
    return None if None in parts else True


def fires(
    samples: Samples, step_s: int, burn: BurnAlertPlan, min_events: int, second: int
) -> bool | None:
    """Whether the alert fires at `second` in both Prometheus versions (None: they differ,
    or either is too close to call)."""
    seen = {condition(_rules(samples, step_s, v), burn, min_events, second) for v in VERSIONS}
    return seen.pop() if len(seen) == 1 else None


@functools.cache
def _rules(samples: Samples, step_s: int, version: int) -> GaugeRules:
    return GaugeRules(samples, step_s, version)


def agreed(samples: Sequence[Samples], second: int, span: int) -> tuple[int | None, int | None]:
    """(samples, zeros) over a range, summed over the series: each None where the two
    Prometheus versions count differently."""
    seen = [
        tuple(sum(x) for x in zip(*(s.counts(second, span, v) for s in samples), strict=True))
        for v in VERSIONS
    ]
    every = seen[0][0] if seen[0][0] == seen[1][0] else None
    zeros = seen[0][1] if seen[0][1] == seen[1][1] else None
    return every, zeros
