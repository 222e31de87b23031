"""Generated `promtool test rules` files: the cases that prove every alert, the input series
that drive them, the SLO model predicting when burn alerts fire, and their checks.

Other packages import only the names below (the import contracts in pyproject.toml).
"""

from generator.promtest.cases import Ctx
from generator.promtest.check import (
    RuleTestFacts,
    check_rule_tests,
    rule_test_coverage,
    rule_test_facts,
)
from generator.promtest.examples import PARTS as EXAMPLE_PARTS
from generator.promtest.examples import ExampleTest, example_tests
from generator.promtest.inputs import REQUEST_RATE
from generator.promtest.model import CaseError, RuleTestFile
from generator.promtest.plan import plan_tests, slo_context, standing_slos
from generator.promtest.slo_outage import (
    fastest_page,
    outage_clean_s,
    outage_detection,
    outage_model,
    outage_slos,
)
from generator.promtest.slo_rounds import outage_proven
from generator.promtest.slo_sim import FIVE_MINUTES, MARGIN, Scaled, first_firing_sustained

__all__ = [
    "EXAMPLE_PARTS",
    "FIVE_MINUTES",
    "MARGIN",
    "REQUEST_RATE",
    "CaseError",
    "Ctx",
    "ExampleTest",
    "RuleTestFacts",
    "RuleTestFile",
    "Scaled",
    "check_rule_tests",
    "example_tests",
    "fastest_page",
    "first_firing_sustained",
    "outage_clean_s",
    "outage_detection",
    "outage_model",
    "outage_proven",
    "outage_slos",
    "plan_tests",
    "rule_test_coverage",
    "rule_test_facts",
    "slo_context",
    "standing_slos",
]
