"""Every number of the DuRi guide lands in spec/duri.yaml and reaches the rule it belongs to.

The guide's figures are written here on purpose: this is the traceability table
(guide -> spec -> output). Outputs are read back from the rendered YAML, not grepped.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import yaml

from tests.conftest import DURI_OUT, DURI_SPEC, render_spec

BUILD = render_spec(DURI_SPEC, DURI_OUT)
SPEC = BUILD.spec


def rules(path: str) -> list[dict[str, Any]]:
    doc = yaml.safe_load(BUILD.files[path])
    return [rule for group in doc["groups"] for rule in group["rules"]]


ALERTS = rules("prometheus/rules/alerts.yml")
RECORDS = rules("prometheus/rules/recording.yml")


def _covers(rule: dict[str, Any], service: str) -> bool:
    """Whether a rule fires for `service`: one of its own (its labels name it), or one the
    services share whose selection takes it in (its tier, or its name, and not excluded)."""
    labels = rule.get("labels") or {}
    if "service" in labels:
        return bool(labels["service"] == service)
    tier = SPEC.services[service].tier
    expr = rule["expr"]
    named = _values(expr, "service", "=~|=") or set()
    tiers = _values(expr, "tier", "=~|=") or set()
    left_out = _values(expr, "service", "!~|!=") or set()
    return (service in named or tier in tiers) and service not in left_out


def alert(name: str, severity: str, service: str = "duri-core") -> dict[str, Any]:
    (match,) = [
        a
        for a in ALERTS
        if a["alert"] == name and a["labels"]["severity"] == severity and _covers(a, service)
    ]
    return match


def _values(expr: str, label: str, ops: str) -> set[str] | None:
    """Values a `label` matcher with one of `ops` names in `expr` (None: no such matcher)."""
    found = re.findall(rf'\b{label}({ops})"([^"]*)"', expr)
    return {v for _, value in found for v in value.split("|")} if found else None


def record(name: str, service: str) -> dict[str, Any]:
    """The rule recording `name` for `service`."""
    (match,) = [r for r in RECORDS if r["record"] == name and _covers(r, service)]
    return match


@pytest.mark.parametrize(
    ("name", "severity", "expr_end", "for_"),
    [
        ("LatencyP95High", "warning", "> 0.5", "5m"),  # guide: warning 500ms for 5m
        ("LatencyP95High", "critical", "> 1", "2m"),  # guide: critical 1000ms for 2m
        ("ThroughputLow", "warning", "< 50", "10m"),  # guide: warning 50 RPS for 10m
        ("ThroughputLow", "critical", "< 10", "5m"),  # guide: critical 10 RPS for 5m
        ("ContainerCPUHigh", "warning", "> 0.8", "5m"),  # guide: cpu_warning 80%
        ("ContainerCPUHigh", "critical", "> 0.95", "5m"),  # guide: cpu_critical 95%
        ("ContainerMemoryHigh", "warning", "> 0.85", "5m"),  # guide: memory_warning 85%
        ("ContainerMemoryHigh", "critical", "> 0.95", "5m"),  # guide: memory_critical 95%
    ],
)
def test_guide_alert_thresholds_reach_every_service_alert(
    name: str, severity: str, expr_end: str, for_: str
) -> None:
    for service in SPEC.services:
        rule = alert(name, severity, service)
        assert rule["expr"].endswith(expr_end), rule["expr"]
        assert rule["for"] == for_


def test_guide_availability_tiers_are_in_the_spec() -> None:
    objectives = {name: tier.availability for name, tier in SPEC.tiers.items()}
    assert objectives == {
        "core": Decimal("99.9"),
        "control": Decimal("99.9"),
        "brain": Decimal("99.5"),
        "evolution": Decimal("99.0"),
    }
    assert {s.tier for s in SPEC.services.values()} == set(objectives)


def test_guide_histogram_buckets_and_labels_are_the_catalogue() -> None:
    duration = SPEC.metrics["http_request_duration_seconds"]
    assert [str(b) for b in duration.buckets or ()] == ["0.1", "0.25", "0.5", "1", "2.5", "5", "10"]
    assert SPEC.metrics["http_requests_total"].labels == ("method", "endpoint", "status")


def test_guide_error_rate_is_5xx_over_total() -> None:
    errors = record("service:http_requests_errors:rate5m", "duri-core")["expr"]
    assert 'status=~"5.."' in errors
    ratio = record("service:http_requests_errors:ratio_rate5m", "duri-core")["expr"]
    assert ratio.startswith("service:http_requests_errors:rate5m{")
    assert "/ service:http_requests:rate5m{" in ratio


def test_guide_p95_target_is_the_latency_slo_and_alert() -> None:
    latency = SPEC.slos["latency"]
    assert latency.sli.latency is not None
    assert (latency.objective, latency.sli.latency.threshold) == (95, Decimal("0.5"))
    assert SPEC.targets is not None and SPEC.targets.latency_p95 == Decimal("0.5")
    p95 = record("service:http_request_duration_seconds:p95_rate5m", "duri-core")["expr"]
    assert p95.startswith("histogram_quantile(0.95, ")


def test_guide_container_limits_are_the_utilisation_denominators() -> None:
    for service in SPEC.services:
        cpu = record("service:container_cpu_utilisation:ratio", service)["expr"]
        mem = record("service:container_memory_utilisation:ratio", service)["expr"]
        assert cpu.endswith("/ 2"), cpu  # guide: cpus '2.0'
        assert mem.endswith("/ 1073741824"), mem  # guide: memory 1G


def test_guide_datastore_limits_are_the_utilisation_denominators() -> None:
    pg = record("instance:pg_connections_utilisation:ratio", "postgres")["expr"]
    assert pg.endswith("/ 200")  # guide: max_connections = 200
    redis = record("instance:redis_memory_utilisation:ratio", "redis")["expr"]
    assert redis.endswith("/ 536870912")  # guide: maxmemory 512mb


def test_guide_regression_rule_is_20_percent_against_1d() -> None:
    latency = alert("LatencyP95Regression", "warning")["expr"]
    assert "> 1.2 * (service:http_request_duration_seconds:p95_rate5m{" in latency
    assert "offset 1d" in latency
    throughput = alert("ThroughputRegression", "warning")["expr"]
    assert "< 0.8 * (service:http_requests:rate5m{" in throughput
    errors = alert("ErrorRateRegression", "warning")["expr"]
    assert "> 1.2 * (service:http_requests_errors:ratio_rate5m{" in errors
    # guide baseline error rate 0.1 % is the floor below which a rise is not a regression
    assert "> 0.001 and on (service)" in errors


def test_guide_baseline_and_targets_are_in_the_spec() -> None:
    assert SPEC.baseline is not None and SPEC.targets is not None
    b = SPEC.baseline
    assert (b.latency_p95, b.latency_p99, b.throughput) == (Decimal("0.2"), Decimal("0.5"), 100)
    assert (b.error_rate, b.cpu, b.memory) == (Decimal("0.1"), 50, 60)
    t = SPEC.targets
    assert (t.throughput, t.cpu, t.memory) == (100, 80, 85)


def test_regression_guards_low_traffic_and_missing_history() -> None:
    for name in ("LatencyP95Regression", "ErrorRateRegression", "ThroughputRegression"):
        expr = alert(name, "warning")["expr"]
        # the past must have had traffic; with no history the offset side is empty
        every = 'tier=~"brain|control|core|evolution"'  # one rule for the four services
        assert f"(service:http_requests:rate5m{{{every}}} offset 1d) >= 1" in expr
