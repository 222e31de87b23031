"""Checks of the generated promtool test files against the rendered rule files.

promtool only warns when a test file names a rule file that does not exist, and nothing in
promtool notices an alert without a test: these checks make both an error.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from generator.prometheus import RuleFile

Parsed = dict[str, Any]


def rule_alerts(doc: Any) -> list[tuple[str, dict[str, str]]]:
    """(alert name, static labels) of every alerting rule of a rule file document."""
    out = []
    for group in (doc or {}).get("groups") or []:
        for rule in group.get("rules") or []:
            if "alert" in rule:
                labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
                out.append((str(rule["alert"]), labels))
    return out


def firing_cases(doc: Any) -> list[tuple[str, dict[str, str]]]:
    """(alert name, expected labels) of every alert a test file expects to fire."""
    out = []
    for group in (doc or {}).get("tests") or []:
        for case in group.get("alert_rule_test") or []:
            for alert in case.get("exp_alerts") or []:
                labels = {str(k): str(v) for k, v in (alert.get("exp_labels") or {}).items()}
                out.append((str(case.get("alertname")), labels))
    return out


def is_test_file(path: str, doc: Any) -> bool:
    """Whether an output is a promtool test file."""
    return (
        path.endswith(".yml") and isinstance(doc, dict) and "tests" in doc and "rule_files" in doc
    )


@dataclass(frozen=True)
class RuleTestFacts:
    """What the test files of an output set name and expect: each named rule file, as
    (test file, name as written, path under out/), and each firing case."""

    named: tuple[tuple[str, str, str], ...]
    cases: tuple[tuple[str, dict[str, str]], ...]


def rule_test_facts(parsed: Parsed) -> RuleTestFacts:
    """The facts of every test file among `parsed` (the rest is ignored)."""
    named: list[tuple[str, str, str]] = []
    cases: list[tuple[str, dict[str, str]]] = []
    for path, doc in sorted(parsed.items()):
        if not is_test_file(path, doc):
            continue
        for name in doc["rule_files"]:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), str(name)))
            named.append((path, str(name), target))
        cases += firing_cases(doc)
    return RuleTestFacts(tuple(named), tuple(cases))


def rule_test_coverage(
    rule_files: Sequence[RuleFile], parsed: Parsed, facts: RuleTestFacts, written: Collection[str]
) -> list[str]:
    """Each test file names only rule files among the outputs `written`; each alert of the
    rule files (their documents among `parsed`) has a firing case."""
    problems = [
        f"{path}: names rule file {name}, which obsgen does not write"
        for path, name, target in facts.named
        if target not in written
    ]
    covered = _Coverage(list(facts.cases))
    for rule_file in rule_files:
        for name, labels in rule_alerts(parsed.get(rule_file.path)):
            if not covered(name, labels):
                shown = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))
                problems.append(f"{rule_file.path}: alert {name} ({shown}) has no firing test")
    return problems


def check_rule_tests(rule_files: Sequence[RuleFile], parsed: Parsed) -> list[str]:
    """Each test file names only existing rule files; each alert has a firing case."""
    return rule_test_coverage(rule_files, parsed, rule_test_facts(parsed), parsed)


class _Coverage:
    """Whether some firing case of an alert carries all of a rule's static labels: the
    cases projected once per alert name and label names, so each rule is one lookup."""

    def __init__(self, cases: list[tuple[str, dict[str, str]]]) -> None:
        self.cases = cases
        self.seen: dict[tuple[str, tuple[str, ...]], set[tuple[str, ...]]] = {}

    def __call__(self, name: str, labels: dict[str, str]) -> bool:
        keys = tuple(sorted(labels))
        if (name, keys) not in self.seen:
            self.seen[(name, keys)] = {
                tuple(exp[k] for k in keys)
                for n, exp in self.cases
                if n == name and all(k in exp for k in keys)
            }
        return tuple(labels[k] for k in keys) in self.seen[(name, keys)]
