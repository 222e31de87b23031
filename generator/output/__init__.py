"""Outputs: the Plan rendered through Jinja templates, parsed back and validated, other output
targets (Kubernetes, Mimir, Thanos), promtool/amtool, and out/ written or compared.

Other packages import only the names below (the import contracts in pyproject.toml).
"""

from generator.output import targets, tools
from generator.output.drift import compare
from generator.output.drift_targets import target_hint
from generator.output.examples import ExampleFailure, prove_examples
from generator.output.rendering import render, render_outputs
from generator.output.validate import parse_outputs, validate_outputs
from generator.output.write import write_outputs

__all__ = [
    "ExampleFailure",
    "compare",
    "parse_outputs",
    "prove_examples",
    "render",
    "render_outputs",
    "target_hint",
    "targets",
    "tools",
    "validate_outputs",
    "write_outputs",
]
