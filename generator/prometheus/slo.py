"""Plan the SLO rules: per service each SLO that covers it, its error budget, burn rates
and multiwindow, multi-burn-rate alerts (docs/slo.md).

Cheap and exact: raw series are read only over 5m; each SLO records its bad and total
event rates once (slo_sli.py, by SLI kind), and every longer window averages those two
recorded series over the window.
Both averages count the same samples, so their quotient is the ratio of the sums of events:
not an average of ratios, not a rate over days of raw series.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from fractions import Fraction

from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.core.numbers import fmt
from generator.prometheus.model import AlertRule, Expr, RecordingRule, Rule, labels
from generator.prometheus.rules import seconds_text
from generator.prometheus.slo_model import BurnAlertPlan, SLOPlan
from generator.prometheus.slo_sli import sli_exprs
from generator.spec import Spec, covered

ALERTING = {"page": sm.PAGE, "ticket": sm.TICKET}


def slo_plans(spec: Spec) -> list[SLOPlan]:
    """Every SLO of every service it covers, sorted by service then SLO name."""
    plans = []
    for name, slo in spec.slos.items():
        severities = {ALERTING[a] for a in slo.alerting}
        threshold = slo.sli.latency.threshold if slo.sli.latency is not None else None
        for service in covered(spec, slo):
            tier = spec.services[service].tier
            goal = slo.objective_for(spec.tiers[tier].availability)
            budget = sm.error_budget(goal)
            burns = burn_alerts(cv.slo_alert(name), budget, slo.period)
            plans.append(
                SLOPlan(
                    service=service,
                    tier=tier,
                    slo=name,
                    objective=goal,
                    budget=budget,
                    period=slo.period,
                    min_events=slo.min_events,
                    burns=tuple(b for b in burns if b.severity in severities),
                    threshold=threshold,
                    kind=slo.sli.kind,
                    definition=slo,
                )
            )
    return sorted(plans, key=lambda p: (p.service, p.slo))


@functools.lru_cache(maxsize=1024)  # every service of an objective has the same ones
def burn_alerts(alert: str, budget: Decimal, period: str) -> tuple[BurnAlertPlan, ...]:
    """The page and ticket burn alerts (sm.BURN_WINDOWS) of an SLO with this error budget
    over this period."""
    return tuple(
        BurnAlertPlan(
            alert=alert,
            severity=w.severity,
            long=w.long,
            short=w.short,
            budget_share=w.budget_share,
            factor=sm.burn_factor(w, period),
            threshold=sm.burn_factor(w, period) * Fraction(budget),
        )
        for w in sm.BURN_WINDOWS
    )


def _sli_rules(spec: Spec, slo: SLOPlan, static: tuple[tuple[str, str], ...]) -> list[Rule]:
    """The bad and total event rates over 5m: the only SLO rules reading per-service data."""
    errors, total = sli_exprs(spec, slo)
    return [
        RecordingRule(cv.slo_errors("5m"), errors, static),
        RecordingRule(cv.slo_requests("5m"), total, static),
    ]


def _window_rules(slo: SLOPlan, window: str, static: tuple[tuple[str, str], ...]) -> list[Rule]:
    """Average bad and total event rates over `window` and their ratio (absent without events)."""
    sel = slo.selector()
    span = slo.period if window == cv.SLO_PERIOD else window
    rules: list[Rule] = []
    if window != "5m":
        for name in (cv.slo_errors, cv.slo_requests):
            rules.append(
                RecordingRule(
                    name(window),
                    Expr("slo_avg_over", {"series": name("5m"), "selector": sel, "window": span}),
                    static,
                )
            )
    ratio = Expr(
        "slo_ratio",
        {
            "numerator": cv.slo_errors(window),
            "denominator": cv.slo_requests(window),
            "selector": sel,
        },
    )
    rules.append(RecordingRule(cv.slo_error_ratio(window), ratio, static))
    return rules


def _burn_rate(slo: SLOPlan, window: str, static: tuple[tuple[str, str], ...]) -> RecordingRule:
    expr = Expr(
        "divide",
        {"series": cv.slo_error_ratio(window), "selector": slo.selector(), "by": slo.budget},
    )
    return RecordingRule(cv.slo_burn_rate(window), expr, static)


def _budget_rules(slo: SLOPlan, static: tuple[tuple[str, str], ...]) -> list[Rule]:
    """Budget remaining over the period (1 when no request came), objective, budget, info:
    each recorded while the SLO recorded events over its period (its total events rate over
    the period is a series), so a service's constants carry its labels from that series
    and a rule can serve every service with the same objective (slo_sharing.py)."""
    info = dict(static) | {"objective": fmt(slo.objective), "period": slo.period}
    if slo.threshold is not None:
        info["threshold"] = fmt(slo.threshold)
    sel = slo.selector()
    events = cv.slo_requests(cv.SLO_PERIOD)
    remaining = Expr(
        "slo_remaining",
        {"series": cv.slo_burn_rate(cv.SLO_PERIOD), "events": events, "selector": sel},
    )

    def constant(value: Decimal) -> Expr:
        return Expr("slo_constant", {"events": events, "selector": sel, "value": value})

    return [
        RecordingRule(cv.SLO_BUDGET_REMAINING, remaining, static),
        RecordingRule(cv.SLO_OBJECTIVE, constant(1 - slo.budget), static),
        RecordingRule(cv.SLO_ERROR_BUDGET, constant(slo.budget), static),
        RecordingRule(cv.SLO_INFO, constant(Decimal(1)), labels(**info)),
    ]


def _goal(slo: SLOPlan) -> str:
    if slo.threshold is not None:
        return f"of requests are served within {seconds_text(slo.threshold)}"
    if slo.definition is not None and slo.definition.sli.gauge is not None:
        return f"of {slo.definition.sli.gauge.metric} samples read 1"
    return f"of {slo.events} succeed"


def burn_alert(spec: Spec, slo: SLOPlan, burn: BurnAlertPlan) -> AlertRule:
    """The alert of one burn window: both windows above threshold, long window busy enough."""
    numerator, denominator = burn.exact_threshold
    factor = burn.factor_text
    speed = "fast" if burn.severity == sm.PAGE else "slow"
    share = fmt(burn.budget_share * sm.HUNDRED)
    expr = Expr(
        "slo_burn_alert",
        {
            "long_ratio": cv.slo_error_ratio(burn.long),
            "short_ratio": cv.slo_error_ratio(burn.short),
            "requests": cv.slo_requests(burn.long),
            "selector": slo.selector(),
            "numerator": numerator,
            "denominator": denominator,
            "window_seconds": sm.seconds(burn.long),
            "min_events": slo.min_events,
        },
    )
    return AlertRule(
        alert=burn.alert,
        expr=expr,
        for_="0s",  # the short window already proves the burn is current (workbook)
        labels=labels(
            service=slo.service,
            tier=slo.tier,
            slo=slo.slo,
            severity=burn.severity,
            long_window=burn.long,
            short_window=burn.short,
        ),
        annotations=labels(
            summary=f"{slo.service}: {slo.slo} SLO {speed} burn ({factor}x over {burn.long})",
            description=(
                f"{slo.service} has been spending its {slo.slo} error budget "
                f"({fmt(slo.objective)}% {_goal(slo)}, over {slo.period}) at more than "
                f"{factor} times the sustainable rate over both the last {burn.long} and the "
                f"last {burn.short}: at this rate {share}% of the {slo.period} budget is gone "
                f"in {burn.long}."
            ),
            runbook_url=cv.runbook(spec.runbook_url, burn.alert),
        ),
        kind="slo",
        threshold=burn.approx_threshold,
        direction="above",
        series=cv.slo_error_ratio(burn.long),
        condition=(
            f"{slo.slo} error ratio above {burn.threshold_text} ({factor}x the "
            f"{fmt(slo.budget)} budget) over both {burn.long} and {burn.short}, with at least "
            f"{slo.min_events} {slo.events} in {burn.long}"
        ),
    )


def plan_rules(spec: Spec, slo: SLOPlan) -> dict[str, list[Rule]]:
    """The rules of one SLO of one service, per evaluation speed, each after those it reads."""
    parts: dict[str, list[Rule]] = {speed: [] for speed in sm.SPEEDS}
    static = labels(service=slo.service, tier=slo.tier, slo=slo.slo)
    parts[sm.FAST] += _sli_rules(spec, slo, static)
    for window in (*sm.WINDOWS, cv.SLO_PERIOD):
        parts[sm.WINDOW_SPEED[window]] += _window_rules(slo, window, static)
    for window in (*(w.long for w in sm.BURN_WINDOWS), cv.SLO_PERIOD):
        parts[sm.WINDOW_SPEED[window]].append(_burn_rate(slo, window, static))
    parts[sm.SLOW] += _budget_rules(slo, static)
    for burn in slo.burns:
        parts[sm.ALERT_SPEED[burn.severity]].append(burn_alert(spec, slo, burn))
    return parts
