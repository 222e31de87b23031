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
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, expected, seconds
from generator.promtest.health_cases import (
    const,
    monitoring_labels,
    pinned_checks,
    raw_series,
    strangers,
)
from generator.promtest.model import AlertCheck, Segment, rule_key


def increased(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """The failure counter flat, then counting: fires once it has moved for `for`. Then flat
    again: still firing while its window holds the sample before the last rise, resolved
    once it does not (the window's length, proved on both sides of that moment)."""
    flat = 10 * ctx.step_s // ctx.interval_s
    start = flat * ctx.interval_s  # the first sample above the flat level
    end = ceil_to(start + seconds(alert.for_), ctx.step_s)
    moving = (end - start) // ctx.interval_s + 1
    last = start + (moving - 1) * ctx.interval_s  # the last rise
    # increase() over (t - window, t] is > 0 while the window holds the sample before it
    # (a range is closed on the left in Prometheus 2: no check sits at the moment itself)
    gone = last - ctx.interval_s + seconds(str(alert.expr.args["window"]))
    still = ceil_to(gone, ctx.step_s) - ctx.step_s
    clear = ceil_to(gone + 1, ctx.step_s)
    total = clear // ctx.interval_s + 1
    labels = monitoring_labels(alert)
    metric = str(alert.expr.args["metric"])
    feed = raw_series(
        metric,
        labels,
        const(0, flat),
        Segment(Decimal(1), Decimal(1), moving - 1),
        const(moving, total - flat - moving),
    )
    others = strangers(metric, alert, Segment(Decimal(0), Decimal(1), total - 1))
    fired = [(alert, tuple(sorted(labels.items())))]
    key = (rule_key(alert),)
    window = str(alert.expr.args["window"])
    after = (
        AlertCheck(
            at(still),
            name,
            (expected(alert, fired[0][1], None),),
            f"still firing {at(still - last)} after the last rise: within its {window} window",
            key,
        ),
        AlertCheck(
            at(clear),
            name,
            (),
            f"resolved {at(clear - last)} after the last rise: out of its {window} window",
            (),
            key,
        ),
    )
    return [
        Scenario(
            f"{name}: {metric} flat, counting, flat again (other jobs counting throughout)",
            frozenset({metric}),
            (feed, *others),
            pinned_checks(ctx, name, [alert], start, fired, f"{metric} increasing") + after,
        )
    ]


HEALTHY = Decimal(1)  # a gauge_low alert fires while its window's highest value is under 1
JUST_UNDER = HEALTHY * Decimal("0.995")  # the threshold 1 % lower would not fire


def gauge_low(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """The gauge at 1, then just under 1 (0.995, as close as the threshold is pinned; a
    real failure reads 0, further under): fires once no 1 is left in its window, plus
    `for`; at 1 (the threshold itself) silent."""
    ones = 10 * ctx.step_s // ctx.interval_s
    last = (ones - 1) * ctx.interval_s
    window = seconds(str(alert.expr.args["window"]))
    start = ceil_to(last + window + 1, ctx.step_s)
    end = ceil_to(start + seconds(alert.for_), ctx.step_s)
    labels = monitoring_labels(alert)
    metric = str(alert.expr.args["metric"])
    zeros = (end - ones * ctx.interval_s) // ctx.interval_s + 1
    feed = raw_series(metric, labels, const(HEALTHY, ones), const(JUST_UNDER, zeros))
    others = strangers(metric, alert, const(0, ones + zeros))
    fired = [(alert, tuple(sorted(labels.items())))]
    return [
        Scenario(
            f"{name}: {metric} 1, then {fmt(JUST_UNDER)} (other jobs 0 throughout)",
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
