"""The disk-fill scenarios: node filesystems falling on exact lines, so predict_linear's
horizon and the free-space guard are each pinned to an evaluation step; and a disk filled
in a burst, then flat, which pins the trend window.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction

from generator.prometheus import AlertRule
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, expected, seconds
from generator.promtest.health_cases import const, matching_labels, pinned_checks, raw_series
from generator.promtest.model import AlertCheck, CaseError, Segment, rule_key


def disk_fill(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """Filesystems of one node, each falling linearly (predict_linear reads an exact line):
    `/` predicted empty within the horizon and below the free-space guard from the start;
    `/late` coming within the horizon, and `/crossing` (as fast as `/`) falling through the
    guard, each half a step before a chosen evaluation, so both fire exactly `for` later:
    a horizon or guard off by 1 % moves that by far more than a step."""
    args = alert.expr.args
    node = matching_labels(alert)
    size = Decimal(1000)
    guard = Decimal(args["ratio"]) * size
    below = guard - 1
    horizon = Decimal(args["horizon_s"])
    start = ceil_to(ctx.interval_s, ctx.step_s)  # two samples: a trend
    wait = seconds(alert.for_)
    late_from = start + 10 * ctx.step_s  # the evaluation `/late` turns true at
    end = ceil_to(late_from + wait, ctx.step_s)
    count = end // ctx.interval_s

    def per_sample(per_s: Decimal) -> Decimal:
        return (per_s * ctx.interval_s).quantize(Decimal("0.000001"))

    soon = per_sample(below / (horizon * Decimal("0.9")))
    late = per_sample(below / (horizon + late_from))
    late_free = late / ctx.interval_s * (horizon + late_from - Decimal(ctx.step_s) / 2)
    disks = {
        "/": (below, soon),
        "/late": (late_free.quantize(Decimal("0.000001")), late),
        "/crossing": (guard + soon / ctx.interval_s * (late_from - Decimal(ctx.step_s) / 2), soon),
    }
    series, labelled = [], {}
    for i, (mountpoint, (free, drop)) in enumerate(disks.items()):
        labels = {**node, "device": f"sd{i}", "fstype": "ext4", "mountpoint": mountpoint}
        labels["instance"] = "node-0"
        series.append(raw_series(str(args["available"]), labels, *_falling(free, drop, count)))
        series.append(raw_series(str(args["size"]), labels, const(size, count + 1)))
        labelled[mountpoint] = (alert, tuple(sorted(labels.items())))
    key = (rule_key(alert),)
    first = pinned_checks(ctx, name, [alert], start, [labelled["/"]], "`/` filling, low on space")
    both = (labelled["/"], labelled["/late"], labelled["/crossing"])
    exp_late = tuple(sorted((expected(a, x, None) for a, x in both), key=lambda e: e.labels))
    checks = (
        *first,
        AlertCheck(
            at(end - ctx.step_s),
            name,
            (expected(*labelled["/"], None),),
            "`/late` and `/crossing` silent one evaluation before their for has passed",
            key,
            (),
        ),
        AlertCheck(
            at(end), name, exp_late, "`/late` and `/crossing` fire after their for", key, ()
        ),
    )
    return [
        Scenario(
            f"{name}: filling within the horizon, crossing into it, and above the guard",
            frozenset({str(args["available"]), str(args["size"])}),
            tuple(series),
            checks,
        ),
        *disk_burst(ctx, name, alert),
    ]


def _falling(start: Decimal, drop: Decimal, count: int) -> list[Segment]:
    """A gauge falling by `drop` per sample."""
    return [Segment(start, -drop, count)]


FLOOR = Decimal(10)  # the burst disk's free space once full (of 1000): well above 0
BURSTS = (12, 6, 4)  # the burst lasts this fraction of the trend window: the first that fits


def disk_burst(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """A disk filled in a burst (a fraction of the trend window long), then nothing: the
    trend still holds the burst half a window after it, and fires; a whole window after
    it the trend is flat and the alert resolved. A window halved is flat (silent) at the
    first check, one doubled still holds the burst (firing) at the second. No scenario
    when the alert's numbers leave no room for a burst (the prediction is modelled here
    exactly, as Prometheus' least squares computes it, both ways a range may end)."""
    args = alert.expr.args
    window, wait = seconds(str(args["over"])), seconds(alert.for_)
    horizon = int(args["horizon_s"])
    size = Decimal(1000)
    high = Decimal(args["ratio"]) * size - 1  # under the free-space guard throughout
    if high <= 2 * FLOOR:
        return []
    spacing = (ctx.interval_s, ctx.step_s)
    plans = (_burst(*spacing, window, wait, horizon, high, part) for part in BURSTS)
    plan = next((p for p in plans if p is not None), None)
    if plan is None:
        return []
    drop, steps, fall, still, gone = plan
    labels = {**matching_labels(alert), "device": "sd3", "fstype": "ext4", "mountpoint": "/burst"}
    labels["instance"] = "node-0"
    count = gone // ctx.interval_s
    series = (
        raw_series(
            str(args["available"]),
            labels,
            Segment(high, -drop, steps),
            const(high - drop * steps, count - steps),
        ),
        raw_series(str(args["size"]), labels, const(size, count + 1)),
    )
    over, key = str(args["over"]), (rule_key(alert),)
    fired = expected(alert, tuple(sorted(labels.items())), None)
    checks = (
        AlertCheck(
            at(still),
            name,
            (fired,),
            f"still firing {at(still - fall)} after a burst filled `/burst`: its {over} "
            "trend holds the burst",
            key,
        ),
        AlertCheck(
            at(gone),
            name,
            (),
            f"resolved {at(gone - fall)} after the burst: its {over} trend is flat",
            (),
            key,
        ),
    )
    return [
        Scenario(
            f"{name}: a burst fills `/burst`, then nothing for {over}",
            frozenset({str(args["available"]), str(args["size"])}),
            series,
            checks,
        )
    ]


@functools.lru_cache(maxsize=256)  # numbers alone: a spec's disks, or a session's specs
def _burst(
    interval_s: int, step_s: int, window: int, wait: int, horizon: int, high: Decimal, part: int
) -> tuple[Decimal, int, int, int, int] | None:
    """A burst of window / `part` (its drop a sample, samples, end) and its two checks
    (the still-firing and the resolved evaluations), if the prediction tells all four
    windows apart there, with inputs `interval_s` and evaluations `step_s` apart."""
    fall = ceil_to(window // part, interval_s)
    steps = fall // interval_s
    drop = ((high - FLOOR) / steps).quantize(Decimal("0.000001"))
    disk = _Burst(interval_s, high, drop, steps, horizon)
    still = ceil_to(fall + window // 2, step_s)  # a half window holds no burst
    gone = ceil_to(fall + window, step_s)  # nor does the window
    # the condition must hold at every evaluation since `for` before each check
    held = range(still - ceil_to(wait, step_s), still + 1, step_s)
    doubled = range(gone - ceil_to(wait, step_s), gone + 1, step_s)
    if held.start < interval_s:  # no trend yet: two samples
        return None
    try:
        flat = not disk.full(still, window // 2) and not disk.full(gone, window)
        kept = all(disk.full(t, window) for t in held)
        if flat and kept and all(disk.full(t, 2 * window) for t in doubled):
            return drop, steps, fall, still, gone
    except CaseError:  # a prediction too close to 0: try a longer burst
        pass
    return None


class _Burst:
    """Free space falling by `drop` a sample for `steps` samples from `high`, then flat:
    predict_linear over it, in closed form (sums over runs of samples)."""

    def __init__(self, interval: int, high: Decimal, drop: Decimal, steps: int, horizon: int):
        self.interval, self.horizon = interval, horizon
        self.high, self.drop, self.steps = Fraction(high), Fraction(drop), steps
        self.low = self.high - self.drop * steps

    def full(self, t: int, window: int) -> bool:
        """Predicted full within the horizon at `t`, whether the range includes its left
        end (Prometheus 2) or not (3), with a margin; a prediction in the margin raises."""
        ends = (-(-(t - window) // self.interval), (t - window) // self.interval + 1)
        verdicts = set()
        for first in ends:
            value = self._predicted(max(first, 0), t // self.interval, t)
            if abs(value) < Fraction(FLOOR) / 2:
                raise CaseError(f"a disk burst predicts {float(value):.1f} at {at(t)}: too close")
            verdicts.add(value < 0)
        if len(verdicts) != 1:
            raise CaseError(f"a disk burst reads differently in Prometheus 2 and 3 at {at(t)}")
        return verdicts.pop()

    def _predicted(self, a: int, b: int, t: int) -> Fraction:
        """predict_linear over samples a .. b, read at `t`: the least-squares line's value
        at `t` plus its slope times the horizon."""
        n = sx = sxx = sy = sxy = Fraction(0)
        falling = (a, min(b, self.steps), self.high, -self.drop)
        flat = (max(a, self.steps + 1), b, self.low, Fraction(0))
        for lo, hi, level, slope in (falling, flat):  # y = level + slope * sample index
            if lo <= hi:
                c0, c1, c2 = _sums(lo, hi)
                n, sx, sxx = n + c0, sx + c1, sxx + c2
                sy, sxy = sy + level * c0 + slope * c1, sxy + level * c1 + slope * c2
        per_sample = (n * sxy - sx * sy) / (n * sxx - sx * sx)
        fitted = sy / n + per_sample * (Fraction(t, self.interval) - sx / n)
        return fitted + per_sample / self.interval * self.horizon


def _sums(a: int, b: int) -> tuple[int, int, int]:
    """The count, sum and sum of squares of the integers a .. b."""

    def squares(k: int) -> int:
        return k * (k + 1) * (2 * k + 1) // 6

    return b - a + 1, (a + b) * (b - a + 1) // 2, squares(b) - squares(a - 1)
