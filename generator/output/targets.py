"""Output targets beyond plain files: Kubernetes objects (Prometheus Operator, Grafana
sidecar), Mimir rule namespaces and Thanos rule files, from the same plan.

`files` is today's layout. Every other target is planned here from the plan's rule groups
(split per service) and from the already-rendered dashboards and Alertmanager config, and
validated: its rule groups, with the target's own keys stripped, are plain Prometheus rule
groups (PromQL checks here, promtool in `validate` and the tests); Kubernetes objects pass
our schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from generator.output.rendering import Output
from generator.plan import Plan
from generator.prometheus import Group

TARGETS = ("files", "kubernetes", "mimir", "thanos")
SCHEMA = Path(__file__).resolve().parent / "schemas" / "kubernetes.schema.json"
# Thanos evaluates rules over StoreAPI data; abort on a partial response, so a missing store
# cannot silently turn an alert off (or a ratio's denominator into a false page).
THANOS_PARTIAL_RESPONSE = "abort"
# target-specific keys stripped before promtool sees a target's rule groups
TARGET_GROUP_KEYS = ("partial_response_strategy",)

TargetPlanner = Callable[[Plan, dict[str, str]], list[Output]]


def owner(group: Group, system: str) -> str:
    """The service a rule group belongs to: the `service` label all its rules carry."""
    services = {dict(rule.labels).get("service") for rule in group.rules}
    only = services.pop() if len(services) == 1 else None
    return only or system


def groups_by_owner(plan: Plan) -> dict[str, list[Group]]:
    """Every rule group of the plan, per owning service, in rule-file order."""
    owned: dict[str, list[Group]] = {}
    for rule_file in plan.rule_files:
        for group in rule_file.groups:
            owned.setdefault(owner(group, plan.system), []).append(group)
    return dict(sorted(owned.items()))


def object_name(system: str, service: str) -> str:
    """Kubernetes object name of a service's rules: `<system>-<service>`, unless the service
    name already starts with the system's (duri-core, not duri-duri-core)."""
    return (
        service if service.startswith(f"{system}-") or service == system else f"{system}-{service}"
    )


def _labels(plan: Plan, **extra: str) -> tuple[tuple[str, str], ...]:
    base = {"app.kubernetes.io/managed-by": "obsgen", "app.kubernetes.io/part-of": plan.system}
    return tuple(sorted({**base, **extra}.items()))


def _secret_files(config_text: str) -> list[str]:
    import yaml

    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("_file") and isinstance(value, str):
                    found.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(config_text))
    return sorted(found)


def kubernetes_outputs(plan: Plan, files: dict[str, str]) -> list[Output]:
    """PrometheusRule per service, dashboard ConfigMaps, the Alertmanager config Secret."""
    outputs = [
        Output(
            f"kubernetes/prometheusrules/{object_name(plan.system, service)}.yaml",
            "kubernetes/prometheusrule.yaml.j2",
            {
                "name": object_name(plan.system, service),
                "groups": groups,
                "labels": _labels(plan),
            },
        )
        for service, groups in groups_by_owner(plan).items()
    ]
    for path, text in files.items():
        if path.startswith("grafana/dashboards/") and path.endswith(".json"):
            stem = PurePosixPath(path).stem
            outputs.append(
                Output(
                    f"kubernetes/dashboards/{stem}.yaml",
                    "kubernetes/dashboard-configmap.yaml.j2",
                    {
                        "name": f"grafana-dashboard-{stem}",
                        "key": f"{stem}.json",
                        "text": text,
                        "labels": _labels(plan, grafana_dashboard="1"),
                    },
                )
            )
    am = plan.alertmanager
    if am is not None and am.path in files:
        outputs.append(
            Output(
                "kubernetes/alertmanager-secret.yaml",
                "kubernetes/alertmanager-secret.yaml.j2",
                {
                    "name": f"alertmanager-{plan.system}",
                    "text": files[am.path],
                    "secret_files": _secret_files(files[am.path]),
                    "labels": _labels(plan),
                },
            )
        )
    return outputs


def mimir_outputs(plan: Plan, files: dict[str, str]) -> list[Output]:
    """One Mimir rule namespace file per service (`mimirtool rules load`)."""
    return [
        Output(
            f"mimir/{service}.yml",
            "mimir/namespace.yml.j2",
            {"namespace": service, "groups": groups, "path": f"mimir/{service}.yml"},
        )
        for service, groups in groups_by_owner(plan).items()
    ]


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
        return rule_file_problems(
            path, doc, groups_by_owner(plan).get(PurePosixPath(path).stem, [])
        )
    if path.startswith("thanos/"):
        planned = [f.groups for f in plan.rule_files if PurePosixPath(f.path).name == name]
        return rule_file_problems(path, doc, planned[0] if planned else ())
    return []


def check_targets(plan: Plan, parsed: dict[str, Any]) -> list[str]:
    """Kubernetes objects against our schema; every target rule expression parses and reads
    only declared metrics or recorded series."""
    import jsonschema

    from generator.prometheus import expression_problem

    problems: list[str] = []
    schema = json.loads(SCHEMA.read_text())
    defs = schema["$defs"]
    known = plan.known_series()
    for path, doc in sorted(parsed.items()):
        if path.startswith("kubernetes/"):
            kind = doc.get("kind") if isinstance(doc, dict) else None
            if kind not in ("PrometheusRule", "ConfigMap", "Secret"):
                problems.append(f"{path}: kind {kind!r} is not an object obsgen emits")
                continue
            # validate against the object's own definition: a oneOf would hide the detail
            validator = jsonschema.Draft202012Validator({"$defs": defs, "$ref": f"#/$defs/{kind}"})
            for error in validator.iter_errors(doc):
                where = "/".join(str(p) for p in error.absolute_path)
                problems.append(f"{path}: {where}: {error.message}")
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
