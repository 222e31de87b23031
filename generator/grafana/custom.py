"""The per-service dashboard's row of custom alerts (spec `custom_alerts:`): which of them
fire for the service now, and since when, read from Prometheus' ALERTS series."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.grafana.model import CRITICAL, OK, Step
from generator.grafana.panels import Layout, Matchers, panel, series
from generator.prometheus import AlertRule

ONE = Decimal(1)
BLOCK = 8  # after the weekly review (7): a spec without custom alerts keeps its panel ids


def custom_row(alerts: Sequence[AlertRule], layout: Layout, mine: Matchers) -> None:
    """A row with a table of the custom alerts firing for $service (none: no row)."""
    names = sorted({a.alert for a in alerts if a.kind == "custom"})
    if not names:
        return
    which = [
        ("alertname", "=~", "|".join(names)),  # CamelCase names: no regex characters
        ("alertstate", "=", "firing"),
        *mine,
    ]
    layout.row("Custom alerts", "custom", BLOCK)
    layout.add(
        panel(
            "custom.firing",
            "timeseries",
            "Custom alerts firing",
            [(series("ALERTS", which), "{{alertname}} {{severity}}")],
            unit="none",
            w=24,
            h=6,
            description=f"Custom alerts of the spec: {', '.join(names)}. A line at 1 while one "
            "fires for this service.",
            steps=(Step(None, OK), Step(ONE, CRITICAL)),
        )
    )
