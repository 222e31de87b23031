"""The per-service dashboard (templated by $service): now, RED signals with the alert lines,
latency, today against `regression.compare` ago, resources, and the weekly-review trends."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.grafana.custom import custom_row
from generator.grafana.model import CRITICAL, OK, REFERENCE, TARGET, Panel, Step
from generator.grafana.panels import (
    SEVERITY_COLORS,
    Layout,
    Matchers,
    PlannedAlerts,
    constant,
    one_alert,
    panel,
    seconds_text,
    series,
)
from generator.grafana.replicas import replica_legend
from generator.grafana.slo_service import budget_line, service_slo_row
from generator.grafana.trends import trend_row
from generator.prometheus import Expr, SLOPlan, quantiles, ratio
from generator.spec import Spec

ONE = Decimal(1)


def alert_percentile(spec: Spec) -> str:
    """The percentile the latency alert watches (p95 when the spec has no latency alert)."""
    return fmt(spec.alerts.latency.percentile) if spec.alerts.latency else "95"


def _now_row(spec: Spec, alerts: PlannedAlerts, layout: Layout, mine: Matchers) -> None:
    sig = spec.signals
    pct = alert_percentile(spec)
    firing = [("alertstate", "=", "firing"), *mine]
    layout.row("Now", "now", 1)
    layout.add(
        panel(
            "now.requests",
            "stat",
            "Request rate",
            [(series(cv.requests_rate(sig.requests), mine), "requests/s")],
            unit="reqps",
            w=4,
            h=4,
            **alerts.lines("throughput"),
        ),
        panel(
            "now.errors",
            "stat",
            "Error ratio",
            [(series(cv.error_ratio(sig.requests), mine), "errors")],
            unit="percentunit",
            w=4,
            h=4,
        ),
        panel(
            "now.latency",
            "stat",
            f"p{pct} latency",
            [(series(cv.quantile(sig.duration, pct), mine), f"p{pct}")],
            unit="s",
            w=4,
            h=4,
            **alerts.lines("latency"),
        ),
        panel(
            "now.cpu",
            "gauge",
            "CPU (of limit)",
            [(series(cv.CONTAINER_CPU_UTILISATION, mine), replica_legend(spec, "CPU"))],
            unit="percentunit",
            w=4,
            h=4,
            min=Decimal(0),
            max=ONE,
            **alerts.lines("cpu"),
        ),
        panel(
            "now.memory",
            "gauge",
            "Memory (of limit)",
            [(series(cv.CONTAINER_MEMORY_UTILISATION, mine), replica_legend(spec, "memory"))],
            unit="percentunit",
            w=4,
            h=4,
            min=Decimal(0),
            max=ONE,
            **alerts.lines("memory"),
        ),
        panel(
            "now.alerts",
            "stat",
            "Firing alerts",
            [(Expr("count_or_zero", {"series": "ALERTS", "selector": firing}), "alerts")],
            unit="none",
            w=4,
            h=4,
            # any firing alert is worth a look: one is the threshold by definition
            steps=(Step(None, OK), Step(ONE, CRITICAL)),
        ),
    )


def _red_rows(
    spec: Spec,
    alerts: PlannedAlerts,
    slos: Sequence[SLOPlan],
    layout: Layout,
    mine: Matchers,
) -> None:
    sig = spec.signals
    layout.row("Traffic and errors", "red", 2)
    target = []
    if spec.targets:
        rps = spec.targets.throughput
        target.append((constant(rps), f"target {fmt(rps)} req/s", TARGET))
    baseline_errors = []
    if spec.baseline:
        share = spec.baseline.error_rate
        baseline_errors.append((constant(ratio(share)), f"baseline {fmt(share)}%", REFERENCE))
    layout.add(
        panel(
            "requests",
            "timeseries",
            "Request rate",
            [(series(cv.requests_rate(sig.requests), mine), "requests/s")],
            unit="reqps",
            w=12,
            h=8,
            references=target,
            **alerts.lines("throughput"),
            min=Decimal(0),
        ),
        panel(
            "errors",
            "timeseries",
            "Error ratio",
            [(series(cv.error_ratio(sig.requests), mine), "errors")],
            unit="percentunit",
            w=12,
            h=8,
            references=baseline_errors + budget_line(slos),
            min=Decimal(0),
        ),
    )
    layout.row("Latency", "latency-row", 3)
    lines = []
    if spec.baseline:
        for name, value in (("p95", spec.baseline.latency_p95), ("p99", spec.baseline.latency_p99)):
            lines.append((constant(value), f"baseline {name} {seconds_text(value)}", REFERENCE))
    layout.add(
        panel(
            "latency",
            "timeseries",
            "Latency percentiles",
            [
                (series(cv.quantile(sig.duration, fmt(q)), mine), f"p{fmt(q)}")
                for q in quantiles(spec)
            ],
            unit="s",
            w=24,
            h=8,
            references=lines,
            **alerts.lines("latency"),
            min=Decimal(0),
        )
    )


_REGRESSION = {
    "latency_p95": ("Latency p95", "s"),
    "throughput": ("Request rate", "reqps"),
    "error_rate": ("Error ratio", "percentunit"),
}


def _regression_row(spec: Spec, alerts: PlannedAlerts, layout: Layout, mine: Matchers) -> None:
    reg = spec.regression
    if reg is None:
        return
    layout.row(f"Today vs {reg.compare} before", "regression", 5)
    width = max(24 // len(reg.metrics), 6)
    for metric in reg.metrics:
        rule = one_alert(alerts, "regression", cv.REGRESSION_NAMES[metric.value])
        if rule is None or rule.threshold is None:
            continue
        title, unit = _REGRESSION[metric.value]
        worse = "higher" if rule.direction == "above" else "lower"
        color = SEVERITY_COLORS[reg.severity]
        alert_line = Expr(
            "scaled_offset",
            {
                "series": rule.series,
                "selector": mine,
                "offset": reg.compare,
                "factor": rule.threshold,
            },
        )
        before = Expr("offset", {"series": rule.series, "selector": mine, "offset": reg.compare})
        layout.add(
            panel(
                f"regression.{metric.value}",
                "timeseries",
                f"{title}: today vs {reg.compare} before",
                [(series(rule.series, mine), "now"), (before, f"{reg.compare} before")],
                unit=unit,
                w=width,
                h=8,
                references=[(alert_line, f"{rule.alert}: {fmt(reg.threshold)}% {worse}", color)],
                min=Decimal(0),
                description=(
                    f"Dashed line: {rule.alert} fires when the value stays {fmt(reg.threshold)}% "
                    f"{worse} than {reg.compare} before for {reg.for_} (and traffic was at "
                    f"least {fmt(reg.min_request_rate)} req/s {reg.compare} before)."
                ),
            )
        )


def _resources_row(spec: Spec, alerts: PlannedAlerts, layout: Layout, mine: Matchers) -> None:
    sig = spec.signals
    layout.row("Resources", "resources", 6)
    layout.add(
        panel(
            "cpu",
            "timeseries",
            "CPU (of limit)",
            [(series(cv.CONTAINER_CPU_UTILISATION, mine), replica_legend(spec, "CPU"))],
            unit="percentunit",
            w=8,
            h=8,
            **alerts.lines("cpu"),
            min=Decimal(0),
        ),
        panel(
            "memory",
            "timeseries",
            "Memory (of limit)",
            [(series(cv.CONTAINER_MEMORY_UTILISATION, mine), replica_legend(spec, "memory"))],
            unit="percentunit",
            w=8,
            h=8,
            **alerts.lines("memory"),
            min=Decimal(0),
        ),
        panel(
            "network",
            "timeseries",
            "Network",
            [
                (series(cv.container_network_rate(sig.container_network_receive), mine), "receive"),
                (series(cv.container_network_rate(sig.container_network_transmit), mine), "send"),
            ],
            unit="Bps",
            w=8,
            h=8,
            min=Decimal(0),
        ),
    )


def service_panels(spec: Spec, alerts: PlannedAlerts, slos: Sequence[SLOPlan]) -> tuple[Panel, ...]:
    """Every panel of the per-service dashboard, placed; queries select service="$service"."""
    mine: Matchers = [("service", "=", f"${cv.SERVICE_VARIABLE}")]
    layout = Layout()
    _now_row(spec, alerts, layout, mine)
    _red_rows(spec, alerts, slos, layout, mine)
    service_slo_row(layout, slos, 4)
    _regression_row(spec, alerts, layout, mine)
    _resources_row(spec, alerts, layout, mine)
    trend_row(spec, layout, mine)
    custom_row(alerts, layout, mine)
    return layout.done()
