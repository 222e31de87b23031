"""Scenarios of the monitoring watching itself, one per expression shape: a failure counter
that starts counting, a gauge that drops to 0 (nothing discovered, a reload failed), and a
failed share of notifications just above and just below its threshold.

The counter and the gauge are fed beside the same metric of other jobs (strangers), failing
from the start: the alert is silent until its own series fails, so its selector's matchers
are proved. (A failed share divides two series of one selector: a job's failures find no
partner among another job's notifications.)
"""

from __future__ import annotations

from decimal import Decimal

from generator.core.numbers import fmt
from generator.prometheus import AlertRule
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, seconds
from generator.promtest.health_cases import (
    const,
    monitoring_labels,
    pinned_checks,
    raw_series,
    strangers,
)
from generator.promtest.model import AlertCheck, Segment, rule_key


def increased(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """The failure counter flat, then counting: fires once it has moved for `for`."""
    flat = 10 * ctx.step_s // ctx.interval_s
    start = flat * ctx.interval_s  # the first sample above the flat level
    end = ceil_to(start + seconds(alert.for_), ctx.step_s)
    moving = (end - start) // ctx.interval_s + 1
    labels = monitoring_labels(alert)
    metric = str(alert.expr.args["metric"])
    feed = raw_series(metric, labels, const(0, flat), Segment(Decimal(1), Decimal(1), moving - 1))
    others = strangers(metric, alert, Segment(Decimal(0), Decimal(1), flat + moving - 1))
    fired = [(alert, tuple(sorted(labels.items())))]
    return [
        Scenario(
            f"{name}: {metric} flat, then counting (other jobs counting throughout)",
            frozenset({metric}),
            (feed, *others),
            pinned_checks(ctx, name, [alert], start, fired, f"{metric} increasing"),
        )
    ]


def gauge_low(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """The gauge at 1, then 0: fires once no 1 is left in its window, plus `for`."""
    ones = 10 * ctx.step_s // ctx.interval_s
    last = (ones - 1) * ctx.interval_s
    window = seconds(str(alert.expr.args["window"]))
    start = ceil_to(last + window + 1, ctx.step_s)
    end = ceil_to(start + seconds(alert.for_), ctx.step_s)
    labels = monitoring_labels(alert)
    metric = str(alert.expr.args["metric"])
    zeros = (end - ones * ctx.interval_s) // ctx.interval_s + 1
    feed = raw_series(metric, labels, const(1, ones), const(0, zeros))
    others = strangers(metric, alert, const(0, ones + zeros))
    fired = [(alert, tuple(sorted(labels.items())))]
    return [
        Scenario(
            f"{name}: {metric} 1, then 0 (other jobs 0 throughout)",
            frozenset({metric}),
            (feed, *others),
            pinned_checks(ctx, name, [alert], start, fired, f"{metric} below 1 over its window"),
        )
    ]


def counter_share(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """Steady counters with the failed share just above the threshold (fires) and, in a
    second timeline, just below it (silent): the threshold pinned within 0.5 %."""
    threshold = Decimal(alert.expr.args["threshold"])
    part, whole = str(alert.expr.args["part"]), str(alert.expr.args["whole"])
    labels = monitoring_labels(alert)
    per_sample = Decimal(10000)
    start = ceil_to(ctx.interval_s, ctx.step_s)  # two samples in the 5m window
    end = ceil_to(start + seconds(alert.for_), ctx.step_s)
    count = end // ctx.interval_s
    fired = [(alert, tuple(sorted(labels.items())))]
    scenarios = []
    for factor, fires in ((Decimal("1.005"), True), (Decimal("0.995"), False)):
        failed = per_sample * threshold * factor
        feeds = (
            raw_series(part, labels, Segment(Decimal(0), failed, count)),
            raw_series(whole, labels, Segment(Decimal(0), per_sample, count)),
        )
        shown = fmt(threshold * factor * 100)
        if fires:
            checks = pinned_checks(ctx, name, [alert], start, fired, f"{shown}% failing")
        else:
            key = (rule_key(alert),)
            checks = (AlertCheck(at(end), name, (), f"silent at {shown}% failing", (), key),)
        scenarios.append(
            Scenario(
                f"{name}: {shown}% of {whole} failing",
                frozenset({part, whole}),
                feeds,
                checks,
            )
        )
    return scenarios
