"""Prometheus: recording, threshold, regression, node, datastore and SLO rules planned from the
spec, the rule and prometheus.yml dataclasses, and the PromQL checks every output uses.

Other packages import only the names below (the import contracts in pyproject.toml).
"""

from generator.prometheus.containers import replica_labels, service_resources
from generator.prometheus.custom import covered, custom_alert_problems, example_series
from generator.prometheus.custom_labels import LabelSet, output_labels
from generator.prometheus.files import (
    alerting_file,
    catalogue_series,
    prometheus_config,
    recording_file,
)
from generator.prometheus.health import HEALTH_KINDS
from generator.prometheus.health_groups import health_file
from generator.prometheus.ingestion import (
    INGESTED,
    app_labels,
    app_stranger,
    box_labels,
    box_stranger,
    cadvisor_relabels,
    ingested,
    reads_by_job,
)
from generator.prometheus.model import (
    AlertRule,
    Expr,
    Group,
    Labels,
    PrometheusConfig,
    RecordingRule,
    Rule,
    RuleFile,
    labels,
)
from generator.prometheus.promql import (
    expression_problem,
    known_series,
    range_seconds,
    unquoted,
)
from generator.prometheus.rules import eq, quantiles, ratio, seconds_text
from generator.prometheus.selector_expr import expand
from generator.prometheus.slo import slo_plans
from generator.prometheus.slo_file import slo_rule_file
from generator.prometheus.slo_model import BurnAlertPlan, SLOPlan
from generator.prometheus.slo_promql import promql_sli_metrics, promql_sli_problems

__all__ = [
    "HEALTH_KINDS",
    "INGESTED",
    "AlertRule",
    "BurnAlertPlan",
    "Expr",
    "Group",
    "LabelSet",
    "Labels",
    "PrometheusConfig",
    "RecordingRule",
    "Rule",
    "RuleFile",
    "SLOPlan",
    "alerting_file",
    "app_labels",
    "app_stranger",
    "box_labels",
    "box_stranger",
    "cadvisor_relabels",
    "catalogue_series",
    "covered",
    "custom_alert_problems",
    "eq",
    "example_series",
    "expand",
    "expression_problem",
    "health_file",
    "ingested",
    "known_series",
    "labels",
    "output_labels",
    "prometheus_config",
    "promql_sli_metrics",
    "promql_sli_problems",
    "quantiles",
    "range_seconds",
    "ratio",
    "reads_by_job",
    "recording_file",
    "replica_labels",
    "seconds_text",
    "service_resources",
    "slo_plans",
    "slo_rule_file",
    "unquoted",
]
