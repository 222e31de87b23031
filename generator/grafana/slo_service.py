"""The service dashboard's SLO row: the SLI of $service coloured against its own objective,
the objective, the budget left, the burn rates against the alerts' factors, and each SLO's
error-budget burndown over its period.

Services of different tiers have different objectives while the dashboard shows one
$service at a time, so the SLI stat queries each (SLO, objective) group on its own, legended
with the objective, and colours each legend red below that objective.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.core.numbers import fmt
from generator.grafana.model import CRITICAL, OK, Panel, SeriesSteps, Step
from generator.grafana.panels import Layout, Matchers, grafana_range, panel, series
from generator.grafana.slo import (
    BUDGET_NOTE,
    BUDGET_STEPS,
    HUNDRED,
    NEUTRAL,
    burn_lines,
    decimals_for,
    sli,
)
from generator.prometheus import Expr, SLOPlan

MINE: Matchers = [("service", "=", f"${cv.SERVICE_VARIABLE}")]


def _by(slos: Sequence[SLOPlan], key: str) -> dict[tuple[str, str], list[SLOPlan]]:
    """SLOs by kind and `key` ("objective" or "period"), in kind then key order."""
    groups: dict[tuple[str, str], list[SLOPlan]] = {}
    for slo in sorted(slos, key=lambda s: (s.slo, getattr(s, key), s.service)):
        groups.setdefault((slo.slo, str(getattr(slo, key))), []).append(slo)
    return groups


def _only(kind: str, mine: list[SLOPlan], everyone: int) -> Matchers:
    """The SLO's matchers, and its services when they are not all of that kind."""
    selector: Matchers = [*MINE, ("slo", "=", kind)]
    if len(mine) < everyone:  # service names are [a-z0-9-]: no escaping needed
        selector.append(("service", "=~", "|".join(s.service for s in mine)))
    return selector


def sli_stat(slos: Sequence[SLOPlan]) -> Panel:
    """One query per (SLO, objective): each value red below its own objective."""
    count = {kind: sum(1 for s in slos if s.slo == kind) for kind in {s.slo for s in slos}}
    queries: list[tuple[Expr, str]] = []
    steps = []
    for (kind, _), mine in _by(slos, "objective").items():
        objective = mine[0].objective
        legend = f"{kind} (objective {fmt(objective)}%)"
        queries.append((sli(_only(kind, mine, count[kind])), legend))
        steps.append(SeriesSteps(legend, (Step(None, CRITICAL), Step(objective / HUNDRED, OK))))
    return panel(
        "slo.sli",
        "stat",
        "SLI over the SLO period",
        queries,
        unit="percentunit",
        w=8,
        h=4,
        decimals=max(decimals_for(s.objective) for s in slos),
        steps=NEUTRAL,
        series_steps=tuple(steps),
        description=(
            f"Share of good {_events(slos)} over each SLO's period: green at or above the "
            "objective of $service's tier, red below it."
        ),
    )


def _events(slos: Sequence[SLOPlan]) -> str:
    """What the SLOs' events are called together: requests, or events when kinds differ."""
    nouns = {s.events for s in slos}
    return nouns.pop() if len(nouns) == 1 else "events"


def burndown_panels(slos: Sequence[SLOPlan]) -> list[Panel]:
    """Per SLO (and period): the budget left of $service over the whole period, so the
    slope shows how fast it is spent and where it would run out."""
    count = {kind: sum(1 for s in slos if s.slo == kind) for kind in {s.slo for s in slos}}
    out = []
    for (kind, period), mine in _by(slos, "period").items():
        out.append(
            panel(
                f"slo.burndown.{kind}.{period}",
                "timeseries",
                f"{kind.capitalize()} error budget burndown ({period})",
                [(series(cv.SLO_BUDGET_REMAINING, _only(kind, mine, count[kind])), "budget left")],
                unit="percentunit",
                w=12,
                h=8,
                time_from=grafana_range(period),
                steps=BUDGET_STEPS,
                description=(
                    f"{BUDGET_NOTE} Over the last {period}, the SLO's period: a steady slope "
                    "down to 0 at the end spends the budget exactly; red below 0."
                ),
            )
        )
    return out


def service_slo_row(layout: Layout, slos: Sequence[SLOPlan], block: int) -> None:
    """SLO row of the per-service dashboard (selects service="$service")."""
    if not slos:
        return
    periods = sorted({s.period for s in slos}, key=sm.seconds)
    layout.row(f"Service level objectives ({', '.join(periods)})", "slo", block)
    layout.add(
        sli_stat(slos),
        panel(
            "slo.objective",
            "stat",
            "Objective",
            [(series(cv.SLO_OBJECTIVE, MINE), "{{slo}}")],
            unit="percentunit",
            w=8,
            h=4,
            decimals=max(decimals_for(s.objective) for s in slos),
            steps=NEUTRAL,
        ),
        panel(
            "slo.budget",
            "stat",
            "Error budget left",
            [(series(cv.SLO_BUDGET_REMAINING, MINE), "{{slo}}")],
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
                [(series(cv.slo_burn_rate(window), MINE), "{{slo}}")],
                unit="none",
                w=max(24 // len(windows), 6),
                h=8,
                references=burn_lines(slos, [window]),
                min=Decimal(0),
                description="Dashed lines: the burn rates the alerts of this window fire at.",
            )
        )
    layout.add(*burndown_panels(slos))


def budget_line(slos: Sequence[SLOPlan]) -> list[tuple[Expr, str, str]]:
    """The availability error budget of $service, drawn on its error-ratio panel."""
    if not any(s.slo == cv.SLO_AVAILABILITY for s in slos):
        return []
    selector = [*MINE, ("slo", "=", cv.SLO_AVAILABILITY)]
    return [(series(cv.SLO_ERROR_BUDGET, selector), "error budget (1 - objective)", CRITICAL)]
