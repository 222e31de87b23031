"""The Plan: everything obsgen will write, decided; each domain's part is its own dataclass."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.alertmanager import AlertmanagerPlan
from generator.catalogue import Catalogue
from generator.grafana import GrafanaPlan
from generator.prometheus import AlertRule, PrometheusConfig, RuleFile, SLOPlan, known_series
from generator.promtest import RuleTestFile
from generator.spec import KubernetesSettings, MimirSettings


@dataclass(frozen=True)
class Plan:
    """Everything obsgen will write, decided."""

    source: str
    system: str
    metrics: frozenset[str]  # raw series the catalogue declares, histogram suffixes included
    rule_files: tuple[RuleFile, ...]
    prometheus: PrometheusConfig
    extra: dict[str, Any] = field(default_factory=dict)
    alertmanager: AlertmanagerPlan | None = None  # routing (alertmanager/plan.py)
    slos: tuple[SLOPlan, ...] = ()  # every SLO with its budget and burn alerts (prometheus/slo.py)
    tests: tuple[RuleTestFile, ...] = ()  # promtool test files (promtest/plan.py)
    grafana: GrafanaPlan | None = None  # dashboards and provisioning (grafana/plan.py)
    catalogue: Catalogue | None = None  # out/ALERTS.md and its plots (catalogue/plan.py)
    # settings of the Kubernetes and Mimir targets (output/kubernetes.py, output/mimir.py)
    kubernetes: KubernetesSettings = field(default_factory=KubernetesSettings)
    mimir: MimirSettings = field(default_factory=MimirSettings)

    def alerts(self) -> list[AlertRule]:
        """Every alerting rule of every rule file."""
        return [a for f in self.rule_files for a in f.alerts()]

    def records(self) -> set[str]:
        """Names of every recording rule."""
        return {r.record for f in self.rule_files for r in f.records()}

    def known_series(self) -> frozenset[str]:
        """Every series an output may read: declared, recorded, or Prometheus' own."""
        return known_series(self.metrics, self.records())
