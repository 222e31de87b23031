"""The rule test files on their own: rendered, read back and checked against the rule files
exactly as `render` and `validate_outputs` would, so that the pipeline can do it in a child
process beside the rest of the outputs (pipeline.py, core/forked.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.errors import TemplateError
from generator.output.rendering import (
    environment,
    prometheus_outputs,
    render_one,
    rule_test_outputs,
)
from generator.output.validate import CheckedTests, Parsed, check_tests, parse_output
from generator.plan import Plan


@dataclass(frozen=True)
class RuleTestOutputs:
    """The rule test files rendered, read back and checked."""

    files: dict[str, str]
    checked: CheckedTests


def rule_test_files(plan: Plan, overrides: Path | None = None) -> RuleTestOutputs:
    """`plan`'s rule test files rendered, parsed back and checked against its rule files
    (rendered and parsed here again for that: they are a tenth of the tests' size). A
    template's error is raised (TemplateError)."""
    env = environment(overrides)
    files = {o.path: render_one(env, o, plan) for o in rule_test_outputs(plan)}
    rule_paths = {f.path for f in plan.rule_files}
    parsed: Parsed = {}
    for output in prometheus_outputs(plan):
        if output.path in rule_paths:
            try:
                doc, problem = parse_output(output.path, render_one(env, output, plan))
            except TemplateError:  # the caller renders the rule files too, and reports it
                continue
            if problem is None:
                parsed[output.path] = doc
    problems: dict[str, str | None] = {}
    for path, text in files.items():
        doc, problems[path] = parse_output(path, text)
        if problems[path] is None:
            parsed[path] = doc
    return RuleTestOutputs(files, CheckedTests(problems, check_tests(plan, parsed)))
