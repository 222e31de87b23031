"""Outputs: the Plan rendered through Jinja templates, parsed back and validated, other output
targets (Kubernetes, Mimir, Thanos), promtool/amtool, and out/ written or compared.

Other packages import only the names below (the import contracts in pyproject.toml).
"""

from generator.output import targets, tools
from generator.output.drift import compare
from generator.output.drift_targets import target_hint
from generator.output.examples import ExampleFailure, prove_examples
from generator.output.rendering import render, render_outputs
from generator.output.rule_tests import RuleTestOutputs, rule_test_files
from generator.output.validate import (
    check_tests,
    find_problems,
    parse_outputs,
    raise_problems,
    validate_outputs,
)
from generator.output.write import write_outputs

__all__ = [
    "ExampleFailure",
    "RuleTestOutputs",
    "check_tests",
    "compare",
    "find_problems",
    "parse_outputs",
    "prove_examples",
    "raise_problems",
    "render",
    "render_outputs",
    "rule_test_files",
    "target_hint",
    "targets",
    "tools",
    "validate_outputs",
    "write_outputs",
]
