"""Spec -> Plan (pure): each domain plans its part, in the order their inputs allow.

The rule files come first (`plan_rules`, `plan_base`); then the rule tests proving them
(`plan_tests_of`) and what reads them (`plan_readers`: routing, catalogue, dashboards).
The pipeline plans side by side what reads only what is planned before it (pipeline.py):
the SLOs' rule file and the others (`plan_slo_file`, `plan_side_files`), then the tests
and their readers.
"""

from __future__ import annotations

import dataclasses

from generator.alertmanager import plan_alertmanager, watchdog_rule
from generator.catalogue import plan_catalogue
from generator.grafana import plan_grafana
from generator.plan.model import Plan
from generator.prometheus import (
    RuleFile,
    SLOPlan,
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


@dataclasses.dataclass(frozen=True)
class Rules:
    """The rule files and the SLOs they implement: what every later step reads."""

    slos: tuple[SLOPlan, ...]
    files: tuple[RuleFile, ...]


@dataclasses.dataclass(frozen=True)
class SideFiles:
    """The rule files beside the SLOs' own: they read no SLO, so they can be planned apart
    from it (the pipeline plans both side by side)."""

    recording: RuleFile
    alerting: RuleFile
    health: RuleFile | None


def plan_rules(spec: Spec) -> Rules:
    """Every rule file of `spec`, with its SLOs."""
    slos = plan_slos(spec)
    return rules_of(slos, plan_side_files(spec), plan_slo_file(spec, slos))


def plan_slos(spec: Spec) -> tuple[SLOPlan, ...]:
    """Every SLO of every service it covers: the first thing `plan_rules` plans."""
    return tuple(slo_plans(spec))


def plan_side_files(spec: Spec) -> SideFiles:
    """The recording, alerting and health rule files, planned (and failing) in that order:
    after the SLOs and before the SLOs' file, as `plan_rules` plans them."""
    health = health_file(spec)
    return SideFiles(recording_file(spec), alerting_file(spec, watchdog_rule(spec)), health)


def plan_slo_file(spec: Spec, slos: tuple[SLOPlan, ...]) -> RuleFile:
    """The SLOs' rule file: the last one `plan_rules` plans."""
    return slo_rule_file(spec, slos)


def rules_of(slos: tuple[SLOPlan, ...], side: SideFiles, slo_file: RuleFile) -> Rules:
    """The rule files in the order they are written and read: recording, alerting, SLO,
    health."""
    health = (side.health,) if side.health else ()
    return Rules(slos, (side.recording, side.alerting, slo_file, *health))


def plan_base(spec: Spec, source: str, rules: Rules) -> Plan:
    """The Plan of the rule files alone (and prometheus.yml); `source` is the spec path
    named in headers. `plan_tests_of` and `plan_readers` each add their part to it."""
    return Plan(
        source=source,
        system=spec.name,
        metrics=catalogue_series(spec),
        rule_files=rules.files,
        prometheus=prometheus_config(spec, rules.files),
        slos=rules.slos,
        kubernetes=spec.kubernetes,
        mimir=spec.mimir,
    )


def plan_tests_of(spec: Spec, base: Plan) -> Plan:
    """`base` with the rule tests proving its rules."""
    return dataclasses.replace(base, tests=plan_tests(spec, base.rule_files, base.slos))


def plan_readers(spec: Spec, base: Plan) -> Plan:
    """`base` with what reads its rules: routing, catalogue and dashboards."""
    alertmanager = plan_alertmanager(spec, base.alerts())
    return dataclasses.replace(
        base,
        alertmanager=alertmanager,
        catalogue=plan_catalogue(spec, base.rule_files, base.slos, alertmanager),
        grafana=plan_grafana(spec, base.rule_files, base.slos),
    )


def build_plan(spec: Spec, source: str) -> Plan:
    """Decide every output of `spec`; `source` is the spec path named in headers."""
    base = plan_base(spec, source, plan_rules(spec))
    # the tests first: a problem with an alert's own numbers is reported before its routing
    tested = plan_tests_of(spec, base)
    return dataclasses.replace(plan_readers(spec, base), tests=tested.tests)
