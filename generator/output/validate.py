"""Rendered outputs -> problems: parse back, PromQL parses and reads only known series,
per-kind checks registered by each output kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from generator.alertmanager import check_alertmanager
from generator.catalogue import check_catalogue
from generator.errors import OutputError
from generator.grafana import check_grafana, check_grafana_schemas
from generator.output import yaml_read
from generator.output.shapes import check_shapes
from generator.plan import Plan
from generator.prometheus import expression_problem
from generator.promtest import check_rule_tests

Parsed = dict[str, Any]
Checker = Callable[[Plan, Parsed], list[str]]


def parse_outputs(files: dict[str, str]) -> tuple[Parsed, list[str]]:
    """Parse every YAML/JSON output back; return the documents and parse problems."""
    parsed: Parsed = {}
    problems: list[str] = []
    for path, text in files.items():
        try:
            if path.endswith((".yml", ".yaml")):
                parsed[path] = yaml_read.load(text)  # libyaml events, no node graph
            elif path.endswith(".json"):
                parsed[path] = json.loads(text)
            else:
                parsed[path] = text
        except (yaml.YAMLError, ValueError) as exc:
            problems.append(f"{path}: does not parse back: {exc}")
    return parsed, problems


def rule_expressions(doc: Any) -> list[tuple[str, str, str]]:
    """(group, rule name, expr) of every rule in a Prometheus rule file document."""
    out = []
    if isinstance(doc, dict):
        for group in doc.get("groups") or []:
            for rule in group.get("rules") or []:
                name = rule.get("record") or rule.get("alert") or "?"
                out.append((str(group.get("name")), str(name), str(rule.get("expr", ""))))
    return out


def check_rule_files(plan: Plan, parsed: Parsed) -> list[str]:
    """Every rule expression parses and reads only declared metrics or recorded series."""
    known = plan.known_series()
    problems = []
    for rule_file in plan.rule_files:
        for group, name, expr in rule_expressions(parsed.get(rule_file.path)):
            if problem := expression_problem(expr, known):
                problems.append(f"{rule_file.path}: group {group}: {name}: {problem}")
    return problems


# One entry per output kind; each returns human-readable problems.
CHECKERS: list[Checker] = [
    check_shapes,
    check_rule_files,
    lambda plan, parsed: check_rule_tests(plan.rule_files, parsed),
    lambda plan, parsed: check_grafana(plan.grafana, plan.known_series(), parsed),
    lambda plan, parsed: check_alertmanager(
        plan.alertmanager, plan.alerts(), plan.prometheus.external_labels, parsed
    ),
    lambda plan, parsed: check_catalogue(plan.catalogue, plan.alerts(), parsed),
]


# Conformance to obsgen's JSON Schemas: what the built-in templates produce is proven by the
# test suite for every fixture, so `generate` runs these only for template overrides, while
# `check` and `validate` always do (docs/scale.md).
DEEP_CHECKERS: list[Checker] = [
    lambda plan, parsed: check_grafana_schemas(plan.grafana, parsed),
]


def validate_outputs(plan: Plan, files: dict[str, str], deep: bool = True) -> Parsed:
    """Raise OutputError listing every problem of the rendered outputs; return them parsed.
    `deep` adds the schema conformance checks (DEEP_CHECKERS)."""
    parsed, problems = parse_outputs(files)
    if not problems:
        for checker in CHECKERS + (DEEP_CHECKERS if deep else []):
            problems.extend(checker(plan, parsed))
    if problems:
        raise OutputError(problems)
    return parsed
