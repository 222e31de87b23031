"""Raw input series for generated promtool tests.

Counters and gauges follow phases of constant rate or level; histograms are solved so that
the recorded quantile lands on a chosen value; label values are picked so that selectors
and error matchers match (or do not). Every number is a Decimal: each per-sample increment
is rounded once (to 1e-6), and callers get back the rates actually fed, so expected values
are computed from the very numbers promtool reads.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from generator.core.numbers import fmt
from generator.core.regex import find_value
from generator.prometheus import Labels
from generator.promtest.model import CaseError, InputSeries, Segment

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
    return _segments_of_runs(
        values[0], _runs(values[i] - values[i - 1] for i in range(1, len(values)))
    )


def _runs(diffs: Iterable[Decimal]) -> list[tuple[Decimal, int]]:
    """Consecutive equal differences as (difference, how many)."""
    runs: list[tuple[Decimal, int]] = []
    for diff in diffs:
        _append_run(runs, diff, 1)
    return runs


def _append_run(runs: list[tuple[Decimal, int]], diff: Decimal, length: int) -> None:
    if length <= 0:
        return
    if runs and runs[-1][0] == diff:
        runs[-1] = (diff, runs[-1][1] + length)
    else:
        runs.append((diff, length))


def _segments_of_runs(first: Decimal, runs: Sequence[tuple[Decimal, int]]) -> tuple[Segment, ...]:
    """`segments` of the samples starting at `first` whose successive differences are
    `runs` (adjacent runs differ): a segment spans a run, and the next segment starts one
    difference later (that difference is the jump between them), in O(runs) not O(samples)."""
    out: list[Segment] = []
    value = first
    steps = [step for step, _ in runs]
    unused = [length for _, length in runs]
    index = 0
    while True:
        while index < len(runs) and unused[index] == 0:
            index += 1
        if index == len(runs):  # the last sample: a segment of itself
            out.append(Segment(value, Decimal(0), 0))
            return tuple(out)
        out.append(Segment(value, steps[index], unused[index]))
        drifted = Decimal(repr(_accumulated(float(value), float(steps[index]), unused[index])))
        value += steps[index] * unused[index]
        index += 1
        if index == len(runs):  # the run reached the last sample
            return tuple(out)
        value += steps[index]  # the jump to the next segment's first sample
        if steps[index] >= 0 and drifted > value:
            value = drifted  # never below where promtool's sum ended: that reads as a reset
        unused[index] -= 1


@functools.lru_cache(maxsize=4096)
def _accumulated(start: float, step: float, count: int) -> float:
    """The last value of `start+stepxcount` as promtool computes it: by adding `step` in
    floats `count` times, which drifts (8.64 added 200 times is 1728.0000000000068)."""
    value = start
    for _ in range(count):
        value += step
    return value


def counter(
    metric: str, labels: Labels, rates: Sequence[Phase], end_s: int, interval_s: int
) -> tuple[InputSeries, list[Decimal]]:
    """A counter growing at each phase's rate; returns the series and the rates really fed.
    Sample k adds the increment of the phase holding second (k - 1) * interval."""
    values, fed = _counter_values(tuple(rates), end_s, interval_s)
    return InputSeries(metric, labels, values), list(fed)


@functools.lru_cache(maxsize=4096)  # services of a tier are fed the same numbers
def _counter_values(
    rates: tuple[Phase, ...], end_s: int, interval_s: int
) -> tuple[tuple[Segment, ...], tuple[Decimal, ...]]:
    increments = [rounded(rate * interval_s) for _, rate in rates]
    fed = tuple(inc / interval_s for inc in increments)
    runs: list[tuple[Decimal, int]] = []
    for index, first, last in _phase_spans(rates, samples(end_s, interval_s) - 1, interval_s):
        _append_run(runs, increments[index], last - first + 1)  # samples k = first + 1 ..
    return _segments_of_runs(Decimal(0), runs), fed


def gauge(
    metric: str, labels: Labels, levels: Sequence[Phase], end_s: int, interval_s: int
) -> tuple[InputSeries, list[Decimal]]:
    """A gauge holding each phase's level; returns the series and the levels really fed."""
    fed = [rounded(level) for _, level in levels]
    spans = _phase_spans(levels, samples(end_s, interval_s), interval_s)
    runs: list[tuple[Decimal, int]] = []
    previous: Decimal | None = None
    for index, first, last in spans:  # samples k = first .. last hold fed[index]
        if previous is not None:
            _append_run(runs, fed[index] - previous, 1)
        _append_run(runs, Decimal(0), last - first)
        previous = fed[index]
    return InputSeries(metric, labels, _segments_of_runs(fed[spans[0][0]], runs)), fed


def _phase_spans(
    phases: Sequence[Phase], count: int, interval_s: int
) -> list[tuple[int, int, int]]:
    """(phase index, first k, last k) covering k = 0 .. count - 1, where k stands for second
    k * interval and the phase holding a second is the last listed one starting by then."""
    starts = sorted({start for start, _ in phases if start > 0})
    spans: list[tuple[int, int, int]] = []
    bounds = [0, *starts]
    for i, begin in enumerate(bounds):
        first = -(-begin // interval_s)
        last = (-(-bounds[i + 1] // interval_s) - 1) if i + 1 < len(bounds) else count - 1
        last = min(last, count - 1)
        if first > last:
            continue
        index = 0
        for j, (start, _) in enumerate(phases):
            if start <= begin:
                index = j
        if spans and spans[-1][0] == index:
            spans[-1] = (index, spans[-1][1], last)
        else:
            spans.append((index, first, last))
    return spans


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
