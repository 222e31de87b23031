"""The disk-fill scenario: node filesystems falling on exact lines, so predict_linear's
horizon and the free-space guard are each pinned to an evaluation step.
"""

from __future__ import annotations

from decimal import Decimal

from generator.prometheus import AlertRule
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, expected, seconds
from generator.promtest.health_cases import const, matching_labels, pinned_checks, raw_series
from generator.promtest.model import AlertCheck, Segment, rule_key


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
        )
    ]


def _falling(start: Decimal, drop: Decimal, count: int) -> list[Segment]:
    """A gauge falling by `drop` per sample."""
    return [Segment(start, -drop, count)]
