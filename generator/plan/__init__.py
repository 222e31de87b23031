"""The Plan: the spec read whole (its own checks and every domain's) and every domain's part
planned from it, in the order their inputs allow.

Other packages import only the names below (the import contracts in pyproject.toml).
"""

from generator.plan.build import (
    Rules,
    build_plan,
    plan_base,
    plan_readers,
    plan_rules,
    plan_side_files,
    plan_slo_file,
    plan_slos,
    plan_tests_of,
    rules_of,
)
from generator.plan.model import Plan
from generator.plan.read import parse_spec, read_spec

__all__ = [
    "Plan",
    "Rules",
    "build_plan",
    "parse_spec",
    "plan_base",
    "plan_readers",
    "plan_rules",
    "plan_side_files",
    "plan_slo_file",
    "plan_slos",
    "plan_tests_of",
    "read_spec",
    "rules_of",
]
