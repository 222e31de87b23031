"""The overview dashboard: what fires now, every service's RED signals against the alert
lines, every service's SLOs (objective, budget remaining, burn rate), and whether the data
and the alerting path are healthy (grafana/health.py).

Every query selects this system's services (a Prometheus may hold other systems' alerts and
SLOs) and the tiers picked in $tier; a table row or series of a service links to the service
dashboard with that service picked."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.grafana.health import health_row
from generator.grafana.model import CRITICAL, OK, WARNING, Link, Panel, Step
from generator.grafana.panels import Layout, PlannedAlerts, Scope, panel, series
from generator.grafana.service import alert_percentile
from generator.grafana.slo import overview_slo_rows
from generator.prometheus import Expr, SLOPlan
from generator.spec import Spec

ZERO, ONE = Decimal(0), Decimal(1)
FIRING = [("alertstate", "=", "firing"), ("severity", "!=", "none")]
ALERT_COLUMNS = ("alertname", "service", "severity", "tier")


def overview_scope(spec: Spec, alerts: PlannedAlerts, slos: Sequence[SLOPlan]) -> Scope:
    """The system's services (every `service` its alerts and SLOs carry), $tier, and links
    to the service dashboard keeping the data source and time range."""
    services = sorted({a.label("service") for a in alerts} | {s.service for s in slos})
    # service names are spec names ([a-z0-9-]): the alternation needs no escaping
    system = [("service", "=~", "|".join(services))]
    board = cv.dashboard_uid(spec.name, "service")

    def link(value: str) -> tuple[Link, ...]:
        url = (
            f"/d/{board}?var-{cv.SERVICE_VARIABLE}={value}"
            f"&${{{cv.DATASOURCE_VARIABLE}:queryparam}}&${{__url_time_range}}"
        )
        return (Link(f"{spec.name} / Service: {value}", url),)

    return Scope(
        system=system,
        filtered=[*system, ("tier", "=~", f"${cv.TIER_VARIABLE}")],
        row_links=link("${__data.fields.service}"),
        series_links=link("${__field.labels.service}"),
    )


def _alerts_row(layout: Layout, scope: Scope) -> None:
    layout.row("Alerts firing now", "alerts", 1)
    for severity, color in (("critical", CRITICAL), ("warning", WARNING)):
        selector = [*scope.filtered, ("alertstate", "=", "firing"), ("severity", "=", severity)]
        layout.add(
            panel(
                f"alerts.{severity}",
                "stat",
                f"{severity.capitalize()} alerts",
                [(Expr("count_or_zero", {"series": "ALERTS", "selector": selector}), severity)],
                unit="none",
                w=4,
                h=8,
                # any firing alert of the severity colours the stat: one is the threshold
                steps=(Step(None, OK), Step(ONE, color)),
            )
        )
    layout.add(
        panel(
            "alerts.table",
            "table",
            "Firing alerts",
            [
                (
                    Expr(
                        "sum_by",
                        {
                            "metric": "ALERTS",
                            "selector": [*scope.filtered, *FIRING],
                            "by": list(ALERT_COLUMNS),
                        },
                    ),
                    "",
                )
            ],
            unit="none",
            w=16,
            h=8,
            columns=ALERT_COLUMNS,
        )
    )


def _services_row(spec: Spec, alerts: PlannedAlerts, layout: Layout, scope: Scope) -> None:
    sig = spec.signals
    pct = alert_percentile(spec)
    layout.row("Services now", "services", 3)
    layout.add(
        panel(
            "services.requests",
            "timeseries",
            "Request rate",
            [(series(cv.requests_rate(sig.requests), scope.filtered), "{{service}}")],
            unit="reqps",
            w=8,
            h=8,
            **alerts.lines("throughput"),
            min=ZERO,
            links=scope.series_links,
        ),
        panel(
            "services.errors",
            "timeseries",
            "Error ratio",
            [(series(cv.error_ratio(sig.requests), scope.filtered), "{{service}}")],
            unit="percentunit",
            w=8,
            h=8,
            min=ZERO,
            links=scope.series_links,
        ),
        panel(
            "services.latency",
            "timeseries",
            f"p{pct} latency",
            [(series(cv.quantile(sig.duration, pct), scope.filtered), "{{service}}")],
            unit="s",
            w=8,
            h=8,
            **alerts.lines("latency"),
            min=ZERO,
            links=scope.series_links,
        ),
    )


def overview_panels(
    spec: Spec, alerts: PlannedAlerts, slos: Sequence[SLOPlan]
) -> tuple[Panel, ...]:
    """Every panel of the overview dashboard, placed."""
    layout = Layout()
    scope = overview_scope(spec, alerts, slos)
    _alerts_row(layout, scope)
    overview_slo_rows(layout, slos, 2, scope)
    _services_row(spec, alerts, layout, scope)
    health_row(layout, alerts, 4, scope.filtered)
    return layout.done()
