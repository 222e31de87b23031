"""The rule test files on their own: rendered and read back as `render` and
`validate_outputs` would, with what they name and expect kept for `check_tests`, so that the
pipeline can do it in a child process beside the rest of the outputs (pipeline.py,
core/forked.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generator.output.rendering import environment, render_one, rule_test_outputs
from generator.output.validate import ReadTests, read_back
from generator.plan import Plan
from generator.promtest import rule_test_facts


@dataclass(frozen=True)
class RuleTestOutputs:
    """The rule test files rendered and read back."""

    files: dict[str, str]
    read: ReadTests


def rule_test_files(plan: Plan, overrides: Path | None = None) -> RuleTestOutputs:
    """`plan`'s rule test files rendered and read back; a template's error is raised
    (TemplateError). Only the facts `check_tests` reads come out of the documents: the
    documents are most of the outputs' size, and would have to be carried back whole."""
    env = environment(overrides)
    files = {o.path: render_one(env, o, plan) for o in rule_test_outputs(plan)}
    parsed, unparsed = read_back(files)
    return RuleTestOutputs(files, ReadTests(unparsed, rule_test_facts(parsed)))
