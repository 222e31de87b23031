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

from generator.core.numbers import fmt
from generator.prometheus import AlertRule
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, expected, seconds
from generator.promtest.feeds import Phase
from generator.promtest.inputs import (
    Driver,
    Feed,
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
