"""Spec -> the Prometheus files: recording and alerting rule files, and prometheus.yml."""

from __future__ import annotations

from collections.abc import Sequence

from generator.core import conventions as cv
from generator.prometheus.custom import custom_alerts
from generator.prometheus.health import health_series
from generator.prometheus.infra import (
    datastore_alerts,
    node_alerts,
    node_records,
    postgres_records,
    redis_records,
)
from generator.prometheus.ingestion import cadvisor_relabels, reads_by_job
from generator.prometheus.model import (
    AlertRule,
    Group,
    PrometheusConfig,
    RuleFile,
    ScrapeJob,
    labels,
)
from generator.prometheus.rules import own_records, shared_records
from generator.prometheus.sharing import shared_alerts, shared_regression_alerts
from generator.spec import MetricType, Postgres, Spec


def recording_file(spec: Spec) -> RuleFile:
    """Every recording rule: the services' (shared by every service reading its series through
    its scrape job; ingestion.py), a service's own when it does not, per node and datastore."""
    groups = [
        Group(cv.group(spec.name, cv.SHARED_GROUP_PART, "recording"), tuple(shared_records(spec)))
    ]
    groups += [
        Group(cv.group(spec.name, name, "recording"), tuple(own_records(spec, name, svc)))
        for name, svc in sorted(spec.services.items())
        if not reads_by_job(svc)
    ]
    groups.append(Group(cv.group(spec.name, "node", "recording"), tuple(node_records(spec))))
    for name, store in sorted(spec.datastores.items()):
        records = (
            postgres_records(name, store)
            if isinstance(store, Postgres)
            else redis_records(name, store)
        )
        groups.append(Group(cv.group(spec.name, name, "recording"), tuple(records)))
    return RuleFile(cv.RECORDING_FILE, tuple(groups))


def alerting_file(spec: Spec, watchdog: AlertRule) -> RuleFile:
    """The services' threshold and regression alerts (shared, sharing.py), each service's
    custom alerts, node and datastore alerts, then the `watchdog` in a group of its own."""
    shared = shared_alerts(spec) + shared_regression_alerts(spec)
    groups = [Group(cv.group(spec.name, cv.SHARED_GROUP_PART, "alerts"), tuple(shared))]
    groups += [
        Group(cv.group(spec.name, name, "alerts"), tuple(custom_alerts(spec, name)))
        for name in sorted(spec.services)
    ]
    groups.append(Group(cv.group(spec.name, "node", "alerts"), tuple(node_alerts(spec))))
    for name, store in sorted(spec.datastores.items()):
        groups.append(
            Group(cv.group(spec.name, name, "alerts"), tuple(datastore_alerts(spec, name, store)))
        )
    groups.append(Group(cv.group(spec.name, cv.WATCHDOG_GROUP_PART, "alerts"), (watchdog,)))
    return RuleFile(cv.ALERTS_FILE, tuple(g for g in groups if g.rules))


def _scrape_jobs(spec: Spec) -> tuple[ScrapeJob, ...]:
    jobs = [
        ScrapeJob(
            svc.selector.get("job", name),
            svc.targets,
            labels(service=name, tier=svc.tier),
            svc.metrics_path,
            svc.scheme,
        )
        for name, svc in spec.services.items()
    ]
    cadvisor = spec.exporters.cadvisor
    for exporter in (spec.exporters.node, cadvisor, *spec.datastores.values()):
        jobs.append(
            ScrapeJob(
                exporter.selector["job"],
                exporter.targets,
                metrics_path=exporter.metrics_path,
                scheme=exporter.scheme,
                metric_relabels=cadvisor_relabels(spec) if exporter is cadvisor else (),
            )
        )
    if spec.health.enabled:  # the monitoring's own metrics, for the health alerts
        jobs.append(ScrapeJob(cv.PROMETHEUS_JOB, spec.health.prometheus_targets))
        if spec.prometheus.alertmanagers:
            jobs.append(ScrapeJob(cv.ALERTMANAGER_JOB, spec.prometheus.alertmanagers))
    return tuple(sorted(jobs, key=lambda j: j.name))


def prometheus_config(spec: Spec, rule_files: Sequence[RuleFile]) -> PrometheusConfig:
    """prometheus.yml: scrape jobs, the rule files (relative to it) and the Alertmanagers."""
    config_dir = cv.PROMETHEUS_CONFIG.rsplit("/", 1)[0] + "/"
    return PrometheusConfig(
        path=cv.PROMETHEUS_CONFIG,
        scrape_interval=spec.prometheus.scrape_interval,
        evaluation_interval=spec.prometheus.evaluation_interval,
        external_labels=tuple(sorted(spec.prometheus.external_labels.items())),
        jobs=_scrape_jobs(spec),
        rule_files=tuple(f.path.removeprefix(config_dir) for f in rule_files),
        alertmanagers=spec.prometheus.alertmanagers,
    )


def catalogue_series(spec: Spec) -> frozenset[str]:
    """Raw series names the catalogue declares (histogram/summary suffixes included), and the
    monitoring's own series the health rules read."""
    names: set[str] = set(health_series(spec))
    for name, metric in spec.metrics.items():
        names.add(name)
        if metric.type in (MetricType.histogram, MetricType.summary):
            names.update({f"{name}_sum", f"{name}_count"})
        if metric.type is MetricType.histogram:
            names.add(f"{name}_bucket")
    return frozenset(names)
