"""The shape of outputs no other check reads whole: rule files and prometheus.yml.

A template override may change how a rule or a scrape job is written, never which ones
exist: a `prometheus.yml.j2` rendering `just: text`, or a `rules.yml.j2` dropping a group,
is refused here instead of written (the other output kinds are read back whole by their
own checks: alertmanager/, grafana/, catalogue/, promtest/, the Kubernetes schema).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.plan import Plan
from generator.prometheus import Group

RuleNames = list[tuple[str, list[tuple[str, str]]]]


def _rule_names(path: str, doc: Any) -> RuleNames | str:
    """(group name, [(record|alert, name)]) of a rule file document, or what is wrong."""
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        return f"{path}: not a rule file (a mapping holding a list of groups)"
    found: RuleNames = []
    for i, group in enumerate(doc["groups"]):
        if not (
            isinstance(group, dict)
            and isinstance(group.get("name"), str)
            and isinstance(group.get("rules"), list)
        ):
            return f"{path}: groups[{i}] is not a rule group with a name and a list of rules"
        names: list[tuple[str, str]] = []
        for j, rule in enumerate(group["rules"]):
            kinds = [k for k in ("record", "alert") if isinstance(rule, dict) and k in rule]
            if len(kinds) != 1 or not isinstance(rule[kinds[0]], str) or "expr" not in rule:
                return (
                    f"{path}: groups[{i}].rules[{j}] is not a rule with an expr and either "
                    "record or alert"
                )
            names.append((kinds[0], rule[kinds[0]]))
        found.append((group["name"], names))
    return found


def rule_file_problems(path: str, doc: Any, planned: Sequence[Group]) -> list[str]:
    """Whether a rendered rule file holds exactly the planned groups and rules, in order."""
    found = _rule_names(path, doc)
    if isinstance(found, str):
        return [found]
    want: RuleNames = [
        (
            g.name,
            [
                ("alert", r.alert) if hasattr(r, "alert") else ("record", getattr(r, "record", ""))
                for r in g.rules
            ],
        )
        for g in planned
    ]
    if [name for name, _ in found] != [name for name, _ in want]:
        return [
            f"{path}: holds groups {[name for name, _ in found]}, "
            f"planned {[name for name, _ in want]}"
        ]
    for (name, rules), (_, planned_rules) in zip(found, want, strict=True):
        if rules != planned_rules:
            missing = [n for _, n in planned_rules if n not in {m for _, m in rules}]
            extra = [n for _, n in rules if n not in {m for _, m in planned_rules}]
            detail = f"missing {missing}, unplanned {extra}" if missing or extra else "reordered"
            return [f"{path}: group {name}: its rules differ from the plan's ({detail})"]
    return []


def prometheus_config_problems(plan: Plan, parsed: dict[str, Any]) -> list[str]:
    """prometheus.yml holds the planned intervals, rule files, Alertmanagers and jobs."""
    config = plan.prometheus
    path, doc = config.path, parsed.get(config.path)
    if not isinstance(doc, dict):
        return [f"{path}: not a Prometheus configuration (a mapping)"]
    problems = []
    glob = doc.get("global")
    for key in ("scrape_interval", "evaluation_interval"):
        planned = getattr(config, key)
        if not isinstance(glob, dict) or str(glob.get(key)) != planned:
            problems.append(f"{path}: global.{key} is not the planned {planned}")
    rule_files = doc.get("rule_files")
    if not isinstance(rule_files, list) or not set(config.rule_files) <= set(rule_files):
        problems.append(f"{path}: rule_files does not list {', '.join(config.rule_files)}")
    if not isinstance(doc.get("alerting"), dict):
        problems.append(f"{path}: no alerting section (the planned Alertmanagers)")
    jobs = doc.get("scrape_configs")
    names = (
        {j.get("job_name") for j in jobs if isinstance(j, dict)}
        if isinstance(jobs, list)
        else set()
    )
    missing = [job.name for job in config.jobs if job.name not in names]
    if missing:
        problems.append(f"{path}: scrape_configs lacks the planned jobs {', '.join(missing)}")
    return problems


def check_shapes(plan: Plan, parsed: dict[str, Any]) -> list[str]:
    """Rule files and prometheus.yml against the plan (a checker of output/validate.py)."""
    problems = prometheus_config_problems(plan, parsed)
    for rule_file in plan.rule_files:
        problems += rule_file_problems(rule_file.path, parsed.get(rule_file.path), rule_file.groups)
    return problems
