"""Tiers, services, exporters and datastores: what is monitored and how it is scraped."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from generator.spec.alert_overrides import (
    AlertOverrides,
    NodeAlertOverrides,
    PostgresAlertOverrides,
    RedisAlertOverrides,
    TierAlertOverrides,
)
from generator.spec.fields import (
    Bytes,
    LabelName,
    MetricName,
    MetricsPath,
    Model,
    Name,
    Objective,
    Positive,
    RedisBytes,
    Scheme,
    Selector,
    Target,
)


class Tier(Model):
    """A criticality tier: its availability objective applies to every service in it."""

    availability: Objective = Field(
        description="Availability objective in percent (e.g. 99.9) for the tier's services."
    )
    description: str = Field("", max_length=500, description="What the tier is for.")
    alerts: TierAlertOverrides | None = Field(
        None,
        description="The tier's values of the threshold alerts of its services, datastores "
        "and nodes (docs/alerts.md).",
    )


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
        min_length=1, description="Scrape targets (host:port) of the service's metrics."
    )
    metrics_path: MetricsPath = Field(
        "/metrics",
        description="HTTP path of the metrics endpoint (Spring Boot: /actuator/prometheus).",
    )
    scheme: Scheme = Field("http", description="Scrape over `http` or `https`.")
    resources: ServiceResources | None = Field(
        None, description="Container resources; `defaults.resources` when omitted."
    )
    alerts: AlertOverrides | None = Field(
        None, description="The service's values of its threshold alerts (docs/alerts.md)."
    )


class Defaults(Model):
    """Values services inherit when they do not set their own."""

    resources: ServiceResources | None = Field(None, description="Default container resources.")
    team: Name | None = Field(None, description="Default owning team.")


class Exporter(Model):
    """A scrape job for an exporter."""

    selector: Selector = Field(description="Labels selecting its series (job=... at least).")
    targets: tuple[Target, ...] = Field(min_length=1, description="Scrape targets (host:port).")
    tier: str = Field(description="Tier its alerts carry (name of a tier).")
    metrics_path: MetricsPath = Field(
        "/metrics",
        description="HTTP path of the metrics endpoint (Spring Boot: /actuator/prometheus).",
    )
    scheme: Scheme = Field("http", description="Scrape over `http` or `https`.")


class Cadvisor(Exporter):
    """cAdvisor: container metrics, one series set per running container (replica)."""

    replica_labels: tuple[LabelName, ...] = Field(
        ("instance", "name"),
        min_length=1,
        max_length=6,
        description="Labels that tell one running container from another (one replica): "
        "Docker's cAdvisor writes `name` (the container name) per cAdvisor `instance`; "
        "the kubelet's writes `namespace`, `pod` and `container`. CPU and memory use are "
        "recorded and alerted per replica, by these labels, against the container's limit.",
    )


class NodeExporter(Exporter):
    """node_exporter: the nodes' CPU, memory and filesystems."""

    alerts: NodeAlertOverrides | None = Field(
        None, description="The nodes' values of the node alerts (docs/alerts.md)."
    )


class Exporters(Model):
    """Infrastructure exporters scraped alongside the services."""

    node: NodeExporter = Field(description="node_exporter.")
    cadvisor: Cadvisor = Field(description="cAdvisor (container metrics).")


class Postgres(Model):
    """A Postgres database watched through postgres_exporter."""

    kind: Literal["postgres"] = Field(description="Datastore kind.")
    tier: str = Field(description="Tier its alerts carry.")
    team: Name | None = Field(
        None,
        description="Owning team (routing uses it, as for services); `defaults.team` when omitted.",
    )
    selector: Selector = Field(description="Labels selecting the exporter's series.")
    targets: tuple[Target, ...] = Field(min_length=1, description="Exporter scrape targets.")
    metrics_path: MetricsPath = Field(
        "/metrics",
        description="HTTP path of the metrics endpoint (Spring Boot: /actuator/prometheus).",
    )
    scheme: Scheme = Field("http", description="Scrape over `http` or `https`.")
    max_connections: Annotated[int, Field(gt=0, le=262143)] = Field(
        description="postgresql.conf value."
    )
    alerts: PostgresAlertOverrides | None = Field(
        None, description="This datastore's values of its connection alert (docs/alerts.md)."
    )
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
    team: Name | None = Field(
        None,
        description="Owning team (routing uses it, as for services); `defaults.team` when omitted.",
    )
    selector: Selector = Field(description="Labels selecting the exporter's series.")
    targets: tuple[Target, ...] = Field(min_length=1, description="Exporter scrape targets.")
    metrics_path: MetricsPath = Field(
        "/metrics",
        description="HTTP path of the metrics endpoint (Spring Boot: /actuator/prometheus).",
    )
    scheme: Scheme = Field("http", description="Scrape over `http` or `https`.")
    maxmemory: RedisBytes = Field(
        description="CONFIG maxmemory, read as Redis reads redis.conf: 1k = 1000 bytes, "
        "1kb = 1024, 1m = 1000000, 1mb = 1048576, 1g = 10^9, 1gb = 2^30, any case (2GB is "
        "2 GiB), a plain number is bytes; 512Mi, 2Gi (binary, as Kubernetes writes) work too."
    )
    alerts: RedisAlertOverrides | None = Field(
        None, description="This datastore's values of its memory alert (docs/alerts.md)."
    )
    memory_metric: MetricName = Field("redis_memory_used_bytes", description="Used memory gauge.")
    clients_metric: MetricName = Field("redis_connected_clients", description="Clients gauge.")
    hits_metric: MetricName = Field(
        "redis_keyspace_hits_total", description="Keyspace hits counter."
    )
    misses_metric: MetricName = Field(
        "redis_keyspace_misses_total", description="Keyspace misses counter."
    )


Datastore = Annotated[Postgres | Redis, Field(discriminator="kind")]
