"""A model of the SLO rules, to predict when each burn-rate alert fires in a generated test.

Traffic is piecewise constant (requests per second, share of bad ones). The model follows the
rules' arithmetic: a 5m rate is the mean event rate of the last 5 minutes; a window's rate is
the mean of the 5m rates evaluated every `step` inside it; a ratio needs requests; an alert
needs both windows above its threshold and `min_events` in its long window. It ignores the
fine print of Prometheus' counter extrapolation, so every prediction must hold with a margin
(2 %) and also one input interval earlier and later: what the model cannot state that firmly,
no test claims.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from generator.core import slo_math as sm
from generator.prometheus import BurnAlertPlan

MARGIN = 0.02
FIVE_MINUTES = 300


@dataclass(frozen=True)
class Traffic:
    """Phases of (start second, requests per second, share of bad requests)."""

    phases: tuple[tuple[int, float, float], ...]
    # the event count up to each change of rate: any mean is two lookups, not a walk
    _integral: dict[bool, tuple[list[float], list[float], list[float]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def rate(self, second: float, bad: bool) -> float:
        """Event rate at `second` (bad events only when `bad`)."""
        current = (0.0, 0.0)
        for start, requests, share in self.phases:
            if start <= second:
                current = (requests, share)
        return current[0] * (current[1] if bad else 1.0)

    def _cumulative(self, bad: bool) -> tuple[list[float], list[float], list[float]]:
        """(change points from 0, events before each, rate from each)."""
        if bad not in self._integral:
            points = sorted({0.0} | {float(p[0]) for p in self.phases if p[0] > 0})
            rates = [self.rate(point, bad) for point in points]
            before = [0.0]
            for i in range(1, len(points)):
                before.append(before[-1] + rates[i - 1] * (points[i] - points[i - 1]))
            self._integral[bad] = (points, before, rates)
        return self._integral[bad]

    def events(self, second: float, bad: bool) -> float:
        """Events from 0 to `second` (none before 0)."""
        if second <= 0:
            return 0.0
        points, before, rates = self._cumulative(bad)
        i = bisect.bisect_right(points, second) - 1
        return before[i] + rates[i] * (second - points[i])

    def mean(self, start: float, end: float, bad: bool) -> float:
        """Mean event rate over [start, end] (nothing before 0)."""
        return (self.events(end, bad) - self.events(start, bad)) / (end - start)


class Rates(Protocol):
    """What the alert conditions read: (bad, all) event rates over a window, at an instant."""

    @property
    def step_s(self) -> int: ...

    @property
    def interval_s(self) -> int: ...

    def span_averages(self, span: int, second: float) -> tuple[float, float]: ...


@dataclass(frozen=True)
class Model:
    """The SLO rules of one SLO, evaluated every `step_s`, inputs sampled every `interval_s`."""

    traffic: Traffic
    step_s: int
    interval_s: int
    # running sums of the 5m rates at every step (bad, all), so a window of days costs O(1)
    _sums: dict[bool, list[float]] = field(
        default_factory=lambda: {True: [0.0], False: [0.0]}, compare=False, repr=False
    )
    # answers already worked out (a plain dict: hashing the model per call costs more)
    _memo: dict[tuple[int, float, bool], float] = field(
        default_factory=dict, compare=False, repr=False
    )

    def rate5m(self, second: float, bad: bool) -> float:
        """slo:sli_errors:rate5m or slo:sli_requests:rate5m (0 before two samples exist)."""
        if second < self.interval_s:
            return 0.0
        return self.traffic.mean(second - FIVE_MINUTES, second, bad)

    def _prefix(self, count: int, bad: bool) -> float:
        """Sum of the 5m rates at the first `count` evaluations (0, step, 2 step, ...)."""
        sums = self._sums[bad]
        while len(sums) <= count:
            sums.append(sums[-1] + self.rate5m((len(sums) - 1) * self.step_s, bad))
        return sums[count]

    def window(self, window_s: int, second: float, bad: bool) -> float:
        """Mean of the 5m rates evaluated inside the window ending at `second`."""
        key = (window_s, second, bad)
        found = self._memo.get(key)
        if found is None:
            first = int(-(-max(0.0, second - window_s) // self.step_s))
            last = int(second // self.step_s)
            if last < first:
                found = 0.0
            else:
                total = self._prefix(last + 1, bad) - self._prefix(first, bad)
                found = total / (last - first + 1)
            self._memo[key] = found
        return found

    def span_averages(self, span: int, second: float) -> tuple[float, float]:
        """(bad, all) event rates over the window of `span` seconds (0: the 5m rate)."""
        if span == 0:
            return self.rate5m(second, True), self.rate5m(second, False)
        return self.window(span, second, True), self.window(span, second, False)


def above(value: float | None, limit: float) -> bool | None:
    """value > limit, or None when too close to tell (or no value: False)."""
    if value is None:
        return False
    if value > limit * (1 + MARGIN):
        return True
    if value < limit * (1 - MARGIN):
        return False
    return None


def _all(parts: Sequence[bool | None]) -> bool | None:
    if any(p is False for p in parts):
        return False
    return None if any(p is None for p in parts) else True


@dataclass(frozen=True)
class Scaled:
    """A model whose bad events are `share` times those of `base`: an outage model scaled to
    any error rate without simulating it again (the rules are linear in bad events)."""

    base: Model
    share: float

    @property
    def step_s(self) -> int:
        """The base model's evaluation step."""
        return self.base.step_s

    @property
    def interval_s(self) -> int:
        """The base model's input spacing."""
        return self.base.interval_s

    def span_averages(self, span: int, second: float) -> tuple[float, float]:
        """(bad, all) event rates over the window of `span` seconds, bad ones scaled."""
        bad, every = self.base.span_averages(span, second)
        return bad * self.share, every


@dataclass(frozen=True)
class _Check:
    """What `condition` reads of a burn alert, worked out once: threshold and window spans
    (0 for 5m, which reads the 5m rate itself)."""

    threshold: float
    long_span: int
    short_span: int
    long_seconds: int


_CHECKS: dict[int, tuple[BurnAlertPlan, _Check]] = {}


def _check(burn: BurnAlertPlan) -> _Check:
    # keyed by identity (hashing the Fractions of a burn costs more than the check); the
    # burn is kept beside it, so an id is never reused while its entry stands
    found = _CHECKS.get(id(burn))
    if found is None or found[0] is not burn:
        spans = [0 if w == "5m" else sm.seconds(w) for w in (burn.long, burn.short)]
        check = _Check(float(burn.threshold), spans[0], spans[1], sm.seconds(burn.long))
        found = _CHECKS[id(burn)] = (burn, check)
    return found[1]


def condition(model: Rates, burn: BurnAlertPlan, min_events: int, second: float) -> bool | None:
    """Whether the alert's expression holds at `second` (None: too close to tell); stops at
    the first part that is surely false."""
    check = _check(burn)
    bad, every = model.span_averages(check.long_span, second)
    long_ratio = above(bad / every if every > 0 else None, check.threshold)
    if long_ratio is False:
        return False
    events = every * check.long_seconds
    guard = None if abs(events - min_events) <= min_events * MARGIN else events >= min_events
    if guard is False:
        return False
    bad, every = model.span_averages(check.short_span, second)
    short_ratio = above(bad / every if every > 0 else None, check.threshold)
    return _all((long_ratio, short_ratio, guard))


def fires(model: Rates, burn: BurnAlertPlan, min_events: int, second: int) -> bool | None:
    """Whether the alert (no `for`) is firing at `second`, robust to an input interval's
    shift either way; None when the model cannot say."""
    seen = {condition(model, burn, min_events, when) for when in _shifted(model, second)}
    return seen.pop() if len(seen) == 1 else None


def _shifted(model: Rates, second: int) -> tuple[int, int, int]:
    """The evaluation and one input interval either side (the current one first)."""
    return second, second - model.interval_s, second + model.interval_s


def first_firing(
    model: Rates, burn: BurnAlertPlan, min_events: int, start: int, end: int
) -> int | None:
    """The first evaluation in [start, end] at which the model is sure the alert fires."""
    for when in range(start, end + 1, model.step_s):
        if fires(model, burn, min_events, when):
            return when
    return None


def first_firing_sustained(
    model: Rates,
    burn: BurnAlertPlan,
    min_events: int,
    start: int,
    end: int,
    unsure_at: int | None = None,
    sure_at: int | None = None,
) -> int | None:
    """`first_firing` for a burn that starts at `start` and never stops: its ratios only grow
    until its windows are full, so whether the alert is sure to fire flips once and a
    bisection finds the same evaluation in a dozen probes instead of thousands.

    `unsure_at` / `sure_at` are evaluations already known not to be / to be sure (from the
    same burn at a higher / lower share: a share only makes the ratios larger), which
    narrow the search without changing its answer."""
    steps = (end - start) // model.step_s
    if sure_at is None and not _sure(model, burn, min_events, start + steps * model.step_s):
        return None
    low, high = -1, steps  # fires at `high`, not sure at `low`
    if unsure_at is not None:
        low = max(low, (unsure_at - start) // model.step_s)
    if sure_at is not None:
        high = min(high, (sure_at - start) // model.step_s)
    while high - low > 1:
        mid = (low + high) // 2
        if _sure(model, burn, min_events, start + mid * model.step_s):
            high = mid
        else:
            low = mid
    return start + high * model.step_s


def _sure(model: Rates, burn: BurnAlertPlan, min_events: int, second: int) -> bool:
    """`fires(...) is True`, stopping at the first shift whose condition is not surely true
    (the current evaluation first: it decides most probes)."""
    return all(condition(model, burn, min_events, when) is True for when in _shifted(model, second))


LAG_FROM_S = 120  # steps from which an alert's one-step-old reads of later groups matter


def lagged_fires(
    step_s: int, model: Rates, burn: BurnAlertPlan, min_events: int, when: int
) -> bool | None:
    """`fires`, and at a coarse step also the same one step earlier: an alert reads the
    ratios that groups evaluated after it (medium, slow) recorded at the previous step."""
    now = fires(model, burn, min_events, when)
    if step_s < LAG_FROM_S or now is None:
        return now
    return now if fires(model, burn, min_events, when - step_s) == now else None
