"""Output targets beyond plain files: Kubernetes objects (Prometheus Operator, Grafana
sidecars; kubernetes.py), Mimir rule namespaces (mimir.py) and Thanos rule files, from the
same plan.

`files` is today's layout. Every other target is planned from the plan's rule groups (split
per service) and from the already-rendered dashboards and Alertmanager config, and
validated: its rule groups, with the target's own keys stripped, are plain Prometheus rule
groups (PromQL checks here, promtool in `validate` and the tests); Kubernetes objects pass
our schema of the upstream kinds; Mimir namespaces fit the tenant's ruler limits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import PurePosixPath
from typing import Any

from generator.output.kubernetes import check_objects, kubernetes_outputs
from generator.output.mimir import check_limits, mimir_outputs, namespaces
from generator.output.rendering import Output
from generator.plan import Plan

TARGETS = ("files", "kubernetes", "mimir", "thanos")
# Thanos evaluates rules over StoreAPI data; abort on a partial response, so a missing store
# cannot silently turn an alert off (or a ratio's denominator into a false page).
THANOS_PARTIAL_RESPONSE = "abort"
# target-specific keys stripped before promtool sees a target's rule groups
TARGET_GROUP_KEYS = ("partial_response_strategy",)

TargetPlanner = Callable[[Plan, dict[str, str]], list[Output]]


def thanos_outputs(plan: Plan, files: dict[str, str]) -> list[Output]:
    """The rule files for Thanos Ruler, with a partial response strategy per group."""
    return [
        Output(
            "thanos/" + PurePosixPath(f.path).name,
            "thanos/rules.yml.j2",
            {"groups": f.groups, "strategy": THANOS_PARTIAL_RESPONSE},
        )
        for f in plan.rule_files
    ]


PLANNERS: dict[str, TargetPlanner] = {
    "kubernetes": kubernetes_outputs,
    "mimir": mimir_outputs,
    "thanos": thanos_outputs,
}


def rule_groups(path: str, doc: Any) -> list[dict[str, Any]]:
    """The plain Prometheus rule groups a target file holds, target keys stripped."""
    if not isinstance(doc, dict):
        return []
    if path.startswith("kubernetes/") and doc.get("kind") == "PrometheusRule":
        groups = doc.get("spec", {}).get("groups", [])
    elif path.startswith(("mimir/", "thanos/")):
        groups = doc.get("groups", [])
    else:
        return []
    return [{k: v for k, v in g.items() if k not in TARGET_GROUP_KEYS} for g in groups]


def _target_rule_shape(plan: Plan, path: str, doc: Any) -> list[str]:
    """A Mimir namespace or Thanos rule file holds exactly its planned groups and rules."""
    from generator.output.shapes import rule_file_problems

    name = PurePosixPath(path).name
    if path.startswith("mimir/"):
        return rule_file_problems(path, doc, namespaces(plan).get(PurePosixPath(path).stem, []))
    if path.startswith("thanos/"):
        planned = [f.groups for f in plan.rule_files if PurePosixPath(f.path).name == name]
        return rule_file_problems(path, doc, planned[0] if planned else ())
    return []


def check_targets(plan: Plan, parsed: dict[str, Any]) -> list[str]:
    """Kubernetes objects against our schema, Mimir files against the tenant's limits; every
    target rule expression parses and reads only declared metrics or recorded series."""
    from generator.prometheus import expression_problem

    problems = check_objects(parsed) + check_limits(plan, parsed)
    known = plan.known_series()
    for path, doc in sorted(parsed.items()):
        problems += _target_rule_shape(plan, path, doc)
        for group in rule_groups(path, doc):
            for rule in group.get("rules", []):
                name = rule.get("record") or rule.get("alert")
                if problem := expression_problem(str(rule.get("expr")), known):
                    problems.append(f"{path}: group {group.get('name')}: {name}: {problem}")
    return problems


def selected(targets: Iterable[str]) -> tuple[str, ...]:
    """Targets in canonical order, without repeats."""
    chosen = set(targets) or {"files"}
    return tuple(t for t in TARGETS if t in chosen)
