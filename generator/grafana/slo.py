"""SLO panels of the overview: every service's availability and latency SLI against its
objective, the error budget left and the burn rates against the burn-rate alerts' factors
(the service dashboard's SLO row is slo_service.py).

Objectives and factors are read from the planned SLOs (`Plan.slos`, the objects the SLO
rules and alerts are built from); the series names from conventions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.core.numbers import fmt
from generator.grafana.model import CRITICAL, OK, REFERENCE, WARNING, Panel, Step
from generator.grafana.panels import Layout, Matchers, Scope, panel, series
from generator.prometheus import Expr, SLOPlan, seconds_text

HUNDRED = Decimal(100)
# Budget left below zero is overspent: red by definition, not by a spec number.
BUDGET_STEPS = (Step(None, CRITICAL), Step(Decimal(0), OK))
NEUTRAL = (Step(None, REFERENCE),)
BUDGET_NOTE = "Budget left over each SLO's period: 100% untouched, below 0 overspent."
SEVERITY_COLORS = {sm.PAGE: CRITICAL, sm.TICKET: WARNING}


def decimals_for(objective: Decimal) -> int:
    """Percent digits that show an SLI against its objective: 99.9 -> 2 (99.95 %)."""
    exponent = objective.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return places + 1


def what_is_good(slo: SLOPlan) -> str:
    """The SLI's good events, in words (by kind)."""
    if slo.threshold is not None:
        return f"requests served within {seconds_text(slo.threshold)}"
    if slo.definition is not None and slo.definition.sli.gauge is not None:
        return f"{slo.definition.sli.gauge.metric} samples at 1"
    return f"{slo.events} that succeeded"


def sli(selector: Matchers) -> Expr:
    return Expr("complement", {"series": cv.slo_error_ratio(cv.SLO_PERIOD), "selector": selector})


def burn_lines(slos: Sequence[SLOPlan], windows: Sequence[str]) -> list[tuple[Expr, str, str]]:
    """One dashed line per distinct (window, factor): the burn rate an alert fires at."""
    lines: dict[tuple[str, Fraction, str], list[str]] = {}
    for slo in slos:
        for burn in slo.burns:
            if burn.long in windows:
                lines.setdefault((burn.long, burn.factor, burn.severity), []).append(slo.slo)
    out = []
    for (window, factor, severity), kinds in sorted(
        lines.items(), key=lambda item: (sm.seconds(item[0][0]), item[0][1])
    ):
        # a factor such as 0.7/3 (7d period) has no decimal: the line is an exact quotient
        numerator, denominator = sm.exact(factor)
        verb = "page" if severity == sm.PAGE else "ticket"
        legend = (
            f"{verb} at {sm.exact_text(factor)}x over {window} ({', '.join(sorted(set(kinds)))})"
        )
        expr = Expr("fraction", {"numerator": numerator, "denominator": denominator})
        out.append((expr, legend, SEVERITY_COLORS[severity]))
    return out


TOP_BURNS = 10  # burn-rate lines the overview draws: the services spending budget fastest


def _slo_groups(slos: Sequence[SLOPlan]) -> dict[tuple[str, str, Decimal, str], list[SLOPlan]]:
    """SLOs sharing kind, tier, objective and period: one table, one threshold."""
    groups: dict[tuple[str, str, Decimal, str], list[SLOPlan]] = {}
    for slo in sorted(slos, key=lambda s: (s.slo, s.tier, s.objective, s.period, s.service)):
        groups.setdefault((slo.slo, slo.tier, slo.objective, slo.period), []).append(slo)
    return groups


def _group_table(
    key: str, kind: str, tier: str, mine: list[SLOPlan], split: bool, scope: Scope
) -> Panel:
    first = mine[0]
    selector: Matchers = [*scope.filtered, ("tier", "=", tier), ("slo", "=", kind)]
    if split:  # the tier's SLOs of this kind differ in objective: name the services
        selector.append(("service", "=~", "|".join(re.escape(s.service) for s in mine)))
    return panel(
        key,
        "table",
        f"{kind.capitalize()}, tier {tier}: objective {fmt(first.objective)}% over {first.period}",
        [(sli(selector), "")],
        unit="percentunit",
        w=8,
        h=8,
        decimals=decimals_for(first.objective),
        steps=(Step(None, CRITICAL), Step(first.objective / HUNDRED, OK)),
        columns=("service", "slo"),
        value_column=f"SLI over {first.period}",
        links=scope.row_links,
        description=(
            f"One row per service: share of {what_is_good(first)} over the last {first.period}; "
            f"red below the objective, {fmt(first.objective)}% (tier {tier})."
        ),
    )


def overview_slo_rows(layout: Layout, slos: Sequence[SLOPlan], block: int, scope: Scope) -> None:
    """SLO status that scales with the number of services: one table per kind and tier
    (a row per service, coloured against that tier's objective), one table of budget left,
    and the fastest burn rates against the page factors."""
    if not slos:
        return
    layout.row("Service level objectives", "slo", block)
    groups = _slo_groups(slos)
    tiers_of: dict[tuple[str, str], int] = {}
    for kind, tier, _, _ in groups:
        tiers_of[(kind, tier)] = tiers_of.get((kind, tier), 0) + 1
    for (kind, tier, objective, period), mine in groups.items():
        split = tiers_of[(kind, tier)] > 1
        key = f"slo.{kind}.{tier}" + (f".{fmt(objective)}.{period}" if split else "")
        layout.add(_group_table(key, kind, tier, mine, split, scope))
    layout.add(
        panel(
            "slo.budget",
            "table",
            "Error budget left",
            [(series(cv.SLO_BUDGET_REMAINING, scope.filtered), "")],
            unit="percentunit",
            w=8,
            h=8,
            decimals=1,
            steps=BUDGET_STEPS,
            columns=("service", "slo"),
            value_column="budget left",
            description=BUDGET_NOTE,
            links=scope.row_links,
        )
    )
    for window in _page_windows(slos):
        layout.add(
            panel(
                f"slo.burn.{window}",
                "timeseries",
                f"Fastest burn rates over {window} (top {TOP_BURNS})",
                [
                    (
                        Expr(
                            "topk",
                            {
                                "k": TOP_BURNS,
                                "series": cv.slo_burn_rate(window),
                                "selector": scope.filtered,
                            },
                        ),
                        "{{service}} {{slo}}",
                    )
                ],
                unit="none",
                w=16,
                h=8,
                references=burn_lines(slos, [window]),
                min=Decimal(0),
                links=scope.series_links,
                description=(
                    "Burn rate = error ratio / error budget (1 spends the budget exactly over "
                    f"the period); the {TOP_BURNS} fastest SLOs. Dashed lines: the factors "
                    "the burn-rate alerts page at."
                ),
            )
        )


def _page_windows(slos: Sequence[SLOPlan]) -> list[str]:
    windows = {b.long for s in slos for b in s.burns if b.severity == sm.PAGE}
    return sorted(windows, key=sm.seconds)
