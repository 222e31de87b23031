"""The spec: YAML read with locations, split specs and overlays merged, pydantic models by
section, and the checks that span fields. Knows nothing of what is generated from it.

Other packages import only the names below (the import contracts in pyproject.toml).
"""

from generator.spec.alert_overrides import NODE, effective_alert
from generator.spec.alerts import RegressionMetric, Threshold, ThresholdAlert
from generator.spec.checks import Check
from generator.spec.custom_alerts import CustomAlert
from generator.spec.load import FAST_SAFE_LOADER, Document, PathT, format_path, load_file, load_text
from generator.spec.metrics import MetricType
from generator.spec.model import Spec
from generator.spec.parse import parse_document, read_document
from generator.spec.receivers import (
    EmailReceiver,
    PagerDutyReceiver,
    SlackReceiver,
    WebhookReceiver,
)
from generator.spec.reference import reference_markdown, schema_text
from generator.spec.routing import Match, Route, Routing, TimeSpan
from generator.spec.services import Exporter, Postgres, Redis, Service, ServiceResources
from generator.spec.settings import KubernetesSettings, MimirSettings
from generator.spec.slo_defs import covered, request_errors, sli_metric
from generator.spec.slos import SLO, GaugeSLI, Matcher, PromqlSLI

__all__ = [
    "FAST_SAFE_LOADER",
    "NODE",
    "SLO",
    "Check",
    "CustomAlert",
    "Document",
    "EmailReceiver",
    "Exporter",
    "GaugeSLI",
    "KubernetesSettings",
    "Match",
    "Matcher",
    "MetricType",
    "MimirSettings",
    "PagerDutyReceiver",
    "PathT",
    "Postgres",
    "PromqlSLI",
    "Redis",
    "RegressionMetric",
    "Route",
    "Routing",
    "Service",
    "ServiceResources",
    "SlackReceiver",
    "Spec",
    "Threshold",
    "ThresholdAlert",
    "TimeSpan",
    "WebhookReceiver",
    "covered",
    "effective_alert",
    "format_path",
    "load_file",
    "load_text",
    "parse_document",
    "read_document",
    "reference_markdown",
    "request_errors",
    "schema_text",
    "sli_metric",
]
