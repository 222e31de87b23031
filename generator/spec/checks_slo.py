"""Cross-field checks of the SLOs: periods hold their alert windows, page thresholds are
reachable. (Latency thresholds on bucket boundaries are checked in spec/checks.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

from generator.core import slo_math as sm
from generator.core.numbers import fmt
from generator.core.regex import find_value, re2_problem
from generator.spec.load import PathT
from generator.spec.model import Spec


def _period_problem(period: str) -> str | None:
    if sm.seconds(period) >= sm.seconds(sm.LONGEST_WINDOW):
        return None
    return (
        f"{period} is shorter than {sm.LONGEST_WINDOW}, the longest burn-rate alert window; "
        f"the error budget is spent over the period, so it must hold every window (30d is usual)"
    )


def _objective_problem(objective: Decimal, period: str) -> str | None:
    """Why the fastest burn alert could never fire with this objective, or None."""
    budget = sm.error_budget(objective)
    top = max(sm.BURN_WINDOWS, key=lambda w: sm.burn_factor(w, period))
    factor = sm.burn_factor(top, period)
    if factor * Fraction(budget) < 1:
        return None
    return (
        f"objective {fmt(objective)}% leaves an error budget of {fmt(budget * sm.HUNDRED)}%, "
        f"so the {sm.exact_text(factor)}x page over {top.long} would need more than all "
        f"requests to fail and could never fire; the budget must stay below "
        f"1/{sm.exact_text(factor)} of requests"
    )


def _errors_problems(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Error matchers that select no request, or every request."""
    errors = spec.slos.availability.errors
    if any(m.op in ("=~", "!~") and re2_problem(m.value) for m in errors):
        return  # reported as not RE2; what it would match is moot
    matchers = [(m.label, m.op, m.value) for m in errors]
    try:
        for label in dict.fromkeys(m.label for m in errors):
            if find_value(label, matchers, True) is None:
                first = next(i for i, m in enumerate(errors) if m.label == label)
                yield (
                    ("slos", "availability", "errors", first, "value"),
                    f"no value of {label!r} matches the error matchers on it, so no request "
                    "could count as an error and the availability alerts could never fire",
                )
                return
        if all(find_value(label, matchers, False) is None for label, _, _ in matchers):
            yield (
                ("slos", "availability", "errors"),
                "these matchers select every request, so every request would count as an error",
            )
    except re.error:
        return  # an RE2 pattern Python cannot read (e.g. \p{Greek}): nothing to judge by


def slo_problems(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Problems of the SLO section, each at the field to change."""
    yield from _errors_problems(spec)
    availability, latency = spec.slos.availability, spec.slos.latency
    periods: list[tuple[PathT, str]] = [(("slos", "availability", "period"), availability.period)]
    if latency is not None:
        periods.append((("slos", "latency", "period"), latency.period))
    for path, period in periods:
        problem = _period_problem(period)
        if problem:
            yield path, problem
    if _period_problem(availability.period) is None:
        used = sorted({s.tier for s in spec.services.values() if s.tier in spec.tiers})
        for tier in used:
            problem = _objective_problem(spec.tiers[tier].availability, availability.period)
            if problem:
                yield ("tiers", tier, "availability"), problem
    if latency is not None and _period_problem(latency.period) is None:
        problem = _objective_problem(latency.objective, latency.period)
        if problem:
            yield ("slos", "latency", "objective"), problem
