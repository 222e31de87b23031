"""Checks of the values an SLO records for dashboards and budgets, which no alert reads:
error ratios and burn rates over every window, the budget remaining, the objective, the
budget and the info series, at a steady error share whose ratio is known exactly from the
numbers fed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.prometheus import SLOPlan
from generator.promtest.cases import Ctx, at, within
from generator.promtest.model import ExprCheck
from generator.promtest.slo_feed import fed_share

TOLERANCE = Decimal("0.001")  # relative: float noise is far smaller, a 1 % change far larger


def value_checks(
    ctx: Ctx, slos: Sequence[SLOPlan], shares: Mapping[tuple[str, str], Decimal], when: int
) -> tuple[ExprCheck, ...]:
    """Each SLO's error ratios, burn rates, budget remaining, objective, budget and info at
    `when` of a steady scenario (every window's ratio is the share fed)."""
    checks = []
    for s in slos:
        sel = tuple(s.selector())
        share = fed_share(ctx, s, shares[(s.service, s.slo)])
        burn = share / s.budget
        spread = burn * TOLERANCE
        for window in (*sm.WINDOWS, cv.SLO_PERIOD):  # also those no burn alert of it reads
            checks.append(
                ExprCheck(
                    cv.slo_error_ratio(window),
                    sel,
                    at(when),
                    (),
                    f"error ratio over {window}: the share fed {share:.6g}",
                    within(share, share * TOLERANCE),
                )
            )
        for window in (*(w.long for w in sm.BURN_WINDOWS), cv.SLO_PERIOD):
            checks.append(
                ExprCheck(
                    cv.slo_burn_rate(window),
                    sel,
                    at(when),
                    (),
                    f"burn rate over {window}: error ratio / budget {burn:.6g}",
                    within(burn, spread),
                )
            )
        constants = (
            (cv.SLO_BUDGET_REMAINING, 1 - burn, spread, "budget remaining: 1 - burn rate"),
            (cv.SLO_OBJECTIVE, 1 - s.budget, s.budget * TOLERANCE, "the objective"),
            (cv.SLO_ERROR_BUDGET, s.budget, s.budget * TOLERANCE, "the error budget"),
            (cv.SLO_INFO, Decimal(1), TOLERANCE, "the info series is 1"),
        )
        for series, value, tol, proves in constants:
            checks.append(ExprCheck(series, sel, at(when), (), proves, within(value, tol)))
    return tuple(checks)
