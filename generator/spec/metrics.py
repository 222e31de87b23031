"""The metric catalogue and the signals: which metric plays which role in the rules."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from generator.spec.fields import LabelName, MetricName, Model, Positive


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
