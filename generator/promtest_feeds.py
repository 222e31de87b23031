"""Raw input series for generated promtool tests.

Counters and gauges follow phases of constant rate or level; histograms are solved so that
the recorded quantile lands on a chosen value; label values are picked so that selectors
and error matchers match (or do not). Every number is a Decimal: each per-sample increment
is rounded once (to 1e-6), and callers get back the rates actually fed, so expected values
are computed from the very numbers promtool reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from generator.model import Labels
from generator.model_tests import CaseError, InputSeries, Segment
from generator.numbers import fmt
from generator.regex_examples import find_value

STEP = Decimal("0.000001")  # rounding of per-sample increments and gauge levels
Phase = tuple[int, Decimal]  # (start second, rate per second or gauge level)


def rounded(value: Decimal) -> Decimal:
    """`value` rounded to STEP, trailing zeros dropped."""
    return value.quantize(STEP).normalize() if value else Decimal(0)


def level_at(phases: Sequence[Phase], second: int) -> Decimal:
    """The level of the phase holding `second`."""
    current = phases[0][1]
    for start, value in phases:
        if start <= second:
            current = value
    return current


def samples(end_s: int, interval_s: int) -> int:
    """Number of samples covering 0 .. end_s (inclusive) at `interval_s`."""
    return -(-end_s // interval_s) + 1


def segments(values: Sequence[Decimal]) -> tuple[Segment, ...]:
    """Compress sample values into runs of constant difference (promtool's `a+bxN`)."""
    out: list[Segment] = []
    i = 0
    while i < len(values):
        step = values[i + 1] - values[i] if i + 1 < len(values) else Decimal(0)
        j = i + 1
        while j < len(values) and values[j] - values[j - 1] == step:
            j += 1
        out.append(Segment(values[i], step, j - 1 - i))
        i = j
    return tuple(out)


def counter(
    metric: str, labels: Labels, rates: Sequence[Phase], end_s: int, interval_s: int
) -> tuple[InputSeries, list[Decimal]]:
    """A counter growing at each phase's rate; returns the series and the rates really fed."""
    increments = [rounded(rate * interval_s) for _, rate in rates]
    fed = [inc / interval_s for inc in increments]
    values = [Decimal(0)]
    for k in range(1, samples(end_s, interval_s)):
        values.append(values[-1] + _phase_value(rates, increments, (k - 1) * interval_s))
    return InputSeries(metric, labels, segments(values)), fed


def gauge(
    metric: str, labels: Labels, levels: Sequence[Phase], end_s: int, interval_s: int
) -> tuple[InputSeries, list[Decimal]]:
    """A gauge holding each phase's level; returns the series and the levels really fed."""
    fed = [rounded(level) for _, level in levels]
    values = [_phase_value(levels, fed, k * interval_s) for k in range(samples(end_s, interval_s))]
    return InputSeries(metric, labels, segments(values)), fed


def _phase_value(phases: Sequence[Phase], values: Sequence[Decimal], second: int) -> Decimal:
    index = 0
    for i, (start, _) in enumerate(phases):
        if start <= second:
            index = i
    return values[index]


def solve_histogram(target: Decimal, q: Decimal, bounds: Sequence[Decimal]) -> list[Decimal]:
    """Shares of requests per bucket (bounds..., +Inf) whose q-quantile is `target`.

    Prometheus interpolates linearly inside the bucket holding the q-th request, so the
    bucket (lo, hi] around the target gets the requests that put rank q at the right place:
    a share below it (in the first bucket) or above it (in the next one).
    """
    index = next((i for i, b in enumerate(bounds) if target <= b), None)
    if index is None or (index == 0 and target < q * bounds[0]):
        raise CaseError(
            f"no histogram over buckets {', '.join(fmt(b) for b in bounds)} has a "
            f"{fmt(q * 100)}th percentile of {fmt(target)}"
        )
    lo = bounds[index - 1] if index else Decimal(0)
    frac = (target - lo) / (bounds[index] - lo)
    shares = [Decimal(0)] * (len(bounds) + 1)
    if frac <= q and index > 0:
        below = (q - frac) / (1 - frac) if frac < 1 else Decimal(0)
        shares[0], shares[index] = below, 1 - below
    else:
        inside = q / frac
        shares[index], shares[index + 1] = inside, 1 - inside
    return shares


def bucket_quantile(q: Decimal, bounds: Sequence[Decimal], counts: Sequence[Decimal]) -> Decimal:
    """Prometheus' histogram_quantile over cumulative `counts` (bounds..., +Inf)."""
    rank = q * counts[-1]
    index = next(i for i, c in enumerate(counts) if c >= rank)
    if index == len(bounds):
        return bounds[-1]
    lo = bounds[index - 1] if index else Decimal(0)
    below = counts[index - 1] if index else Decimal(0)
    return lo + (bounds[index] - lo) * (rank - below) / (counts[index] - below)


def pick(label: str, matchers: Iterable[tuple[str, str, str]], accept: bool) -> str:
    """A value of `label` that all its matchers accept (or that one of them rejects)."""
    try:
        value = find_value(label, matchers, accept)
    except re.error as exc:  # RE2 syntax Python's re lacks, e.g. \p{Greek}
        raise CaseError(f"cannot evaluate the matchers on {label!r} for a test: {exc}") from None
    if value is None:
        mine = [(op, v) for name, op, v in matchers if name == label]
        want = "matches" if accept else "fails"
        raise CaseError(f"no test value of label {label!r} {want} the matchers {mine}")
    return value
