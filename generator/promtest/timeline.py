"""When threshold alerts fire on a timeline of phases: the watched signal at every
evaluation, rate ramps included, and each alert's state from its condition and `for`.

A signal read through `rate(...[5m])` moves from one phase's level to the next over five
minutes: at an evaluation its value is the mix of the two levels in the share of the
window's increments fed by the new phase. Prometheus 2 selects [t - 5m, t] (20 increments
at a 15 s input spacing) and Prometheus 3 selects (t - 5m, t] and extrapolates (19 of
them), so both shares are computed, and a state is claimed only when both versions agree.
A gauge switches at the first sample of its new phase.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from generator.prometheus import AlertRule
from generator.promtest.cases import RATE_WINDOW_S, Ctx, ceil_to, seconds
from generator.promtest.inputs import Feed
from generator.promtest.model import CaseError

TIE = Decimal("0.000001")  # relative: a value this near a threshold is float noise's to decide


@dataclass(frozen=True)
class Timeline:
    """One subject's feed over phases starting at `starts` (the first at 0)."""

    ctx: Ctx
    feed: Feed
    starts: tuple[int, ...]

    def _phase(self, second: int) -> int:
        return max(i for i, s in enumerate(self.starts) if s <= second)

    def values(self, second: int) -> tuple[Decimal, ...]:
        """The signal at an evaluation, per Prometheus version (one value if they agree)."""
        interval = self.ctx.interval_s
        if self.feed.mix is None:  # a gauge: the last sample at or before `second`
            return (self.feed.values[self._phase(second // interval * interval)],)
        if RATE_WINDOW_S % interval or second < RATE_WINDOW_S:
            raise CaseError(f"no rate model for {interval} s inputs at {second} s")
        out = []
        for count in (RATE_WINDOW_S // interval, RATE_WINDOW_S // interval - 1):
            # the increment ending at u carries the rate of the phase holding u - interval
            phases = [self._phase(second - j * interval - interval) for j in range(count)]
            new, old = phases[0], phases[-1]
            if any(p not in (new, old) for p in phases):
                raise CaseError("a rate window spans three phases: phases must last 5m")
            share = Decimal(phases.count(new)) / count
            out.append(self.feed.mix(old, new, share))
        return tuple(dict.fromkeys(out))


def condition(alert: AlertRule, values: Sequence[Decimal]) -> bool | None:
    """Whether the alert's condition holds for every value (None: they disagree, or one is
    too near the threshold to tell)."""
    assert alert.threshold is not None
    t = alert.threshold
    seen = set()
    for v in values:
        if abs(v - t) <= abs(t) * TIE:
            return None
        seen.add(v > t if alert.direction == "above" else v < t)
    return seen.pop() if len(seen) == 1 else None


@dataclass(frozen=True)
class State:
    """An alert at one evaluation: since when its condition holds (None: it does not), and
    whether it fires; `firing` is None when the model cannot tell."""

    since: int | None
    firing: bool | None
    values: tuple[Decimal, ...]


def states(
    ctx: Ctx, alert: AlertRule, timeline: Timeline, first: int, last: int
) -> dict[int, State]:
    """The alert's state at every evaluation from `first` (when its condition surely does
    not hold) to `last`: firing once its condition has held for its `for`."""

    def probe(when: int) -> tuple[bool | None, tuple[Decimal, ...]]:
        values = timeline.values(when)
        return condition(alert, values), values

    return states_of(ctx, seconds(alert.for_), probe, first, last)


Probe = Callable[[int], tuple[bool | None, tuple[Decimal, ...]]]


def states_of(ctx: Ctx, wait: int, probe: Probe, first: int, last: int) -> dict[int, State]:
    """`states` of any condition: `probe` says whether it holds at an evaluation (None:
    cannot tell) and the alert's value there (per Prometheus version).

    An evaluation the model cannot tell leaves the start of the current run of the condition
    between two bounds: the earliest evaluation it may have started at, and the first from
    which it surely holds. The alert surely fires once `for` has passed since the later one,
    and surely does not while `for` has not passed since the earlier one; in between (and
    while the condition itself is unsure) the model cannot tell. `since` is the start when it
    is certain."""
    out: dict[int, State] = {}
    earliest: int | None = None  # the run of the condition may have started here
    surely: int | None = None  # and surely holds without a gap from here
    for when in range(ceil_to(first, ctx.step_s), last + 1, ctx.step_s):
        holds, values = probe(when)
        if holds is False:
            earliest = surely = None
        else:
            earliest = when if earliest is None else earliest
            if holds is None:
                surely = None  # it may not hold now: a sure run starts later
            elif surely is None:
                surely = when
        if earliest is None or when - earliest < wait:
            firing: bool | None = False
        elif surely is not None and when - surely >= wait:
            firing = True
        else:
            firing = None
        certain = surely is not None and surely == earliest
        out[when] = State(surely if certain else None, firing, values)
    return out


def fire_bounds(state: dict[int, State], alert: AlertRule, after: int) -> tuple[int, int]:
    """(the last evaluation from `after` at which the alert surely does not fire, the first at
    which it surely fires). When the model knows when the condition starts, the two are one
    evaluation apart (start + `for`); when a rate ramp reads either side of the threshold in
    the two Prometheus versions for a while, the start lies between the first evaluation it
    may hold at and the first it surely holds at, and so does `for`'s end: the pair brackets
    it as tightly as the model can."""
    fire = next((w for w in sorted(state) if w >= after and state[w].firing), None)
    if fire is not None:
        silent = [w for w in state if after <= w < fire and state[w].firing is False]
        if silent:
            return max(silent), fire
    raise CaseError(f"{alert.alert}: the model cannot tell when its condition starts to hold")
