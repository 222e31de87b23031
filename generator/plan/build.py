"""Spec -> Plan (pure): each domain plans its part, in the order their inputs allow."""

from __future__ import annotations

from generator.alertmanager import plan_alertmanager, watchdog_rule
from generator.catalogue import plan_catalogue
from generator.grafana import plan_grafana
from generator.plan.model import Plan
from generator.prometheus import (
    alerting_file,
    catalogue_series,
    health_file,
    prometheus_config,
    recording_file,
    slo_plans,
    slo_rule_file,
)
from generator.promtest import plan_tests
from generator.spec import Spec


def build_plan(spec: Spec, source: str) -> Plan:
    """Decide every output of `spec`; `source` is the spec path named in headers."""
    slos = slo_plans(spec)
    health = health_file(spec)
    rule_files = (
        recording_file(spec),
        alerting_file(spec, watchdog_rule(spec)),
        slo_rule_file(spec, slos),
        *([health] if health else []),
    )
    # the tests first: a problem with an alert's own numbers is reported before its routing
    tests = plan_tests(spec, rule_files, slos)
    alertmanager = plan_alertmanager(spec, [a for f in rule_files for a in f.alerts()])
    return Plan(
        source=source,
        system=spec.name,
        metrics=catalogue_series(spec),
        rule_files=rule_files,
        prometheus=prometheus_config(spec, rule_files),
        slos=tuple(slos),
        tests=tests,
        alertmanager=alertmanager,
        catalogue=plan_catalogue(spec, rule_files, slos, alertmanager),
        grafana=plan_grafana(spec, rule_files, slos),
        kubernetes=spec.kubernetes,
        mimir=spec.mimir,
    )
