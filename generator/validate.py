"""Rendered outputs -> problems: parse back, PromQL parses and reads only known series,
per-kind checks registered by each output kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from generator import yaml_read
from generator.catalogue_check import check_catalogue
from generator.check_rule_tests import check_rule_tests
from generator.errors import OutputError
from generator.grafana_check import check_grafana, check_grafana_schemas
from generator.model import Plan
from generator.promql_check import expression_problem, known_series
from generator.routing_checks import check_alertmanager

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
    known = known_series(plan)
    problems = []
    for rule_file in plan.rule_files:
        for group, name, expr in rule_expressions(parsed.get(rule_file.path)):
            if problem := expression_problem(expr, known):
                problems.append(f"{rule_file.path}: group {group}: {name}: {problem}")
    return problems


# One entry per output kind; each returns human-readable problems.
CHECKERS: list[Checker] = [
    check_rule_files,
    check_rule_tests,
    check_grafana,
    check_alertmanager,
    check_catalogue,
]


# Conformance to obsgen's JSON Schemas: what the built-in templates produce is proven by the
# test suite for every fixture, so `generate` runs these only for template overrides, while
# `check` and `validate` always do (docs/scale.md).
DEEP_CHECKERS: list[Checker] = [
    check_grafana_schemas,
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
