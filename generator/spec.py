"""The spec as written: pydantic v2 models (extra="forbid", frozen), one field per knob.

Names and numbers here are the user's; `plan.py` derives everything else. Checks that span
fields (references, warning below critical, buckets) live in `crosscheck.py`, where each
problem can point at the exact field.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from generator.numbers import dec, format_duration, parse_bytes, parse_duration
from generator.spec_routing import Routing

SPEC_VERSION = 1

_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_TARGET = re.compile(r"^[A-Za-z0-9.\-_\[\]:]+:\d{1,5}$")


def _number(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("must be a number")
    d = dec(value)
    if not d.is_finite():
        raise ValueError("must be a finite number")
    return d


def _duration(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a duration string such as 5m or 1d")
    if value.strip().startswith("-"):
        raise ValueError(f"{value!r} is negative; durations must be longer than zero")
    ms = parse_duration(value)
    if ms <= 0:
        raise ValueError("must be longer than zero")
    return format_duration(ms)


def _bytes(value: object) -> int:
    if not isinstance(value, int | str):
        raise ValueError("must be a size such as 512Mi or 1Gi")
    return parse_bytes(value)


def _pattern(regex: re.Pattern[str], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"{value!r} is not a valid {what}")
        return value

    return AfterValidator(check)


# JSON Schemas describe what users write (editors check it), not the parsed Python type.
_NUMBER_SCHEMA = WithJsonSchema({"type": "number"})
_DURATION_SCHEMA = WithJsonSchema(
    {"type": "string", "pattern": r"^([0-9]+(ms|s|m|h|d|w))+$", "examples": ["5m", "1h30m"]}
)
_BYTES_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?\s*([KMGT]i?B?|kB|B)?$"},
        ],
        "examples": ["512Mi", "1Gi"],
    }
)
Number = Annotated[Decimal, BeforeValidator(_number), _NUMBER_SCHEMA]
Positive = Annotated[
    Decimal,
    BeforeValidator(_number),
    Field(gt=0),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0}),
]
Percent = Annotated[
    Decimal,
    BeforeValidator(_number),
    Field(gt=0, le=100),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "maximum": 100}),
]
Objective = Annotated[
    Decimal,
    BeforeValidator(_number),
    Field(gt=0, lt=100),
    WithJsonSchema({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100}),
]
Duration = Annotated[str, BeforeValidator(_duration), _DURATION_SCHEMA]
Bytes = Annotated[int, BeforeValidator(_bytes), Field(gt=0), _BYTES_SCHEMA]
MetricName = Annotated[str, _pattern(_METRIC_NAME, "metric name")]
LabelName = Annotated[str, _pattern(_LABEL_NAME, "label name")]
Name = Annotated[str, _pattern(_NAME, "name (lower case letters, digits and '-')")]
Target = Annotated[str, _pattern(_TARGET, "scrape target (host:port)")]
LabelValue = Annotated[str, Field(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")]
Selector = Annotated[
    dict[LabelName, LabelValue],
    Field(description="Exact-match label selector, e.g. {job: duri-core}."),
]


class Model(BaseModel):
    """Base of every spec model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MetricType(StrEnum):
    """Prometheus metric types."""

    counter = "counter"
    gauge = "gauge"
    histogram = "histogram"
    summary = "summary"


class Metric(Model):
    """One metric in the catalogue: what exporters expose and rules may read."""

    type: MetricType = Field(description="Prometheus metric type.")
    help: str = Field("", max_length=500, description="What the metric measures.")
    unit: str | None = Field(
        None, max_length=40, description="Base unit (seconds, bytes, requests, ...)."
    )
    labels: tuple[LabelName, ...] = Field(
        (), description="Labels the metric carries that rules may use (selectors, grouping)."
    )
    buckets: tuple[Positive, ...] | None = Field(
        None, description="Histogram bucket upper bounds (le), ascending; histograms only."
    )


class Tier(Model):
    """A criticality tier: its availability objective applies to every service in it."""

    availability: Objective = Field(
        description="Availability objective in percent (e.g. 99.9) for the tier's services."
    )
    description: str = Field("", max_length=500, description="What the tier is for.")


class Resources(Model):
    """CPU and memory figures of a container."""

    cpu: Positive = Field(description="CPUs (cores), e.g. 2.0.")
    memory: Bytes = Field(description="Memory, e.g. 1Gi or 512Mi.")


class ServiceResources(Model):
    """Container limits (alerts and dashboards measure use against them) and reservations."""

    limits: Resources = Field(description="Hard limits; utilisation is measured against them.")
    reservations: Resources | None = Field(
        None, description="Guaranteed share (shown on dashboards)."
    )


class Service(Model):
    """A monitored service."""

    tier: str = Field(description="Name of a tier in `tiers`.")
    description: str = Field("", max_length=500, description="What the service does.")
    team: Name | None = Field(None, description="Owning team (routing uses it).")
    selector: Selector = Field(description="Labels selecting the service's own metrics.")
    container: Selector = Field(description="Labels selecting its container in cAdvisor metrics.")
    targets: tuple[Target, ...] = Field(
        min_length=1, description="Scrape targets (host:port) of the service's /metrics."
    )
    resources: ServiceResources | None = Field(
        None, description="Container resources; `defaults.resources` when omitted."
    )


class Defaults(Model):
    """Values services inherit when they do not set their own."""

    resources: ServiceResources | None = Field(None, description="Default container resources.")
    team: Name | None = Field(None, description="Default owning team.")


class Signals(Model):
    """Which catalogue metric plays which role in the generated rules."""

    requests: MetricName = Field(
        "http_requests_total", description="Counter of HTTP requests (needs the status label)."
    )
    status_label: LabelName = Field("status", description="Label of `requests` holding the code.")
    duration: MetricName = Field(
        "http_request_duration_seconds", description="Histogram of request durations (seconds)."
    )
    container_cpu: MetricName = Field(
        "container_cpu_usage_seconds_total", description="cAdvisor CPU seconds counter."
    )
    container_memory: MetricName = Field(
        "container_memory_usage_bytes", description="cAdvisor memory usage gauge."
    )
    container_network_receive: MetricName = Field(
        "container_network_receive_bytes_total", description="cAdvisor received bytes counter."
    )
    container_network_transmit: MetricName = Field(
        "container_network_transmit_bytes_total", description="cAdvisor sent bytes counter."
    )
    node_cpu: MetricName = Field("node_cpu_seconds_total", description="Node CPU seconds counter.")
    node_memory_available: MetricName = Field(
        "node_memory_MemAvailable_bytes", description="Node available memory gauge."
    )
    node_memory_total: MetricName = Field(
        "node_memory_MemTotal_bytes", description="Node total memory gauge."
    )
    node_filesystem_available: MetricName = Field(
        "node_filesystem_avail_bytes", description="Filesystem bytes available to non-root."
    )
    node_filesystem_size: MetricName = Field(
        "node_filesystem_size_bytes", description="Filesystem size in bytes."
    )


class Matcher(Model):
    """A label matcher on the requests metric."""

    label: LabelName = Field(description="Label name.")
    op: Literal["=", "!=", "=~", "!~"] = Field("=~", description="PromQL matcher operator.")
    value: LabelValue = Field(description="Value or RE2 regular expression.")


class AvailabilitySLO(Model):
    """Availability SLO: share of requests that are not errors; objective from the tier."""

    errors: tuple[Matcher, ...] = Field(
        min_length=1, description="Matchers selecting error requests among all requests."
    )
    period: Duration = Field("30d", description="SLO period (error budget window).")


class LatencySLO(Model):
    """Latency SLO: share of requests served at or under `threshold`."""

    objective: Objective = Field(
        description="Percent of requests that must be at or under the threshold (95 = p95)."
    )
    threshold: Positive = Field(
        description="Latency threshold in seconds; must be a histogram bucket boundary."
    )
    period: Duration = Field("30d", description="SLO period (error budget window).")


class SLOs(Model):
    """The SLOs every service gets."""

    availability: AvailabilitySLO = Field(description="Availability SLO of every service.")
    latency: LatencySLO | None = Field(None, description="Latency SLO of every service.")
    min_events: Annotated[int, Field(ge=1)] = Field(
        1000,
        description=(
            "Requests a burn-rate alert's long window must hold before it may fire (low "
            "traffic guard): with fewer, a handful of errors would look like a fast burn."
        ),
    )


class Threshold(Model):
    """One alert tier: fire when the signal crosses `threshold` for `for`."""

    threshold: Number = Field(description="The value that fires the alert, in the signal's unit.")
    for_: Duration = Field(alias="for", description="How long the condition must hold.")


class ThresholdAlert(Model):
    """Warning and critical tiers of one threshold alert."""

    warning: Threshold | None = Field(None, description="Warning tier (tickets, chat).")
    critical: Threshold | None = Field(None, description="Critical tier (pages).")


class LatencyAlert(ThresholdAlert):
    """Latency alert on a percentile of the request duration histogram (seconds)."""

    percentile: Objective = Field(description="Percentile watched, e.g. 95 for p95.")


class Alerts(Model):
    """Threshold alerts. Units: seconds, requests/s, percent."""

    latency: LatencyAlert | None = Field(None, description="Request latency percentile, seconds.")
    throughput: ThresholdAlert | None = Field(
        None, description="Request rate (req/s); fires when traffic falls BELOW the threshold."
    )
    cpu: ThresholdAlert | None = Field(None, description="Container CPU, percent of its limit.")
    memory: ThresholdAlert | None = Field(
        None, description="Container memory, percent of its limit."
    )
    node_cpu: ThresholdAlert | None = Field(None, description="Node CPU busy, percent.")
    node_memory: ThresholdAlert | None = Field(None, description="Node memory used, percent.")
    node_filesystem: ThresholdAlert | None = Field(
        None, description="Node filesystem used, percent."
    )
    postgres_connections: ThresholdAlert | None = Field(
        None, description="Postgres connections, percent of max_connections."
    )
    redis_memory: ThresholdAlert | None = Field(
        None, description="Redis memory used, percent of maxmemory."
    )


class RegressionMetric(StrEnum):
    """Signals that regression detection compares with the past."""

    latency_p95 = "latency_p95"
    throughput = "throughput"
    error_rate = "error_rate"


class Regression(Model):
    """Alert when a signal is worse than the same signal `compare` ago by `threshold` percent."""

    threshold: Percent = Field(description="Percent worse than before that fires.")
    compare: Duration = Field("1d", description="How far back to compare (PromQL offset).")
    metrics: tuple[RegressionMetric, ...] = Field(min_length=1, description="Signals compared.")
    for_: Duration = Field("30m", alias="for", description="How long the regression must hold.")
    min_request_rate: Positive = Field(
        description="Requests/s needed now and before for a comparison to count (noise guard)."
    )
    severity: Literal["warning", "info"] = Field("warning", description="Severity of the alerts.")


class Baseline(Model):
    """Measured normal figures (dashboards draw them; regression guards read them)."""

    latency_p95: Positive = Field(description="Normal p95 latency, seconds.")
    latency_p99: Positive = Field(description="Normal p99 latency, seconds.")
    throughput: Positive = Field(description="Normal request rate, requests/s.")
    error_rate: Percent = Field(description="Normal error rate, percent of requests.")
    cpu: Percent = Field(description="Normal CPU use, percent of limit.")
    memory: Percent = Field(description="Normal memory use, percent of limit.")


class Targets(Model):
    """Performance goals (dashboards draw them as target lines)."""

    latency_p95: Positive = Field(description="p95 latency must stay under this, seconds.")
    throughput: Positive = Field(description="The service must sustain this rate, requests/s.")
    cpu: Percent = Field(description="CPU use must stay under this, percent of limit.")
    memory: Percent = Field(description="Memory use must stay under this, percent of limit.")


class Exporter(Model):
    """A scrape job for an exporter."""

    selector: Selector = Field(description="Labels selecting its series (job=... at least).")
    targets: tuple[Target, ...] = Field(min_length=1, description="Scrape targets (host:port).")
    tier: str = Field(description="Tier its alerts carry (name of a tier).")


class Exporters(Model):
    """Infrastructure exporters scraped alongside the services."""

    node: Exporter = Field(description="node_exporter.")
    cadvisor: Exporter = Field(description="cAdvisor (container metrics).")


class Postgres(Model):
    """A Postgres database watched through postgres_exporter."""

    kind: Literal["postgres"] = Field(description="Datastore kind.")
    tier: str = Field(description="Tier its alerts carry.")
    selector: Selector = Field(description="Labels selecting the exporter's series.")
    targets: tuple[Target, ...] = Field(min_length=1, description="Exporter scrape targets.")
    max_connections: Annotated[int, Field(gt=0)] = Field(description="postgresql.conf value.")
    connections_metric: MetricName = Field(
        "pg_stat_activity_count", description="Gauge of open connections."
    )
    tuples_returned_metric: MetricName = Field(
        "pg_stat_database_tup_returned", description="Counter of tuples returned."
    )
    tuples_fetched_metric: MetricName = Field(
        "pg_stat_database_tup_fetched", description="Counter of tuples fetched."
    )


class Redis(Model):
    """A Redis server watched through redis_exporter."""

    kind: Literal["redis"] = Field(description="Datastore kind.")
    tier: str = Field(description="Tier its alerts carry.")
    selector: Selector = Field(description="Labels selecting the exporter's series.")
    targets: tuple[Target, ...] = Field(min_length=1, description="Exporter scrape targets.")
    maxmemory: Bytes = Field(description="CONFIG maxmemory, e.g. 512Mi.")
    memory_metric: MetricName = Field("redis_memory_used_bytes", description="Used memory gauge.")
    clients_metric: MetricName = Field("redis_connected_clients", description="Clients gauge.")
    hits_metric: MetricName = Field("redis_keyspace_hits", description="Keyspace hits counter.")
    misses_metric: MetricName = Field(
        "redis_keyspace_misses", description="Keyspace misses counter."
    )


Datastore = Annotated[Postgres | Redis, Field(discriminator="kind")]


class PrometheusSettings(Model):
    """Settings of the generated prometheus.yml."""

    scrape_interval: Duration = Field("15s", description="Global scrape interval.")
    evaluation_interval: Duration = Field("30s", description="Global rule evaluation interval.")
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
    _pattern(re.compile(r"^https?://[^\s\"'<>`{}]+$"), "http(s) URL without spaces or quotes"),
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
    refresh: Duration = Field("1m", description="Dashboard auto-refresh interval (at least 5s).")
    time_range: Duration = Field("6h", description="Default time range: the last ... of data.")
    trend_range: Duration = Field(
        "7d", description="Window of the trend panels (the guide's weekly performance review)."
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


class Spec(Model):
    """An obsgen spec: one file describing a system's monitoring."""

    version: Literal[1] = Field(description="Spec format version; this obsgen reads 1.")
    name: Name = Field(description="System name; prefixes rule groups and dashboards.")
    description: str = Field("", max_length=1000, description="What the system is.")
    runbook_url: str = Field(
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
    slos: SLOs = Field(description="SLOs applied to every service.")
    alerts: Alerts = Field(default_factory=Alerts, description="Threshold alerts.")
    regression: Regression | None = Field(None, description="Regression detection.")
    baseline: Baseline | None = Field(None, description="Baseline figures.")
    targets: Targets | None = Field(None, description="Performance goals.")
    prometheus: PrometheusSettings = Field(description="prometheus.yml settings.")
    dashboards: Dashboards = Field(
        default_factory=Dashboards, description="Grafana dashboards and provisioning."
    )
    routing: Routing | None = Field(
        None, description="Alertmanager routing: receivers, routes, inhibitions, time intervals."
    )
