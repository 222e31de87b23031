"""Every generated name lives here: recording rules, alerts, groups, files, uids.

Recording rules follow Prometheus practice, ``level:metric:operations``.
"""

from __future__ import annotations

import hashlib
import re

RATE_WINDOW = "5m"
# Filesystems whose "fullness" means nothing for capacity alerts.
IGNORED_FSTYPES = "tmpfs|ramfs|overlay|squashfs|nsfs|fuse.lxcfs"


def base_metric(name: str) -> str:
    """Counter name without its `_total` suffix: http_requests_total -> http_requests."""
    return name.removesuffix("_total")


def camel(*words: str) -> str:
    """CamelCase from snake/kebab words: ('node', 'cpu') -> NodeCpu."""
    parts = [p for w in words for p in re.split(r"[^A-Za-z0-9]+", w) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts)


# --- per-service recording rules -------------------------------------------------------


def requests_rate(requests_metric: str) -> str:
    """Per-service request rate."""
    return f"service:{base_metric(requests_metric)}:rate{RATE_WINDOW}"


def errors_rate(requests_metric: str) -> str:
    """Per-service error request rate."""
    return f"service:{base_metric(requests_metric)}_errors:rate{RATE_WINDOW}"


def error_ratio(requests_metric: str) -> str:
    """Per-service share of requests that are errors."""
    return f"service:{base_metric(requests_metric)}_errors:ratio_rate{RATE_WINDOW}"


def bucket_rate(histogram: str) -> str:
    """Per-service, per-bucket rate of a histogram."""
    return f"service_le:{histogram}_bucket:rate{RATE_WINDOW}"


def percentile_name(percentile: str) -> str:
    """A percentile as names spell it: 95 -> 95, 99.9 -> 999, 9.5 -> 095 (a one-digit
    integer part is padded, so no two percentiles share a name)."""
    whole, _, fraction = percentile.partition(".")
    return f"{whole.zfill(2)}{fraction}" if fraction else whole


def quantile(histogram: str, percentile: str) -> str:
    """Per-service latency percentile from the bucket rates, e.g. p95, p999 (99.9)."""
    return f"service:{histogram}:p{percentile_name(percentile)}_rate{RATE_WINDOW}"


def container_cpu_rate(metric: str) -> str:
    """Per-service CPU seconds used per second."""
    return f"service:{base_metric(metric)}:rate{RATE_WINDOW}"


CONTAINER_CPU_UTILISATION = "service:container_cpu_utilisation:ratio"
CONTAINER_MEMORY_UTILISATION = "service:container_memory_utilisation:ratio"


def container_memory_sum(metric: str) -> str:
    """Per-service memory in use."""
    return f"service:{metric}:sum"


def container_network_rate(metric: str) -> str:
    """Per-service network bytes per second."""
    return f"service:{base_metric(metric)}:rate{RATE_WINDOW}"


# --- infrastructure and datastores ------------------------------------------------------

NODE_CPU_UTILISATION = "instance:node_cpu_utilisation:ratio"
NODE_MEMORY_UTILISATION = "instance:node_memory_utilisation:ratio"
NODE_FILESYSTEM_UTILISATION = "instance_mountpoint:node_filesystem_utilisation:ratio"
PG_CONNECTIONS = "instance:pg_connections:sum"
PG_CONNECTIONS_UTILISATION = "instance:pg_connections_utilisation:ratio"
REDIS_MEMORY_UTILISATION = "instance:redis_memory_utilisation:ratio"
REDIS_HIT_RATIO = "instance:redis_keyspace_hits:ratio_rate5m"


def pg_tuples_rate(metric: str) -> str:
    """Per-database tuple rate."""
    return f"instance_datname:{metric}:rate{RATE_WINDOW}"


# --- alerts --------------------------------------------------------------------------------

ALERT_NAMES = {
    "latency": "LatencyP{percentile}High",
    "throughput": "ThroughputLow",
    "cpu": "ContainerCPUHigh",
    "memory": "ContainerMemoryHigh",
    "node_cpu": "NodeCPUHigh",
    "node_memory": "NodeMemoryHigh",
    "node_filesystem": "NodeFilesystemUsageHigh",
    "postgres_connections": "PostgresConnectionsHigh",
    "redis_memory": "RedisMemoryHigh",
}
REGRESSION_NAMES = {
    "latency_p95": "LatencyP95Regression",
    "throughput": "ThroughputRegression",
    "error_rate": "ErrorRateRegression",
}


# Health alerts (prometheus/health.py): missing data and the alerting path itself.
TARGET_DOWN = "TargetDown"
METRIC_ABSENT = "MetricAbsent"
PROMETHEUS_JOB = "prometheus"  # the scrape jobs of the monitoring's own metrics
ALERTMANAGER_JOB = "alertmanager"
HEALTH_ALERTS = {
    "rule_failures": "PrometheusRuleFailures",
    "not_connected": "PrometheusNotConnectedToAlertmanagers",
    "notifications_failing": "PrometheusNotificationsFailing",
    "notifications_dropped": "PrometheusNotificationsDropped",
    "prometheus_reload": "PrometheusConfigReloadFailed",
    "compactions_failing": "PrometheusTSDBCompactionsFailing",
    "alertmanager_failing": "AlertmanagerNotificationsFailing",
    "alertmanager_reload": "AlertmanagerConfigReloadFailed",
    "disk_fill": "NodeFilesystemFillingUp",
}


def alert_name(kind: str, percentile: str = "") -> str:
    """CamelCase alert name of a threshold alert kind."""
    return ALERT_NAMES[kind].format(percentile=percentile_name(percentile))


def runbook(base: str, alert: str) -> str:
    """Runbook link of an alert: <base>#<alertname in lower case>."""
    return f"{base}#{alert.lower()}"


# --- SLOs (docs/slo.md) ----------------------------------------------------------------------
# Every SLO series carries the labels service, tier and slo (availability | latency).

SLO_FILE = "prometheus/rules/slo.yml"
SLO_AVAILABILITY = "availability"
SLO_LATENCY = "latency"
SLO_PERIOD = "period"  # window token of the SLO's own period (30d unless the spec says)
SLO_OBJECTIVE = "slo:objective:ratio"  # 0.999 for 99.9 %
SLO_ERROR_BUDGET = "slo:error_budget:ratio"  # 1 - objective: 0.001
SLO_BUDGET_REMAINING = "slo:error_budget_remaining:ratio"  # over the period; 1 = untouched
SLO_INFO = "slo:objective:info"  # value 1; labels objective (percent), period, threshold


def _slo_window(window: str) -> str:
    return "_period" if window == SLO_PERIOD else window


def slo_errors(window: str) -> str:
    """Bad events per second of an SLO, averaged over `window` (5m ... 3d, or SLO_PERIOD)."""
    return f"slo:sli_errors:rate{_slo_window(window)}"


def slo_requests(window: str) -> str:
    """All events (requests) per second of an SLO, averaged over `window`."""
    return f"slo:sli_requests:rate{_slo_window(window)}"


def slo_error_ratio(window: str) -> str:
    """Share of an SLO's events that were bad over `window` (ratio of the two sums)."""
    return f"slo:sli_errors:ratio_rate{_slo_window(window)}"


def slo_burn_rate(window: str) -> str:
    """Error ratio over `window` divided by the error budget (1 = spending it exactly)."""
    return f"slo:burn_rate:ratio_rate{_slo_window(window)}"


def slo_alert(slo: str) -> str:
    """Burn-rate alert of an SLO kind: AvailabilityErrorBudgetBurn, LatencyErrorBudgetBurn."""
    return camel(slo, "error", "budget", "burn")


def slo_group(system: str, service: str, speed: str) -> str:
    """SLO rule group of a service: speed is fast (global interval), medium or slow."""
    return group(system, service, f"slo-{speed}")


def test_file(name: str) -> str:
    """Path under out/ of a generated `promtool test rules` file."""
    return f"prometheus/tests/{name}.yml"


# --- groups and files ----------------------------------------------------------------------


def group(system: str, part: str, kind: str) -> str:
    """Rule group name, e.g. duri-core.recording."""
    return f"{part}.{kind}" if part.startswith(f"{system}") else f"{system}-{part}.{kind}"


SHARED_GROUP_PART = "services"  # the recording and threshold alert rules services share
RECORDING_FILE = "prometheus/rules/recording.yml"
HEALTH_FILE = "prometheus/rules/health.yml"  # missing data and the monitoring itself
ALERTS_FILE = "prometheus/rules/alerts.yml"
PROMETHEUS_CONFIG = "prometheus/prometheus.yml"

# --- Alertmanager ------------------------------------------------------------------------------

WATCHDOG = "Watchdog"  # the always-firing alert a dead man's switch listens for
WATCHDOG_GROUP_PART = "watchdog"
ALERTMANAGER_CONFIG = "alertmanager/alertmanager.yml"
ROUTING_TABLE = "alertmanager/routing-table.yml"


# --- Alert catalogue (docs/review.md) ---------------------------------------------------------

CATALOGUE = "ALERTS.md"
PLOTS_DIR = "plots"  # beside the catalogue: one SVG per tier and SLO


def slo_plot(tier: str, slo: str) -> str:
    """Path under out/ of the time-to-fire plot every service of `tier` shares for `slo`
    (objectives come from the tier, windows and factors from `slos`)."""
    return f"{PLOTS_DIR}/{tier}-{slo}.svg"


def go_template_literal(text: str) -> str:
    """Escape user text for a Prometheus annotation: `{{` must not start a Go template."""
    if "{{" not in text and "}}" not in text:
        return text
    out = text.replace("{{", "\x00").replace("}}", "\x01")
    return out.replace("\x00", '{{ "{{" }}').replace("\x01", '{{ "}}" }}')


# --- Grafana ---------------------------------------------------------------------------------

GRAFANA_UID_MAX = 40  # Grafana refuses longer dashboard, folder and data source uids
DATASOURCE_VARIABLE = "datasource"
SERVICE_VARIABLE = "service"
TIER_VARIABLE = "tier"
ALL_VALUE = "$__all"  # Grafana's value of a variable's "All" option


def grafana_uid(*parts: str) -> str:
    """A stable Grafana uid from names ('duri-overview'); cut and hash-suffixed past 40 chars."""
    name = "-".join(parts)
    if len(name) <= GRAFANA_UID_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: GRAFANA_UID_MAX - 9]}-{digest}"


def dashboard_uid(system: str, kind: str) -> str:
    """Uid of one of the system's dashboards (overview, service, infrastructure, datastores)."""
    return grafana_uid(system, kind)


def dashboard_file(system: str, kind: str) -> str:
    """Path under out/ of a dashboard's JSON file."""
    return f"grafana/dashboards/{system}-{kind}.json"


def datasource_uid(system: str) -> str:
    """Default uid of the provisioned Prometheus data source."""
    return grafana_uid(system, "prometheus")


def datasource_name(system: str) -> str:
    """Default name of the provisioned Prometheus data source."""
    return f"{system} Prometheus"


def folder_uid(system: str) -> str:
    """Uid of the Grafana folder holding the system's dashboards."""
    return grafana_uid(system, "dashboards")


def dashboards_dir(system: str) -> str:
    """Default directory Grafana reads the dashboard files from."""
    return f"/var/lib/grafana/dashboards/{system}"


def grafana_datasources_file(system: str) -> str:
    """Path under out/ of the data source provisioning file."""
    return f"grafana/provisioning/datasources/{system}.yml"


def grafana_providers_file(system: str) -> str:
    """Path under out/ of the dashboard provider provisioning file."""
    return f"grafana/provisioning/dashboards/{system}.yml"
