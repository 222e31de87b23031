"""The overview dashboard: what fires now, every service's RED signals against the alert
lines, and every service's SLOs (objective, budget remaining, burn rate)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.grafana.model import CRITICAL, OK, WARNING, Panel, Step
from generator.grafana.panels import Layout, alert_lines, panel, series
from generator.grafana.service import alert_percentile
from generator.grafana.slo import overview_slo_rows
from generator.prometheus import AlertRule, Expr, SLOPlan
from generator.spec import Spec

ZERO, ONE = Decimal(0), Decimal(1)
FIRING = [("alertstate", "=", "firing"), ("severity", "!=", "none")]
ALERT_COLUMNS = ("alertname", "service", "severity", "tier")


def _alerts_row(layout: Layout) -> None:
    layout.row("Alerts firing now", "alerts", 1)
    for severity, color in (("critical", CRITICAL), ("warning", WARNING)):
        selector = [("alertstate", "=", "firing"), ("severity", "=", severity)]
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
                        {"metric": "ALERTS", "selector": FIRING, "by": list(ALERT_COLUMNS)},
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


def _services_row(spec: Spec, alerts: list[AlertRule], layout: Layout) -> None:
    sig = spec.signals
    pct = alert_percentile(spec)
    layout.row("Services now", "services", 3)
    layout.add(
        panel(
            "services.requests",
            "timeseries",
            "Request rate",
            [(series(cv.requests_rate(sig.requests)), "{{service}}")],
            unit="reqps",
            w=8,
            h=8,
            **alert_lines(alerts, "throughput"),
            min=ZERO,
        ),
        panel(
            "services.errors",
            "timeseries",
            "Error ratio",
            [(series(cv.error_ratio(sig.requests)), "{{service}}")],
            unit="percentunit",
            w=8,
            h=8,
            min=ZERO,
        ),
        panel(
            "services.latency",
            "timeseries",
            f"p{pct} latency",
            [(series(cv.quantile(sig.duration, pct)), "{{service}}")],
            unit="s",
            w=8,
            h=8,
            **alert_lines(alerts, "latency"),
            min=ZERO,
        ),
    )


def overview_panels(
    spec: Spec, alerts: list[AlertRule], slos: Sequence[SLOPlan]
) -> tuple[Panel, ...]:
    """Every panel of the overview dashboard, placed."""
    layout = Layout()
    _alerts_row(layout)
    overview_slo_rows(layout, slos, 2)
    _services_row(spec, alerts, layout)
    return tuple(layout.panels)
