"""Plan the health alerts: missing data, and the alerting path watching itself.

- `TargetDown` per scrape job: a target down (`up == 0`) or no target at all (`up` absent).
- `MetricAbsent` per metric a rule reads: its series gone while its job is up (a renamed
  metric, an exporter that stopped exposing it); a job that is down is TargetDown's.
- Prometheus and Alertmanager scraped like any job and watched: rule evaluation failures,
  no Alertmanager connected, notifications failing or dropped, config reloads failing,
  TSDB compactions failing; and a node filesystem predicted to fill up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import parse_duration
from generator.prometheus.model import AlertRule, Expr, Labels, labels
from generator.prometheus.rules import HUNDRED, eq
from generator.spec import Service, Spec

Matchers = list[tuple[str, str, str]]
# Job names are free text: annotations read them from the alert's labels, never as template.
JOB = "{{ $labels.job }}"

# The monitoring's own series the health rules read (Prometheus 2.42+ and Alertmanager 0.25).
PROMETHEUS_SERIES = (
    "prometheus_rule_evaluation_failures_total",
    "prometheus_notifications_alertmanagers_discovered",
    "prometheus_notifications_errors_total",
    "prometheus_notifications_sent_total",
    "prometheus_notifications_dropped_total",
    "prometheus_config_last_reload_successful",
    "prometheus_tsdb_compactions_failed_total",
)
ALERTMANAGER_SERIES = (
    "alertmanager_notifications_failed_total",
    "alertmanager_notifications_total",
    "alertmanager_config_last_reload_successful",
)
# Alert kinds of this module (promtest/health.py proves each).
HEALTH_KINDS = frozenset({"target_down", "metric_absent", *cv.HEALTH_ALERTS})
# Failed notifications above this share of those sent (obsgen choice, as the mixins).
FAILING_RATIO = Decimal("0.01")


@dataclass(frozen=True)
class Job:
    """A scrape job and the labels its alerts carry."""

    name: str
    service: str
    tier: str


def health_series(spec: Spec) -> frozenset[str]:
    """The monitoring's own series the health rules read (none when they are off)."""
    if not spec.health.enabled:
        return frozenset()
    return frozenset((*PROMETHEUS_SERIES, *ALERTMANAGER_SERIES))


def monitoring_tier(spec: Spec) -> str:
    """The tier of the monitoring's own alerts: the most critical (first on ties)."""
    return max(spec.tiers.items(), key=lambda item: item[1].availability)[0]


def service_job(name: str, service: Service) -> str:
    """The scrape job of a service (its selector's job, else its name)."""
    return service.selector.get("job", name)


def jobs(spec: Spec) -> list[Job]:
    """Every scrape job obsgen writes, with the service and tier its alerts carry."""
    out = [Job(service_job(n, s), n, s.tier) for n, s in sorted(spec.services.items())]
    node, cadvisor = spec.exporters.node, spec.exporters.cadvisor
    out.append(Job(node.selector["job"], "node", node.tier))
    out.append(Job(cadvisor.selector["job"], "cadvisor", cadvisor.tier))
    out += [Job(d.selector["job"], n, d.tier) for n, d in sorted(spec.datastores.items())]
    if spec.health.enabled:
        top = monitoring_tier(spec)
        out.append(Job(cv.PROMETHEUS_JOB, spec.name, top))
        if spec.prometheus.alertmanagers:
            out.append(Job(cv.ALERTMANAGER_JOB, spec.name, top))
    return out


def _severity(spec: Spec, tier: str) -> str:
    return spec.health.severity.get(tier, "critical")


def _annotations(spec: Spec, alert: str, summary: str, description: str) -> Labels:
    return labels(
        summary=summary,
        description=description,
        runbook_url=cv.runbook(spec.runbook_url, alert),
    )


def _own_job(job: Job) -> Labels:
    """Prometheus and Alertmanager share the system's labels: their job tells them apart.
    (Other jobs are told apart by service; a job name is free text, and a rule's label
    values are Go templates, so it goes into no other rule.)"""
    if job.name in (cv.PROMETHEUS_JOB, cv.ALERTMANAGER_JOB):
        return (("job", job.name),)
    return ()


def target_down(spec: Spec, job: Job) -> AlertRule:
    """The job has a target down, or no target at all."""
    wait = spec.health.target_down_for
    return AlertRule(
        alert=cv.TARGET_DOWN,
        expr=Expr("target_down", {"selector": [("job", "=", job.name)]}),
        for_=wait,
        labels=tuple(
            sorted(
                labels(severity=_severity(spec, job.tier), service=job.service, tier=job.tier)
                + _own_job(job)
            )
        ),
        annotations=_annotations(
            spec,
            cv.TARGET_DOWN,
            f"{job.service}: scrape target down (job {JOB})",
            f"A target of job {JOB} has been down, or the job has had no target, for {wait}: "
            "the alerts reading its metrics cannot fire.",
        ),
        kind="target_down",
        series="up",
        condition="a target down or the job without targets",
    )


@dataclass(frozen=True)
class Needed:
    """A metric some rule reads, the selector it reads it with, and whose job serves it.
    `each`: the series carry the service's `service` and `tier` (its own scrape job's, or
    cAdvisor's relabelled), so the alert reads it by those and may be shared
    (health_sharing.py); `exporter` is then the job serving it when that is not the
    service's own (cAdvisor)."""

    metric: str
    selector: tuple[tuple[str, str, str], ...]
    job: Job
    each: bool = False
    exporter: str | None = None


def needed(spec: Spec) -> list[Needed]:
    """Every (metric, selector) the recording and alerting rules read, with its job."""
    sig = spec.signals
    by_service = {j.service: j for j in jobs(spec)}
    node, cadvisor = by_service["node"], by_service["cadvisor"]
    out: list[Needed] = []
    for name, service in sorted(spec.services.items()):
        job = by_service[name]
        mine = (("service", "=", name),)
        boxed = Job(cadvisor.name, name, service.tier)
        for metric in (sig.requests, f"{sig.duration}_bucket"):
            if set(service.selector) == {"job"}:  # its series: its job's, with its labels
                out.append(Needed(metric, mine, job, each=True))
            else:
                app = tuple(eq(service.selector)) or (("job", "=", service_job(name, service)),)
                out.append(Needed(metric, app, job))
        for metric in (sig.container_cpu, sig.container_memory):
            out.append(Needed(metric, mine, boxed, each=True, exporter=cadvisor.name))
    for metric in (
        sig.node_cpu,
        sig.node_memory_available,
        sig.node_memory_total,
        sig.node_filesystem_available,
        sig.node_filesystem_size,
    ):
        out.append(Needed(metric, tuple(eq(spec.exporters.node.selector)), node))
    for name, store in sorted(spec.datastores.items()):
        sel = tuple(eq(store.selector))
        metrics = (
            [store.connections_metric]
            if store.kind == "postgres"
            else [store.memory_metric, store.hits_metric, store.misses_metric]
        )
        out += [Needed(m, sel, by_service[name]) for m in metrics]
    return out


def _absent_expr(need: Needed) -> Expr:
    """absent() while the job is up; by `service` for a metric read by it (`each`)."""
    if not need.each:
        own = {"metric": need.metric, "selector": list(need.selector), "up": [eq_job(need)]}
        return Expr("absent_while_up", own)
    exporter = [("job", "=", need.exporter)] if need.exporter else None
    args: dict[str, object] = {
        "metric": need.metric,
        "selector": list(need.selector),
        "up": [("service", "=", need.job.service)],
        "exporter": exporter,
    }
    return Expr("absent_while_up_each", args)


def eq_job(need: Needed) -> tuple[str, str, str]:
    """The matcher of the job serving the metric."""
    return ("job", "=", need.job.name)


def metric_absent(spec: Spec, need: Needed) -> AlertRule:
    """The metric's series are gone while its job is up (and, for a container's metric, the
    service's job is there and cAdvisor's is up)."""
    job = need.job
    wait = spec.health.absent_for
    return AlertRule(
        alert=cv.METRIC_ABSENT,
        expr=_absent_expr(need),
        for_=wait,
        labels=labels(
            metric=need.metric,
            severity=_severity(spec, job.tier),
            service=job.service,
            tier=job.tier,
        ),
        annotations=absent_annotations(spec, need.metric, job.service, wait),
        kind="metric_absent",
        series=need.metric,
        condition=f"no {need.metric} series while its job is up",
    )


def absent_annotations(spec: Spec, metric: str, service: str, wait: str) -> Labels:
    return _annotations(
        spec,
        cv.METRIC_ABSENT,
        f"{service}: {metric} is missing",
        f"The job serving {metric} for {service} is up, but no series has matched "
        f"the rules' selector for {wait}: the rules and alerts reading it see nothing.",
    )


def _meta(
    spec: Spec, kind: str, expr: Expr, for_: str, severity: str, what: str, why: str
) -> AlertRule:
    alert = cv.HEALTH_ALERTS[kind]
    return AlertRule(
        alert=alert,
        expr=expr,
        for_=for_,
        labels=labels(severity=severity, service=spec.name, tier=monitoring_tier(spec)),
        annotations=_annotations(spec, alert, f"{spec.name}: {what}", f"{why} for {for_}."),
        kind=kind,
        condition=what,
    )


def monitoring_alerts(spec: Spec) -> list[AlertRule]:
    """The alerting path watching itself: Prometheus and Alertmanager."""
    prom = [("job", "=", cv.PROMETHEUS_JOB)]
    am = [("job", "=", cv.ALERTMANAGER_JOB)]

    def increase(metric: str, sel: Matchers, window: str) -> Expr:
        return Expr("increased", {"metric": metric, "selector": sel, "window": window})

    def low(metric: str, sel: Matchers) -> Expr:
        return Expr("gauge_low", {"metric": metric, "selector": sel, "window": cv.RATE_WINDOW})

    def failing(failed: str, total: str, sel: Matchers) -> Expr:
        return Expr(
            "counter_share",
            {
                "part": failed,
                "whole": total,
                "selector": sel,
                "window": cv.RATE_WINDOW,
                "threshold": FAILING_RATIO,
            },
        )

    share = f"{FAILING_RATIO * HUNDRED:f}".rstrip("0").rstrip(".")
    rules = [
        _meta(spec, "rule_failures",
              increase("prometheus_rule_evaluation_failures_total", prom, cv.RATE_WINDOW),
              "15m", "critical", "rule evaluations failing",
              "Prometheus has failed to evaluate rules (alerts may be silently missing)"),
        _meta(spec, "not_connected",
              low("prometheus_notifications_alertmanagers_discovered", prom),
              "10m", "critical", "Prometheus connected to no Alertmanager",
              "Prometheus has discovered no Alertmanager: no alert can be delivered"),
        _meta(spec, "notifications_failing",
              failing("prometheus_notifications_errors_total",
                      "prometheus_notifications_sent_total", prom),
              "15m", "critical", f"over {share}% of notifications to Alertmanager failing",
              "Prometheus has failed to send alerts to Alertmanager"),
        _meta(spec, "notifications_dropped",
              increase("prometheus_notifications_dropped_total", prom, cv.RATE_WINDOW),
              "15m", "warning", "alerts dropped before reaching Alertmanager",
              "Prometheus has dropped alerts (queue full or no Alertmanager)"),
        _meta(spec, "prometheus_reload",
              low("prometheus_config_last_reload_successful", prom),
              "10m", "warning", "Prometheus configuration reload failed",
              "The last Prometheus configuration reload has failed: it runs an older config"),
        _meta(spec, "compactions_failing",
              increase("prometheus_tsdb_compactions_failed_total", prom, "3h"),
              "0s", "warning", "TSDB compactions failing",
              "Prometheus has failed to compact its TSDB blocks in the last 3h (disk use grows)"),
    ]  # fmt: skip
    if spec.prometheus.alertmanagers:
        rules += [
            _meta(spec, "alertmanager_failing",
                  failing("alertmanager_notifications_failed_total",
                          "alertmanager_notifications_total", am),
                  "5m", "critical", f"over {share}% of notifications to receivers failing",
                  "Alertmanager has failed to deliver notifications to receivers"),
            _meta(spec, "alertmanager_reload",
                  low("alertmanager_config_last_reload_successful", am),
                  "10m", "warning", "Alertmanager configuration reload failed",
                  "The last Alertmanager configuration reload has failed: it runs an older config"),
        ]  # fmt: skip
    return rules


def disk_fill(spec: Spec) -> AlertRule:
    """A node filesystem predicted to be full within the horizon, already low on space."""
    fill = spec.health.disk_fill
    sig = spec.signals
    node = spec.exporters.node
    kind = "disk_fill"
    alert = cv.HEALTH_ALERTS[kind]
    where = "{{ $labels.instance }} {{ $labels.mountpoint }}"
    return AlertRule(
        alert=alert,
        expr=Expr(
            "fill_prediction",
            {
                "available": sig.node_filesystem_available,
                "size": sig.node_filesystem_size,
                "selector": [*eq(node.selector), ("fstype", "!~", cv.IGNORED_FSTYPES)],
                "over": fill.over,
                "horizon_s": _seconds(fill.horizon),
                "ratio": fill.below_percent / HUNDRED,
            },
        ),
        for_=fill.for_,
        labels=labels(severity="warning", service="node", tier=node.tier),
        annotations=_annotations(
            spec,
            alert,
            f"node {where}: filesystem predicted full within {fill.horizon}",
            f"At its trend over the last {fill.over}, filesystem {where} will be full within "
            f"{fill.horizon}; free space is below {fill.below_percent}%.",
        ),
        kind=kind,
        condition=f"full within {fill.horizon} at its {fill.over} trend",
    )


def _seconds(duration: str) -> int:
    return parse_duration(duration) // 1000
