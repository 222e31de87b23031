"""Prometheus: recording, threshold, regression, node, datastore and SLO rules planned from the
spec, the rule and prometheus.yml dataclasses, and the PromQL checks every output uses.

Other packages import only the names below (the import contracts in pyproject.toml).
"""

from generator.prometheus.containers import replica_labels, service_resources
from generator.prometheus.files import (
    alerting_file,
    catalogue_series,
    prometheus_config,
    recording_file,
)
from generator.prometheus.health import HEALTH_KINDS, health_file
from generator.prometheus.model import (
    AlertRule,
    Expr,
    Group,
    Labels,
    PrometheusConfig,
    RecordingRule,
    RuleFile,
    labels,
)
from generator.prometheus.promql import expression_problem, known_series
from generator.prometheus.rules import eq, quantiles, ratio, seconds_text
from generator.prometheus.slo import slo_plans, slo_rule_file
from generator.prometheus.slo_model import BurnAlertPlan, SLOPlan

__all__ = [
    "HEALTH_KINDS",
    "AlertRule",
    "BurnAlertPlan",
    "Expr",
    "Group",
    "Labels",
    "PrometheusConfig",
    "RecordingRule",
    "RuleFile",
    "SLOPlan",
    "alerting_file",
    "catalogue_series",
    "eq",
    "expression_problem",
    "health_file",
    "known_series",
    "labels",
    "prometheus_config",
    "quantiles",
    "ratio",
    "recording_file",
    "replica_labels",
    "seconds_text",
    "service_resources",
    "slo_plans",
    "slo_rule_file",
]
