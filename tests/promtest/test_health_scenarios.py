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
from generator.promtest.model import CaseError, InputSeries
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


def _fed(series: InputSeries) -> list[float]:
    """The samples promtool reads from an input series (its `a+bxN` segments in turn)."""
    return [float(seg.start + seg.step * k) for seg in series.values for k in range(seg.count + 1)]


def _predict_linear(values: list[float], interval: int, t: int, window: int, horizon: int) -> float:
    """predict_linear(v[window], horizon) at `t` by least squares over every sample in the
    range (its left end included, as Prometheus 2 reads it)."""
    points = [
        (i * interval - t, y) for i, y in enumerate(values) if t - window <= i * interval <= t
    ]
    n = len(points)
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return my - slope * mx + slope * horizon


def test_the_burst_disk_tells_its_trend_window_from_half_and_twice_that_at_its_checks(
    ctx: Ctx,
) -> None:
    (alert,) = _alerts(ctx, cv.HEALTH_ALERTS["disk_fill"])
    (burst,) = [s for s in health_scenarios(ctx, alert.alert, [alert]) if "burst" in s.name]
    available = next(s for s in burst.series if s.metric == alert.expr.args["available"])
    values = _fed(available)
    window, horizon = seconds(str(alert.expr.args["over"])), int(alert.expr.args["horizon_s"])
    still, gone = (seconds(c.eval_time) for c in burst.alerts)
    assert [len(c.expected) for c in burst.alerts] == [1, 0]  # firing, then resolved

    def full(t: int, w: int) -> bool:
        return _predict_linear(values, ctx.interval_s, t, w, horizon) < 0

    # firing: its window predicts full for `for` up to the check, half of it does not
    wait = seconds(alert.for_)
    assert all(full(t, window) for t in range(still - wait, still + 1, ctx.step_s))
    assert not full(still, window // 2)
    # resolved: its window reads a flat trend, twice it still the burst, for `for`
    assert not full(gone, window)
    assert all(full(t, 2 * window) for t in range(gone - wait, gone + 1, ctx.step_s))
