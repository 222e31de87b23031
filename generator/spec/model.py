"""The spec as written: the root model, one field per section (pydantic v2, extra="forbid",
frozen).

Names and numbers here are the user's; the plan derives everything else. Checks that span
fields (references, warning below critical, buckets) live in `checks.py`, where each
problem can point at the exact field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from generator.spec.alerts import Alerts, Baseline, Regression, Targets
from generator.spec.custom_alerts import AlertName, CustomAlert
from generator.spec.fields import MetricName, Model, Name, NoCredentials
from generator.spec.health import Health
from generator.spec.metrics import Metric, Signals
from generator.spec.routing import Routing
from generator.spec.services import Datastore, Defaults, Exporters, Service, Tier
from generator.spec.settings import (
    Dashboards,
    KubernetesSettings,
    MimirSettings,
    PrometheusSettings,
)
from generator.spec.slos import SLOs

SPEC_VERSION = 2


class Spec(Model):
    """An obsgen spec: one file describing a system's monitoring."""

    version: Literal[1, 2] = Field(
        description="Spec format version: 2, or 1 (its `slos` read as version 2's, docs/slo.md)."
    )
    name: Name = Field(description="System name; prefixes rule groups and dashboards.")
    description: str = Field("", max_length=1000, description="What the system is.")
    runbook_url: Annotated[str, NoCredentials] = Field(
        description="Runbook base URL; each alert links to <runbook_url>#<alertname in lower>.",
        pattern=r"^https?://[^\s\"'<>`{}]+$",
        max_length=300,
    )
    metrics: dict[MetricName, Metric] = Field(description="The metric catalogue.")
    signals: Signals = Field(default_factory=Signals, description="Metric roles.")
    tiers: dict[Name, Tier] = Field(min_length=1, description="Criticality tiers.")
    defaults: Defaults = Field(default_factory=Defaults, description="Service defaults.")
    services: dict[Name, Service] = Field(min_length=1, description="The monitored services.")
    exporters: Exporters = Field(description="Infrastructure exporters.")
    datastores: dict[Name, Datastore] = Field(
        default_factory=dict, description="Datastores (Postgres, Redis) and their limits."
    )
    slos: SLOs = Field(description="The SLOs by name, each with its SLI kind (docs/slo.md).")
    alerts: Alerts = Field(default_factory=Alerts, description="Threshold alerts.")
    custom_alerts: dict[AlertName, CustomAlert] = Field(
        default_factory=dict,
        max_length=200,
        description="Alert rules written in PromQL, each proved by its example (docs/alerts.md).",
    )
    regression: Regression | None = Field(None, description="Regression detection.")
    baseline: Baseline | None = Field(None, description="Baseline figures.")
    targets: Targets | None = Field(None, description="Performance goals.")
    prometheus: PrometheusSettings = Field(description="prometheus.yml settings.")
    dashboards: Dashboards = Field(
        default_factory=Dashboards, description="Grafana dashboards and provisioning."
    )
    health: Health = Field(
        default_factory=Health,
        description="Alerts on missing data and on the monitoring itself (docs/slo.md).",
    )
    routing: Routing | None = Field(
        None, description="Alertmanager routing: receivers, routes, inhibitions, time intervals."
    )
    kubernetes: KubernetesSettings = Field(
        default_factory=KubernetesSettings,
        description="Kubernetes objects of `--target kubernetes` (docs/targets.md).",
    )
    mimir: MimirSettings = Field(
        default_factory=MimirSettings,
        description="Mimir tenant limits of `--target mimir` (docs/targets.md).",
    )
