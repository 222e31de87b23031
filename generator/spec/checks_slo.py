"""Cross-field checks of the SLOs: periods hold their alert windows, page thresholds are
reachable, error matchers select some requests but not all. (SLI metrics, labels, latency
thresholds and scopes are checked in spec/checks_sli.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from fractions import Fraction

from generator.core import slo_math as sm
from generator.core.numbers import fmt
from generator.core.regex import find_value, re2_problem
from generator.spec.checks_sli import sli_problems
from generator.spec.load import PathT
from generator.spec.model import Spec
from generator.spec.slo_defs import covered
from generator.spec.slos import SLO, Matcher


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


def _errors_problems(
    name: str, matchers: Sequence[Matcher], path: PathT
) -> Iterator[tuple[PathT, str]]:
    """Error matchers that select no request, or every request."""
    if any(m.op in ("=~", "!~") and re2_problem(m.value) for m in matchers):
        return  # reported as not RE2; what it would match is moot
    pairs = [(m.label, m.op, m.value) for m in matchers]
    try:
        for label in dict.fromkeys(m.label for m in matchers):
            if find_value(label, pairs, True) is None:
                first = next(i for i, m in enumerate(matchers) if m.label == label)
                yield (
                    (*path, first, "value"),
                    f"no value of {label!r} matches the error matchers on it, so no request "
                    f"could count as an error and the {name} alerts could never fire",
                )
                return
        if all(find_value(label, pairs, False) is None for label, _, _ in pairs):
            yield (
                path,
                "these matchers select every request, so every request would count as an error",
            )
    except re.error:
        return  # an RE2 pattern Python cannot read (e.g. \p{Greek}): nothing to judge by


def _objectives(spec: Spec, name: str, slo: SLO) -> Iterator[tuple[PathT, str]]:
    """Objectives whose fastest page could never fire (the tier's, or the SLO's own)."""
    if slo.objective is not None:
        problem = _objective_problem(slo.objective, slo.period)
        if problem:
            yield ("slos", name, "objective"), problem
        return
    used = sorted({spec.services[s].tier for s in covered(spec, slo)} & set(spec.tiers))
    for tier in used:
        problem = _objective_problem(spec.tiers[tier].availability, slo.period)
        if problem:
            yield ("tiers", tier, "availability"), problem


def slo_problems(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Problems of the SLO section, each at the field to change."""
    yield from sli_problems(spec)
    reported: set[PathT] = set()
    for name, slo in spec.slos.items():
        ratio = slo.sli.ratio
        if ratio is not None and ratio.errors:
            errors: PathT = ("slos", name, "sli", "ratio", "errors")
            yield from _errors_problems(name, ratio.errors, errors)
        problem = _period_problem(slo.period)
        if problem:
            yield ("slos", name, "period"), problem
            continue
        if "page" not in slo.alerting:
            continue  # the page is what an unreachable threshold would silence
        for path, message in _objectives(spec, name, slo):
            if path not in reported:
                reported.add(path)
                yield path, message
