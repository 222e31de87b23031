"""Spec -> Plan (pure): every rule file, group and scrape job obsgen will write."""

from __future__ import annotations

from generator import conventions as cv
from generator.model import Group, Plan, PrometheusConfig, RuleFile, ScrapeJob, labels
from generator.plan_alertmanager import plan_alertmanager, watchdog_rule
from generator.plan_catalogue import plan_catalogue
from generator.plan_grafana import plan_grafana
from generator.plan_infra import (
    datastore_alerts,
    node_alerts,
    node_records,
    postgres_records,
    redis_records,
)
from generator.plan_regression import regression_alerts
from generator.plan_rules import service_alerts, service_records
from generator.plan_slo import slo_plans, slo_rule_file
from generator.plan_tests import plan_tests
from generator.spec import MetricType, Postgres, Spec


def _recording(spec: Spec) -> RuleFile:
    groups = [
        Group(cv.group(spec.name, name, "recording"), tuple(service_records(spec, name, svc)))
        for name, svc in sorted(spec.services.items())
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


def _alerting(spec: Spec) -> RuleFile:
    groups = [
        Group(
            cv.group(spec.name, name, "alerts"),
            tuple(service_alerts(spec, name, svc) + regression_alerts(spec, name, svc)),
        )
        for name, svc in sorted(spec.services.items())
    ]
    groups.append(Group(cv.group(spec.name, "node", "alerts"), tuple(node_alerts(spec))))
    for name, store in sorted(spec.datastores.items()):
        groups.append(
            Group(cv.group(spec.name, name, "alerts"), tuple(datastore_alerts(spec, name, store)))
        )
    groups.append(
        Group(cv.group(spec.name, cv.WATCHDOG_GROUP_PART, "alerts"), (watchdog_rule(spec),))
    )
    return RuleFile(cv.ALERTS_FILE, tuple(g for g in groups if g.rules))


def _scrape_jobs(spec: Spec) -> tuple[ScrapeJob, ...]:
    jobs = [
        ScrapeJob(svc.selector.get("job", name), svc.targets, labels(service=name, tier=svc.tier))
        for name, svc in spec.services.items()
    ]
    for exporter in (spec.exporters.node, spec.exporters.cadvisor):
        jobs.append(ScrapeJob(exporter.selector["job"], exporter.targets))
    for store in spec.datastores.values():
        jobs.append(ScrapeJob(store.selector["job"], store.targets))
    return tuple(sorted(jobs, key=lambda j: j.name))


def catalogue_series(spec: Spec) -> frozenset[str]:
    """Raw series names the catalogue declares (histogram/summary suffixes included)."""
    names: set[str] = set()
    for name, metric in spec.metrics.items():
        names.add(name)
        if metric.type in (MetricType.histogram, MetricType.summary):
            names.update({f"{name}_sum", f"{name}_count"})
        if metric.type is MetricType.histogram:
            names.add(f"{name}_bucket")
    return frozenset(names)


def build_plan(spec: Spec, source: str) -> Plan:
    """Decide every output of `spec`; `source` is the spec path named in headers."""
    slos = slo_plans(spec)
    rule_files = (_recording(spec), _alerting(spec), slo_rule_file(spec, slos))
    config_dir = cv.PROMETHEUS_CONFIG.rsplit("/", 1)[0] + "/"
    prometheus = PrometheusConfig(
        path=cv.PROMETHEUS_CONFIG,
        scrape_interval=spec.prometheus.scrape_interval,
        evaluation_interval=spec.prometheus.evaluation_interval,
        external_labels=tuple(sorted(spec.prometheus.external_labels.items())),
        jobs=_scrape_jobs(spec),
        rule_files=tuple(f.path.removeprefix(config_dir) for f in rule_files),
        alertmanagers=spec.prometheus.alertmanagers,
    )
    alertmanager = plan_alertmanager(spec, [a for f in rule_files for a in f.alerts()])
    return Plan(
        source=source,
        system=spec.name,
        metrics=catalogue_series(spec),
        rule_files=rule_files,
        prometheus=prometheus,
        slos=tuple(slos),
        tests=plan_tests(spec, rule_files, slos),
        alertmanager=alertmanager,
        catalogue=plan_catalogue(spec, rule_files, slos, alertmanager),
        grafana=plan_grafana(spec, rule_files, slos),
    )
