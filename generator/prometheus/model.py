"""The Prometheus part of the Plan: rules, rule groups, rule files and prometheus.yml, decided.

Templates only lay these out; nothing here is formatted text except annotations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
    # a rule shared by several services (slo_sharing.py): the rule each would have on its own
    views: tuple[RecordingRule, ...] = ()


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
    # a rule shared by several services (sharing.py): the rule each would have on its own,
    # with its service and tier as labels and its name in the annotations, as it fires
    views: tuple[AlertRule, ...] = ()

    def label(self, name: str) -> str:
        """Value of one of the alert's static labels."""
        for key, value in self.labels:
            if key == name:
                return value
        raise KeyError(name)


Rule = RecordingRule | AlertRule


def _service(rule: Rule) -> str:
    return dict(rule.labels)["service"]


def any_of(rules: Sequence[RecordingRule]) -> RecordingRule:
    """Recording rules of one series for disjoint sets of services (one per distinct setting),
    as one rule whose expression is theirs joined by `or`: a series is recorded by one rule
    (promtool refuses two rules of one name and labels), whatever the settings."""
    first = rules[0]
    if len(rules) == 1:
        return first
    assert all(r.record == first.record and r.labels == first.labels for r in rules)
    return RecordingRule(
        first.record, Expr("any_of", {"parts": [r.expr for r in rules]}), first.labels
    )


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
        """Every alerting rule in the file, a shared rule as the rule of each service it
        covers (what fires, per service: catalogue, routing, dashboards)."""
        return [v for r in self.rules_alerting() for v in (r.views or (r,))]

    def rules_alerting(self) -> list[AlertRule]:
        """Every alerting rule in the file as written."""
        return [r for g in self.groups for r in g.rules if isinstance(r, AlertRule)]

    def chosen(self) -> frozenset[str]:
        """The services chosen to stand for the file's shared rules in the generated tests
        (the mapping test covers the others): first covered first, until every shared rule,
        recording or alerting, covers one."""
        chosen: set[str] = set()
        for rule in (r for g in self.groups for r in g.rules):
            if rule.views and not any(_service(v) in chosen for v in rule.views):
                chosen.add(_service(rule.views[0]))
        return frozenset(chosen)

    def representatives(self) -> list[AlertRule]:
        """Every alerting rule in the file, a shared rule as the rules of the chosen services
        (what the generated tests drive): a chosen service brings all its rules, so a test
        sees every alert that service fires."""
        chosen = self.chosen()
        out: list[AlertRule] = []
        for rule in self.rules_alerting():
            out += [v for v in rule.views if v.label("service") in chosen] if rule.views else [rule]
        return out

    def records(self) -> list[RecordingRule]:
        """Every recording rule in the file."""
        return [r for g in self.groups for r in g.rules if isinstance(r, RecordingRule)]


@dataclass(frozen=True)
class Relabel:
    """A `metric_relabel_configs` entry: action replace, separator `;`, regex anchored."""

    source_labels: tuple[str, ...]
    regex: str
    target_label: str
    replacement: str


@dataclass(frozen=True)
class ScrapeJob:
    """A scrape job of prometheus.yml."""

    name: str
    targets: tuple[str, ...]
    labels: Labels = ()
    metrics_path: str = "/metrics"  # Prometheus' default; written only when another
    scheme: str = "http"  # likewise
    metric_relabels: tuple[Relabel, ...] = ()  # cAdvisor's: series -> service (ingestion.py)


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
