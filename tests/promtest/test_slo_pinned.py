"""The SLO tests that pin each window's own threshold (slo_split), the min-events guard of
windows longer than a test (slo_guard) and the lengths of the 1d, 3d and period windows
(slo_long), read from DuRi's planned tests."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from generator.core import conventions as cv
from generator.core.numbers import parse_duration
from generator.promtest.model import RuleTestGroup, rule_key
from generator.promtest.slo_guard import ramp_share
from tests.conftest import DURI_OUT, DURI_SPEC, render_spec


@cache
def _groups() -> dict[str, RuleTestGroup]:
    plan = render_spec(DURI_SPEC, DURI_OUT).plan
    return {g.name: g for t in plan.tests for g in t.groups}


def _burn_rules() -> list[str]:
    """Every burn alert as the services standing for the shared rules fire it (every rule at
    least once: representatives())."""
    plan = render_spec(DURI_SPEC, DURI_OUT).plan
    return [
        rule_key(a)
        for f in plan.rule_files
        for a in f.representatives()
        if a.alert in ("AvailabilityErrorBudgetBurn", "LatencyErrorBudgetBurn")
    ]


def test_the_first_5m_rates_of_a_counter_ramp_up_and_the_mean_counts_them() -> None:
    # 1m steps: 1/5, 2/5, 3/5, 4/5 of the rate, then all of it
    assert ramp_share(60, 600) == Decimal("0.8")
    assert ramp_share(60, 300) == Decimal("0.6")
    assert ramp_share(240, 480) == Decimal("0.9")


def test_every_burn_alert_is_proved_silent_with_each_window_alone_just_under() -> None:
    rules = _burn_rules()
    for kind in ("heavy burn, then errors just under", "errors just under the threshold, then"):
        silent = {
            k for name, g in _groups().items() if kind in name for c in g.alerts for k in c.silent
        }
        assert rules and all(r in silent for r in rules), kind


def test_the_guards_of_the_1d_and_3d_windows_are_straddled_within_an_hour() -> None:
    for window in ("1d", "3d"):
        under = [g for n, g in _groups().items() if f"just under 1000 requests in {window}," in n]
        over = [g for n, g in _groups().items() if f"just over 1000 requests in {window}," in n]
        assert len(under) == len(over) == 1
        for group in (*under, *over):
            assert all(parse_duration(c.eval_time) <= 3600_000 for c in group.alerts)
        fired_over = {k for c in over[0].alerts for k in c.firing}
        silent_under = {k for c in under[0].alerts for k in c.silent}
        mine = [r for r in _burn_rules() if f'long_window="{window}"' in r]
        assert mine and all(r in fired_over and r in silent_under for r in mine)


def test_the_long_windows_are_checked_before_and_after_they_forget_the_first_day() -> None:
    group = next(g for n, g in _groups().items() if "windows of a day and more" in n)
    for window in ("1d", "3d", cv.SLO_PERIOD):
        checks = [c for c in group.exprs if c.series == cv.slo_error_ratio(window)]
        times = sorted({parse_duration(c.eval_time) // 1000 for c in checks})
        span = parse_duration("30d" if window == cv.SLO_PERIOD else window) // 1000
        # 3/4 of a window after the change at 1d, and 1.5 windows after
        assert times == [86400 + span * 3 // 4, 86400 + span * 3 // 2], window
        assert all(c.within and c.within[0] < c.within[1] for c in checks)
        # the ratio changes between the two times: the first day is in, then out
        assert len({c.within for c in checks}) == 2
