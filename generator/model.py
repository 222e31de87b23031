"""The Plan: every name, number, window, threshold, label and selector decided.

Templates only lay these out; nothing here is formatted text except annotations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from generator.model_alertmanager import AlertmanagerPlan

if TYPE_CHECKING:  # grafana_model imports Expr from here
    from generator.grafana_model import GrafanaPlan
    from generator.model_catalogue import Catalogue
    from generator.model_slo import SLOPlan
    from generator.model_tests import RuleTestFile

Labels = tuple[tuple[str, str], ...]


def labels(**items: str) -> Labels:
    """Sorted label pairs (order carries no meaning, so output sorts it)."""
    return tuple(sorted(items.items()))


@dataclass(frozen=True)
class Expr:
    """A PromQL expression: the template macro that writes it and its arguments."""

    macro: str
    args: dict[str, Any]


@dataclass(frozen=True)
class RecordingRule:
    """A recording rule."""

    record: str
    expr: Expr
    labels: Labels = ()


@dataclass(frozen=True)
class AlertRule:
    """An alerting rule with the labels and annotations DESIGN.md requires."""

    alert: str
    expr: Expr
    for_: str
    labels: Labels
    annotations: Labels
    kind: str = ""  # what the alert watches: a threshold kind, "regression", "slo", ...
    threshold: Decimal | None = None
    direction: str = "above"  # "above" or "below"
    series: str = ""  # the recorded series the condition reads (for tests and dashboards)
    condition: str = ""  # when it fires, in words, threshold included, `for` not (catalogue)

    def label(self, name: str) -> str:
        """Value of one of the alert's static labels."""
        for key, value in self.labels:
            if key == name:
                return value
        raise KeyError(name)


Rule = RecordingRule | AlertRule


@dataclass(frozen=True)
class Group:
    """A rule group; `interval` None means the global evaluation interval."""

    name: str
    rules: tuple[Rule, ...]
    interval: str | None = None


@dataclass(frozen=True)
class RuleFile:
    """A Prometheus rule file."""

    path: str
    groups: tuple[Group, ...]

    def alerts(self) -> list[AlertRule]:
        """Every alerting rule in the file."""
        return [r for g in self.groups for r in g.rules if isinstance(r, AlertRule)]

    def records(self) -> list[RecordingRule]:
        """Every recording rule in the file."""
        return [r for g in self.groups for r in g.rules if isinstance(r, RecordingRule)]


@dataclass(frozen=True)
class ScrapeJob:
    """A scrape job of prometheus.yml."""

    name: str
    targets: tuple[str, ...]
    labels: Labels = ()


@dataclass(frozen=True)
class PrometheusConfig:
    """prometheus.yml."""

    path: str
    scrape_interval: str
    evaluation_interval: str
    external_labels: Labels
    jobs: tuple[ScrapeJob, ...]
    rule_files: tuple[str, ...]
    alertmanagers: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """Everything obsgen will write, decided."""

    source: str
    system: str
    metrics: frozenset[str]  # raw series the catalogue declares, histogram suffixes included
    rule_files: tuple[RuleFile, ...]
    prometheus: PrometheusConfig
    extra: dict[str, Any] = field(default_factory=dict)
    alertmanager: AlertmanagerPlan | None = None  # routing (plan_alertmanager.py)
    slos: tuple[SLOPlan, ...] = ()  # every SLO with its budget and burn alerts (plan_slo.py)
    tests: tuple[RuleTestFile, ...] = ()  # promtool test files (plan_tests.py)
    grafana: GrafanaPlan | None = None  # dashboards and provisioning (plan_grafana.py)
    catalogue: Catalogue | None = None  # out/ALERTS.md and its plots (plan_catalogue.py)

    def alerts(self) -> list[AlertRule]:
        """Every alerting rule of every rule file."""
        return [a for f in self.rule_files for a in f.alerts()]

    def records(self) -> set[str]:
        """Names of every recording rule."""
        return {r.record for f in self.rule_files for r in f.records()}
