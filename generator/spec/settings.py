"""Prometheus settings and the Grafana dashboards section."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
)

from generator.core.numbers import parse_duration
from generator.spec.fields import (
    Duration,
    LabelName,
    LabelValue,
    Model,
    NoCredentials,
    Target,
    _pattern,
    within,
)

# The shortest alert window is 5m: a rate over it needs at least two scrapes and two
# evaluations, and the generated promtool tests feed samples this far apart.
Interval = Annotated[
    Duration, within("2m", "the 5m alert windows need two samples or more", low="1s")
]
Range = Annotated[
    Duration, within("365d", "Grafana panels of more than a year draw nothing useful")
]


class PrometheusSettings(Model):
    """Settings of the generated prometheus.yml."""

    scrape_interval: Interval = Field("15s", description="Global scrape interval (1s to 2m).")
    evaluation_interval: Interval = Field(
        "30s", description="Global rule evaluation interval (1s to 2m)."
    )
    alertmanagers: tuple[Target, ...] = Field(
        min_length=1, description="Alertmanager addresses (host:port)."
    )
    external_labels: dict[LabelName, LabelValue] = Field(
        default_factory=dict, description="Labels added to every series and alert leaving."
    )


_GRAFANA_UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
GrafanaUid = Annotated[
    str, _pattern(_GRAFANA_UID, "Grafana uid (1 to 40 letters, digits, '-' or '_')")
]
HttpUrl = Annotated[
    str,
    Field(max_length=300),
    _pattern(
        re.compile(r"^https?://[^\s\"'<>`{}]+$"), "http(s) URL without spaces or quotes", echo=False
    ),
    NoCredentials,
]
AbsoluteDir = Annotated[
    str,
    Field(max_length=300),
    _pattern(re.compile(r"^/[^\s\"'<>`{}]*$"), "absolute directory without spaces or quotes"),
]
# Grafana's default min_refresh_interval: a shorter refresh is refused by the server.
_MIN_REFRESH_MS = 5000


class GrafanaDatasource(Model):
    """The Prometheus data source every dashboard queries, provisioned with a fixed uid."""

    name: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Data source name in Grafana; '<system> Prometheus' when omitted.",
    )
    uid: GrafanaUid | None = Field(
        None, description="Fixed data source uid; '<system>-prometheus' when omitted."
    )
    url: HttpUrl = Field(
        "http://prometheus:9090", description="URL Grafana's server uses to reach Prometheus."
    )


class Dashboards(Model):
    """Grafana dashboards (out/grafana/dashboards) and their provisioning files."""

    datasource: GrafanaDatasource = Field(
        default_factory=GrafanaDatasource, description="The Prometheus data source."
    )
    folder: str | None = Field(
        None, min_length=1, max_length=100, description="Grafana folder; the system name if unset."
    )
    path: AbsoluteDir | None = Field(
        None,
        description=(
            "Absolute directory Grafana reads the dashboard files from; "
            "/var/lib/grafana/dashboards/<system> when omitted."
        ),
    )
    refresh: Annotated[Duration, within("1d", "a dashboard refreshes at least daily")] = Field(
        "1m", description="Dashboard auto-refresh interval (5s to 1d)."
    )
    time_range: Range = Field(
        "6h", description="Default time range: the last ... of data (1m to 365d)."
    )
    trend_range: Range = Field(
        "7d",
        description="Window of the trend panels (the guide's weekly review; at most 365d).",
    )
    trend_step: Duration = Field(
        "1h", description="Each trend point is the mean over this step; shorter than trend_range."
    )

    @field_validator("refresh")
    @classmethod
    def _refresh_not_below_grafana_minimum(cls, value: str) -> str:
        if parse_duration(value) < _MIN_REFRESH_MS:
            raise ValueError(f"Grafana refuses refreshes faster than 5s (got {value})")
        if parse_duration(value) % 1000:
            raise ValueError(f"must be whole seconds, Grafana has no milliseconds (got {value})")
        return value

    @field_validator("time_range", "trend_range", "trend_step")
    @classmethod
    def _at_least_a_minute(cls, value: str) -> str:
        # Grafana's relative ranges have no milliseconds, and under a minute of 15s scrapes
        # a panel shows next to nothing.
        if parse_duration(value) < 60_000 or parse_duration(value) % 1000:
            raise ValueError(f"must be whole seconds and at least 1m (got {value})")
        return value

    @field_validator("trend_step")
    @classmethod
    def _step_shorter_than_range(cls, value: str, info: ValidationInfo) -> str:
        window = info.data.get("trend_range")
        if window and parse_duration(value) >= parse_duration(window):
            raise ValueError(f"must be shorter than trend_range ({window}); got {value}")
        return value


# Kubernetes label syntax (apimachinery's validation): an optional DNS-subdomain prefix, a
# name of at most 63 characters; values of at most 63, possibly empty.
_KUBE_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
_KUBE_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$")
# a Service port name (IANA_SVC_NAME): at most 15 lower-case letters, digits and '-'
_PORT_NAME = re.compile(r"^(?=.{1,15}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
KubeLabelKey = Annotated[str, _pattern(_KUBE_LABEL_KEY, "Kubernetes label key")]
KubeLabelValue = Annotated[str, _pattern(_KUBE_LABEL_VALUE, "Kubernetes label value")]
PortName = Annotated[str, _pattern(_PORT_NAME, "Service port name (at most 15 of a-z, 0-9, '-')")]


class KubernetesSettings(Model):
    """Objects of `--target kubernetes`: for the Prometheus Operator and Grafana's sidecars."""

    labels: dict[KubeLabelKey, KubeLabelValue] = Field(
        default_factory=dict,
        description=(
            "Labels added to every PrometheusRule and ServiceMonitor, so that the operator's "
            "ruleSelector and serviceMonitorSelector pick them up (kube-prometheus-stack "
            "selects `release: <its Helm release name>`)."
        ),
    )
    service_label: KubeLabelKey = Field(
        "app.kubernetes.io/name",
        description=(
            "Label of the Kubernetes Services to scrape whose value is the scrape job's name "
            "(the service or exporter name); each ServiceMonitor selects Services by it."
        ),
    )
    metrics_port: PortName = Field(
        "metrics", description="Name of the Service port serving /metrics."
    )


class MimirSettings(Model):
    """The Mimir tenant limits `--target mimir` output must load within."""

    max_rules_per_group: int = Field(
        20,
        ge=1,
        le=10000,
        description=(
            "The tenant's ruler.max-rules-per-rule-group (Mimir's default: 20); larger groups "
            "are split into <group>-2, <group>-3, ..."
        ),
    )
    max_groups_per_tenant: int = Field(
        70,
        ge=1,
        le=100000,
        description=(
            "The tenant's ruler.max-rule-groups-per-tenant (Mimir's default: 70); more groups "
            "are refused."
        ),
    )
