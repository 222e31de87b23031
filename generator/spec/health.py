"""The `health` section: alerts on missing data and on the alerting path itself.

A dead scrape must never read as a healthy service: every scrape job gets a target-down
alert, every metric a rule reads gets an absent alert, and Prometheus and Alertmanager are
scraped and watched like any other job (docs/slo.md, "When data is missing").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from generator.spec.alerts import AlertFor
from generator.spec.fields import Duration, Model, Name, Percent, Target, within

Severity = Literal["critical", "warning"]
# The generated tests feed a whole trend window and predict at most a year ahead.
Trend = Annotated[Duration, within("1d", "the generated tests feed a whole trend window")]
Horizon = Annotated[Duration, within("365d", "predictions beyond a year are noise")]


class DiskFill(Model):
    """A node filesystem that will be full soon, predicted from its recent trend."""

    over: Trend = Field("6h", description="Trend window fed to predict_linear.")
    horizon: Horizon = Field("24h", description="Fires when full within this time.")
    below_percent: Percent = Field(
        Decimal(40),
        description="Only while free space is below this percent (ignores big idle disks).",
    )
    for_: AlertFor = Field("1h", alias="for", description="How long the prediction must hold.")


class Health(Model):
    """Missing data and the monitoring's own health (obsgen choices, each overridable)."""

    enabled: bool = Field(True, description="Generate the health alerts (opt out with false).")
    target_down_for: AlertFor = Field(
        "5m", description="How long a scrape target must be down (or its job absent)."
    )
    absent_for: AlertFor = Field(
        "10m", description="How long a metric a rule reads must be missing while its job is up."
    )
    severity: dict[Name, Severity] = Field(
        default_factory=dict,
        description="Severity of target-down and absent alerts per tier (default critical).",
    )
    prometheus_targets: tuple[Target, ...] = Field(
        ("localhost:9090",),
        min_length=1,
        description="Where Prometheus serves its own metrics (the `prometheus` scrape job).",
    )
    disk_fill: DiskFill = Field(
        default_factory=DiskFill, description="Node filesystem filling up (predict_linear)."
    )
