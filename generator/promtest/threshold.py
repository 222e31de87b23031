"""Behaviour tests of threshold, regression and constant alerts.

Per alert name and severity two scenarios: the watched signal steady just past the
threshold (10 % beyond it, or halfway to a neighbouring threshold, or to 100 % for shares,
when nearer) proves the alert fires after its `for` and is still silent one step before;
steady just short of the threshold (the same rule, downwards) proves it stays silent.
Regression alerts get one timeline: a day at a baseline, then just under the regression
threshold, then past it. Constant alerts (the Watchdog) fire with no input at all.
Expected alerts list every alert of the name, all subjects at once, so the checks are exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.prometheus import AlertRule
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, expected, seconds
from generator.promtest.feeds import Phase
from generator.promtest.inputs import (
    REQUEST_RATE,
    Driver,
    Feed,
    error_ratio_driver,
    latency_with_traffic,
    throughput,
)
from generator.promtest.model import AlertCheck, CaseError, rule_key

NEAR = Decimal("0.01")  # a value this close to a threshold (relative) proves nothing


def _holds(alert: AlertRule, value: Decimal, base: Decimal = Decimal(1)) -> bool:
    """Whether `value` is past the alert's threshold (x `base` for regressions), with margin."""
    assert alert.threshold is not None
    limit = alert.threshold * base
    if abs(value - limit) <= abs(limit) * NEAR:
        raise CaseError(f"{alert.alert}: test level {fmt(value)} is too close to {fmt(limit)}")
    return value > limit if alert.direction == "above" else value < limit


def subject_feeds(
    ctx: Ctx, driver: Driver, subjects: dict[str, list[Phase]], end_s: int
) -> dict[str, Feed]:
    return {s: driver(ctx, s, phases, end_s) for s, phases in sorted(subjects.items())}


def make_scenario(name: str, feeds: dict[str, Feed], checks: list[AlertCheck]) -> Scenario:
    series = tuple(s for feed in feeds.values() for s in feed.series)
    return Scenario(name, frozenset(s.metric for s in series), series, tuple(checks))


def alert_check(
    when: int,
    name: str,
    alerts: Sequence[AlertRule],
    firing: Sequence[tuple[AlertRule, Feed, Decimal]],
    proves: str,
) -> AlertCheck:
    fired = {rule_key(a) for a, _, _ in firing}
    exp = tuple(
        sorted(
            (expected(a, feed.labels, value) for a, feed, value in firing),
            key=lambda e: (e.labels, e.annotations),
        )
    )
    silent = tuple(sorted(rule_key(a) for a in alerts if rule_key(a) not in fired))
    return AlertCheck(at(when), name, exp, proves, tuple(sorted(fired)), silent)


def regression_scenarios(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """One timeline per regression alert name: baseline day, just short of it, past it."""
    reg = ctx.spec.regression
    assert reg is not None
    sig = ctx.spec.signals
    traffic = max(REQUEST_RATE, 2 * reg.min_request_rate)
    series = alerts[0].series
    driver: Driver
    if series == cv.quantile(sig.duration, "95"):
        driver = latency_with_traffic(Decimal(95), traffic)
        bounds = ctx.spec.metrics[sig.duration].buckets or ()
        base = ctx.spec.baseline.latency_p95 if ctx.spec.baseline else (bounds[0] + bounds[1]) / 2
    elif series == cv.requests_rate(sig.requests):
        driver, base = throughput, traffic
    elif series == cv.error_ratio(sig.requests):
        driver = error_ratio_driver(traffic)
        floor = alerts[0].expr.args.get("floor")
        base = 2 * floor if floor else Decimal("0.01")
    else:
        raise CaseError(f"{name}: no test driver for a regression of {series}")
    alert = alerts[0]
    assert alert.threshold is not None
    to_limit = alert.threshold
    fire_k, short_k = (Decimal("1.1"), Decimal("0.9"))
    if alert.direction == "below":
        fire_k, short_k = short_k, fire_k
    compare, wait = seconds(reg.compare), seconds(alert.for_)
    hold = ceil_to(ctx.settle_s + wait, ctx.step_s) + ctx.step_s
    phases = [
        (0, base),
        (compare, base * to_limit * short_k),
        (compare + hold, base * to_limit * fire_k),
    ]
    subjects = {a.label("service"): phases for a in alerts}
    end = compare + 2 * hold
    feeds = subject_feeds(ctx, driver, subjects, end)
    for a in alerts:
        feed = feeds[a.label("service")]
        if _holds(a, feed.values[1], feed.values[0]) or not _holds(
            a, feed.values[2], feed.values[0]
        ):
            raise CaseError(f"{name}: regression test levels do not straddle the threshold")
    firing = [(a, feeds[a.label("service")], feeds[a.label("service")].values[2]) for a in alerts]
    pre = compare + hold + ceil_to(wait, ctx.step_s) - ctx.step_s
    checks = [
        alert_check(
            compare + hold - ctx.step_s, name, alerts, [], "silent just short of the threshold"
        ),
        alert_check(pre, name, alerts, [], "silent before its for, once past the threshold"),
        alert_check(end, name, alerts, firing, "fires after its for once past the threshold"),
    ]
    return [
        make_scenario(f"{name}: a day at {fmt(base)}, then short of and past it", feeds, checks)
    ]


def constant_scenario(ctx: Ctx, name: str, alerts: list[AlertRule]) -> Scenario:
    """Alerts with no input (the Watchdog): silent one evaluation before their `for` has
    passed, firing at it (at once, for a `for` of 0s)."""
    when = ceil_to(max(seconds(a.for_) for a in alerts), ctx.step_s)
    exp = tuple(
        sorted(
            (expected(a, (), Decimal(1)) for a in alerts), key=lambda e: (e.labels, e.annotations)
        )
    )
    keys = tuple(sorted(rule_key(a) for a in alerts))
    checks = [AlertCheck(at(when), name, exp, "fires with no input once its for has passed", keys)]
    if when >= ctx.step_s:
        early = "silent with no input one evaluation before its for has passed"
        checks.insert(0, AlertCheck(at(when - ctx.step_s), name, (), early, (), keys))
    return Scenario(f"{name}: always firing", frozenset(), (), tuple(checks))
