"""Scenarios of the monitoring watching itself, one per expression shape: a failure counter
that starts counting, a gauge that drops to 0 (nothing discovered, a reload failed), and a
failed share of notifications just above and just below its threshold (and unchanged by
a change of traffic).

The counter and the gauge are fed beside the same metric of other jobs (strangers), failing
from the start: the alert is silent until its own series fails, so its selector's matchers
are proved. (A failed share divides two series of one selector: a job's failures find no
partner among another job's notifications.)
"""

from __future__ import annotations

from decimal import Decimal

from generator.core.numbers import fmt
from generator.prometheus import AlertRule
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, expected, seconds
from generator.promtest.feeds import Phase, counter
from generator.promtest.health_cases import (
    const,
    monitoring_labels,
    pinned_checks,
    raw_series,
    strangers,
)
from generator.promtest.model import AlertCheck, InputSeries, Segment, rule_key


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


TRAFFIC = Decimal(3)  # the traffic's change in the firing timeline (and back again)


def counter_share(ctx: Ctx, name: str, alert: AlertRule) -> list[Scenario]:
    """Steady counters with the failed share just above the threshold (fires) and, in a
    second timeline, just below it (silent): the threshold pinned within 0.5 %. Once
    firing, the traffic triples, then falls back, the share unchanged: still firing a few
    minutes into each change, when rates read over windows of unlike lengths (a window
    halved or doubled on either side of the division) mix the two traffic levels unlike,
    and the share reads far under the threshold on the way up or on the way down."""
    threshold = Decimal(alert.expr.args["threshold"])
    part, whole = str(alert.expr.args["part"]), str(alert.expr.args["whole"])
    labels = monitoring_labels(alert)
    per_sample = Decimal(10000)
    start = ceil_to(ctx.interval_s, ctx.step_s)  # two samples in the 5m window
    end = ceil_to(start + seconds(alert.for_), ctx.step_s)
    count = end // ctx.interval_s
    # the traffic triples once firing and falls back two windows later (a doubled window
    # then holds only the tripled traffic); checked part way into each change
    rise, into = end, ceil_to(RATE_WINDOW_S // 2, ctx.step_s)
    fall = rise + ceil_to(2 * RATE_WINDOW_S, ctx.step_s)
    fired = [(alert, tuple(sorted(labels.items())))]
    key = (rule_key(alert),)
    scenarios = []
    for factor, fires in ((Decimal("1.005"), True), (Decimal("0.995"), False)):
        failed = per_sample * threshold * factor
        shown = fmt(threshold * factor * 100)
        if fires:
            feeds = tuple(
                _traffic(ctx, metric, labels, per, (rise, fall), fall + into)
                for metric, per in ((part, failed), (whole, per_sample))
            )
            checks = pinned_checks(ctx, name, [alert], start, fired, f"{shown}% failing")
            checks += tuple(
                AlertCheck(
                    at(when + into),
                    name,
                    (expected(alert, fired[0][1], None),),
                    f"still firing {at(into)} after the traffic {how}, {shown}% still failing",
                    key,
                )
                for when, how in ((rise, f"rose x{fmt(TRAFFIC)}"), (fall, "fell back"))
            )
        else:
            feeds = (
                raw_series(part, labels, Segment(Decimal(0), failed, count)),
                raw_series(whole, labels, Segment(Decimal(0), per_sample, count)),
            )
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


def _traffic(
    ctx: Ctx,
    metric: str,
    labels: dict[str, str],
    per_sample: Decimal,
    changes: tuple[int, int],
    end_s: int,
) -> InputSeries:
    """A counter adding `per_sample` a sample, TRAFFIC times as much between the changes."""
    rate = per_sample / ctx.interval_s
    phases: list[Phase] = [(0, rate), (changes[0], rate * TRAFFIC), (changes[1], rate)]
    return counter(metric, tuple(sorted(labels.items())), phases, end_s, ctx.interval_s)[0]
