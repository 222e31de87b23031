"""Rendered outputs -> problems: parse back, PromQL parses and reads only known series,
per-kind checks registered by each output kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
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
from generator.promtest import RuleTestFacts, check_rule_tests, rule_test_coverage

Parsed = dict[str, Any]
Checker = Callable[[Plan, Parsed], list[str]]


def parse_outputs(files: dict[str, str]) -> tuple[Parsed, list[str]]:
    """Parse every YAML/JSON output back; return the documents and parse problems."""
    parsed, unparsed = read_back(files)
    return parsed, list(unparsed.values())


def read_back(files: dict[str, str]) -> tuple[Parsed, dict[str, str]]:
    """Every output parsed back: the documents, and the problem of each that does not
    parse, in the files' order."""
    parsed: Parsed = {}
    unparsed: dict[str, str] = {}
    for path, text in files.items():
        doc, problem = parse_output(path, text)
        if problem is None:
            parsed[path] = doc
        else:
            unparsed[path] = problem
    return parsed, unparsed


def parse_output(path: str, text: str) -> tuple[Any, str | None]:
    """One output parsed back, or the problem of one that does not parse."""
    try:
        if path.endswith((".yml", ".yaml")):
            return yaml_read.load(text), None  # libyaml events, no node graph
        if path.endswith(".json"):
            return json.loads(text), None
        return text, None
    except (yaml.YAMLError, ValueError) as exc:
        return None, f"{path}: does not parse back: {exc}"


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


def check_tests(plan: Plan, parsed: Parsed) -> list[str]:
    """The rule test files name only written rule files; every alert has a firing case."""
    return check_rule_tests(plan.rule_files, parsed)


# One entry per output kind; each returns human-readable problems.
CHECKERS: list[Checker] = [
    check_shapes,
    check_rule_files,
    check_tests,
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


@dataclass(frozen=True)
class ReadTests:
    """The rule test files read back elsewhere (output/rule_tests.py): the problem of each
    that does not parse, and what the others name and expect, which `check_tests` checks."""

    unparsed: dict[str, str]
    facts: RuleTestFacts


@dataclass(frozen=True)
class Findings:
    """Outputs read back and checked, their problems not yet raised: the documents, each
    unreadable file's problem, and each checker's problems (by place in the list of
    checkers; none when a file did not parse, as then no checker runs)."""

    parsed: Parsed
    unparsed: dict[str, str]
    found: dict[int, list[str]]


def _checkers(deep: bool) -> list[Checker]:
    return CHECKERS + (DEEP_CHECKERS if deep else [])


def find_problems(
    plan: Plan, files: dict[str, str], deep: bool = True, skip: Checker | None = None
) -> Findings:
    """Read every output back and run every checker but `skip` on them."""
    parsed, unparsed = read_back(files)
    found: dict[int, list[str]] = {}
    if not unparsed:
        for place, checker in enumerate(_checkers(deep)):
            if checker is not skip:
                found[place] = checker(plan, parsed)
    return Findings(parsed, unparsed, found)


def raise_problems(
    plan: Plan,
    files: dict[str, str],
    findings: Findings,
    deep: bool,
    tests: ReadTests | None = None,
) -> None:
    """Raise OutputError listing every problem found, as `validate_outputs` lists them: the
    files that do not parse back, in path order, else each checker's problems in turn.
    With `tests`, the rule test files were read back elsewhere: their parse problems and
    `check_tests` come from what was read there."""
    unparsed = {**findings.unparsed, **(tests.unparsed if tests is not None else {})}
    problems = [unparsed[path] for path in files if path in unparsed]
    if not problems:
        for place, checker in enumerate(_checkers(deep)):
            if tests is not None and checker is check_tests:
                found = rule_test_coverage(plan.rule_files, findings.parsed, tests.facts, files)
            else:
                found = findings.found[place]
            problems.extend(found)
    if problems:
        raise OutputError(problems)


def validate_outputs(plan: Plan, files: dict[str, str], deep: bool = True) -> Parsed:
    """Raise OutputError listing every problem of the rendered outputs; return them parsed.
    `deep` adds the schema conformance checks (DEEP_CHECKERS)."""
    findings = find_problems(plan, files, deep)
    raise_problems(plan, files, findings, deep)
    return findings.parsed
