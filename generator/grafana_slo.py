"""SLO panels: every service's availability and latency SLI against its objective, the error
budget left and the burn rates against the burn-rate alerts' factors.

Objectives and factors are read from the planned SLOs (`Plan.slos`, the objects the SLO
rules and alerts are built from); the series names from conventions.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from generator import conventions as cv
from generator import slo_math as sm
from generator.grafana_model import CRITICAL, OK, REFERENCE, WARNING, Step
from generator.grafana_panels import Layout, Matchers, panel, series
from generator.model import Expr
from generator.model_slo import SLOPlan
from generator.numbers import fmt
from generator.plan_rules import seconds_text

HUNDRED = Decimal(100)
# Budget left below zero is overspent: red by definition, not by a spec number.
BUDGET_STEPS = (Step(None, CRITICAL), Step(Decimal(0), OK))
NEUTRAL = (Step(None, REFERENCE),)
BUDGET_NOTE = "Budget left over each SLO's period: 100% untouched, below 0 overspent."
SEVERITY_COLORS = {sm.PAGE: CRITICAL, sm.TICKET: WARNING}


def _decimals(objective: Decimal) -> int:
    """Percent digits that show an SLI against its objective: 99.9 -> 2 (99.95 %)."""
    exponent = objective.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return places + 1


def _what(slo: SLOPlan) -> str:
    if slo.threshold is None:
        return "requests that succeeded"
    return f"requests served within {seconds_text(slo.threshold)}"


def _sli(selector: Matchers) -> Expr:
    return Expr("complement", {"series": cv.slo_error_ratio(cv.SLO_PERIOD), "selector": selector})


def _burn_lines(slos: Sequence[SLOPlan], windows: Sequence[str]) -> list[tuple[Expr, str, str]]:
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


def overview_slo_rows(layout: Layout, slos: Sequence[SLOPlan], block: int) -> None:
    """Per service: each SLI over its period against the objective, budget left, burn rate."""
    if not slos:
        return
    layout.row("Service level objectives", "slo", block)
    for service in sorted({s.service for s in slos}):
        mine = [s for s in slos if s.service == service]
        for slo in mine:
            selector = slo.selector()
            layout.add(
                panel(
                    f"slo.{service}.{slo.slo}",
                    "stat",
                    f"{service}: {slo.slo}",
                    [(_sli(selector), f"last {slo.period}")],
                    unit="percentunit",
                    w=4,
                    h=5,
                    decimals=_decimals(slo.objective),
                    steps=(Step(None, CRITICAL), Step(slo.objective / HUNDRED, OK)),
                    description=(
                        f"Share of {_what(slo)} over the last {slo.period}; red below the "
                        f"objective, {fmt(slo.objective)}% (tier {slo.tier})."
                    ),
                )
            )
        layout.add(
            panel(
                f"slo.{service}.budget",
                "stat",
                f"{service}: error budget left",
                [(series(cv.SLO_BUDGET_REMAINING, [("service", "=", service)]), "{{slo}}")],
                unit="percentunit",
                w=4,
                h=5,
                decimals=1,
                steps=BUDGET_STEPS,
                description=BUDGET_NOTE,
            ),
            panel(
                f"slo.{service}.burn",
                "timeseries",
                f"{service}: burn rate",
                [
                    (
                        series(cv.slo_burn_rate(window), [("service", "=", service)]),
                        f"{{{{slo}}}} {window}",
                    )
                    for window in _page_windows(mine)
                ],
                unit="none",
                w=24 - 4 * (len(mine) + 1),
                h=5,
                references=_burn_lines(mine, _page_windows(mine)),
                min=Decimal(0),
                description=(
                    "Burn rate = error ratio / error budget (1 spends the budget exactly over "
                    "the period). Dashed lines: the factors the burn-rate alerts page at."
                ),
            ),
        )


def _page_windows(slos: Sequence[SLOPlan]) -> list[str]:
    windows = {b.long for s in slos for b in s.burns if b.severity == sm.PAGE}
    return sorted(windows, key=sm.seconds)


def service_slo_row(layout: Layout, slos: Sequence[SLOPlan], block: int) -> None:
    """SLO row of the per-service dashboard (selects service="$service")."""
    if not slos:
        return
    mine: Matchers = [("service", "=", f"${cv.SERVICE_VARIABLE}")]
    periods = sorted({s.period for s in slos}, key=sm.seconds)
    layout.row(f"Service level objectives ({', '.join(periods)})", "slo", block)
    layout.add(
        panel(
            "slo.sli",
            "stat",
            "SLI over the SLO period",
            [(_sli(mine), "{{slo}}")],
            unit="percentunit",
            w=8,
            h=4,
            decimals=max(_decimals(s.objective) for s in slos),
            steps=NEUTRAL,
            description="Share of good requests over each SLO's period (objectives beside).",
        ),
        panel(
            "slo.objective",
            "stat",
            "Objective",
            [(series(cv.SLO_OBJECTIVE, mine), "{{slo}}")],
            unit="percentunit",
            w=8,
            h=4,
            decimals=max(_decimals(s.objective) for s in slos),
            steps=NEUTRAL,
        ),
        panel(
            "slo.budget",
            "stat",
            "Error budget left",
            [(series(cv.SLO_BUDGET_REMAINING, mine), "{{slo}}")],
            unit="percentunit",
            w=8,
            h=4,
            decimals=1,
            steps=BUDGET_STEPS,
            description=BUDGET_NOTE,
        ),
    )
    windows = sorted({b.long for s in slos for b in s.burns}, key=sm.seconds)
    for window in windows:
        layout.add(
            panel(
                f"slo.burn.{window}",
                "timeseries",
                f"Burn rate over {window}",
                [(series(cv.slo_burn_rate(window), mine), "{{slo}}")],
                unit="none",
                w=max(24 // len(windows), 6),
                h=8,
                references=_burn_lines(slos, [window]),
                min=Decimal(0),
                description="Dashed lines: the burn rates the alerts of this window fire at.",
            )
        )


def budget_line(slos: Sequence[SLOPlan]) -> list[tuple[Expr, str, str]]:
    """The availability error budget of $service, drawn on its error-ratio panel."""
    if not any(s.slo == cv.SLO_AVAILABILITY for s in slos):
        return []
    selector = [("service", "=", f"${cv.SERVICE_VARIABLE}"), ("slo", "=", cv.SLO_AVAILABILITY)]
    return [(series(cv.SLO_ERROR_BUDGET, selector), "error budget (1 - objective)", CRITICAL)]
