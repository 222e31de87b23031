"""The health scenarios (promtest/health*.py) as the plan builds them: `for` pinned on both
sides, feeds the selectors accept, and a clear refusal of what they cannot prove."""

from __future__ import annotations

import dataclasses

import pytest

from generator.core import conventions as cv
from generator.plan import read_spec
from generator.prometheus import AlertRule, Expr, health_file
from generator.promtest.cases import Ctx, at, ceil_to, seconds
from generator.promtest.health import health_scenarios
from generator.promtest.model import CaseError
from tests.conftest import DURI_SPEC


@pytest.fixture(scope="module")
def ctx() -> Ctx:
    spec, _ = read_spec(DURI_SPEC)
    return Ctx(spec, 15, 60)


def _alerts(ctx: Ctx, name: str) -> list[AlertRule]:
    planned = health_file(ctx.spec)
    assert planned is not None
    return [a for a in planned.alerts() if a.alert == name]


def test_every_target_down_check_is_silent_one_step_before_its_for_and_fires_at_it(
    ctx: Ctx,
) -> None:
    alerts = _alerts(ctx, cv.TARGET_DOWN)
    down, absent, *_ = health_scenarios(ctx, cv.TARGET_DOWN, alerts)
    wait = seconds(alerts[0].for_)
    for scenario, start in ((down, 10 * ctx.step_s), (absent, 0)):
        silent, firing = scenario.alerts
        assert silent.expected == () and len(firing.expected) == len(alerts)  # one per job
        # firing at start + for (on the evaluation grid), silent one evaluation before it
        when = ceil_to(start + wait, ctx.step_s)
        assert (silent.eval_time, firing.eval_time) == (at(when - ctx.step_s), at(when))


def test_a_health_alert_of_an_unknown_shape_is_refused_not_left_untested(ctx: Ctx) -> None:
    (rule,) = _alerts(ctx, cv.HEALTH_ALERTS["rule_failures"])
    odd = dataclasses.replace(rule, expr=Expr("something_new", dict(rule.expr.args)))
    with pytest.raises(CaseError, match="no health test for expressions of something_new"):
        health_scenarios(ctx, rule.alert, [odd])


def test_a_regex_selector_cannot_be_fed_and_the_refusal_names_its_label(ctx: Ctx) -> None:
    (rule,) = _alerts(ctx, cv.HEALTH_ALERTS["rule_failures"])
    args = {**rule.expr.args, "selector": [("job", "=~", "prom.*")]}
    odd = dataclasses.replace(rule, expr=Expr(rule.expr.macro, args))
    with pytest.raises(CaseError, match="cannot feed a =~ matcher on job"):
        health_scenarios(ctx, rule.alert, [odd])
