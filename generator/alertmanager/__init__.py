"""Alertmanager: receivers, route tree, inhibitions and the routing table planned from the
spec, Alertmanager's routing semantics in Python, and the checks of spec and output.

Other packages import only the names below (the import contracts in pyproject.toml).
"""

from generator.alertmanager.checks import check_alertmanager
from generator.alertmanager.model import AlertmanagerPlan, AMInhibitRule, RoutingRow
from generator.alertmanager.plan import (
    alert_label_set,
    plan_alertmanager,
    routed_values,
    watchdog_rule,
)
from generator.alertmanager.spec_checks import routing_problems
from generator.alertmanager.tree import labels_text, matcher_text, matches

__all__ = [
    "AMInhibitRule",
    "AlertmanagerPlan",
    "RoutingRow",
    "alert_label_set",
    "check_alertmanager",
    "labels_text",
    "matcher_text",
    "matches",
    "plan_alertmanager",
    "routed_values",
    "routing_problems",
    "watchdog_rule",
]
