"""Per-tier and per-service alert overrides: most specific wins, `off` removes, and every
output reads the effective values (rules, generated tests, catalogue, routing, dashboards)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

import pytest
import yaml

from generator.core import conventions as cv
from generator.errors import SpecError
from generator.pipeline import Build
from generator.prometheus import AlertRule
from generator.spec import effective_alert, load_text, parse_document
from tests.conftest import DURI_SPEC, FIXTURES, render_spec

PAYMENTS = FIXTURES / "payments" / "spec.yaml"


@cache
def payments() -> Build:
    return render_spec(PAYMENTS, PAYMENTS.parent / "out")


def rules(alert: str, service: str) -> dict[str, AlertRule]:
    """The planned rules of one alert name for one service, by severity."""
    planned = [a for f in payments().plan.rule_files for a in f.alerts()]
    return {
        a.label("severity"): a
        for a in planned
        if a.alert == alert and a.label("service") == service
    }


def test_a_service_override_beats_the_global_value_and_keeps_what_it_does_not_set() -> None:
    ledger = rules("LatencyP999High", "ledger")
    assert ledger["critical"].threshold == Decimal("0.5")  # the service's value
    assert ledger["critical"].for_ == "5m"  # not overridden: the global for
    assert ledger["warning"].threshold == Decimal("0.3")  # the global level untouched
    gateway = rules("LatencyP999High", "gateway")
    assert gateway["critical"].threshold == Decimal(1)


def test_a_tier_override_applies_to_every_service_of_the_tier() -> None:
    accounts = rules("ContainerCPUHigh", "accounts")
    assert accounts["warning"].threshold == Decimal("0.85")  # tier standard: 85 %
    assert accounts["warning"].for_ == "10m"
    assert rules("ContainerCPUHigh", "gateway")["warning"].threshold == Decimal("0.8")


def test_off_removes_an_alert_for_a_tier_and_a_level_for_a_service() -> None:
    assert rules("ThroughputLow", "settlement") == {}  # tier batch: throughput off
    assert set(rules("LatencyP999High", "settlement")) == {"critical"}  # warning off
    assert set(rules("ContainerCPUHigh", "ledger")) == {"critical"}  # service: warning off


def test_a_service_may_add_a_level_the_global_alert_lacks() -> None:
    ledger = rules("ThroughputLow", "ledger")
    assert (ledger["warning"].threshold, ledger["warning"].for_) == (Decimal(5), "15m")
    assert set(rules("ThroughputLow", "gateway")) == {"critical"}


def test_the_service_value_wins_over_the_tier_value() -> None:
    text = PAYMENTS.read_text(encoding="utf-8").replace(
        "      memory: {warning: {threshold: 95, for: 30m}}",
        "      memory: {warning: {threshold: 95, for: 30m}}\n      throughput: {critical: {}}",
    )
    spec = parse_document(load_text(text, "spec.yaml"))
    # the tier turned throughput off; the service's empty level does not bring it back
    assert effective_alert(spec, ("services", "settlement"), "throughput") is None
    text = text.replace("throughput: {critical: {}}", "throughput: {critical: {for: 20m}}")
    # a partial level after `off` has nothing to inherit: an error at the service's level
    with pytest.raises(SpecError) as raised:
        parse_document(load_text(text, "spec.yaml"))
    assert [line.split(": ", 2)[1] for line in raised.value.lines()] == [
        "services.settlement.alerts.throughput.critical"
    ]


def test_yaml_off_is_read_as_off_not_as_a_missing_setting() -> None:
    text = PAYMENTS.read_text(encoding="utf-8")
    assert "throughput: off" in text  # PyYAML reads it as False
    spec = parse_document(load_text(text, "spec.yaml"))
    assert effective_alert(spec, ("services", "settlement"), "throughput") is None
    assert effective_alert(spec, ("services", "ledger"), "throughput") is not None


def test_a_p99_9_alert_and_its_recording_rule_have_names_that_parse() -> None:
    assert cv.percentile_name("99.9") == "999"
    assert cv.percentile_name("95") == "95"
    names = {cv.percentile_name(p) for p in ("9.5", "95", "99.9", "9.99", "0.5", "5", "50")}
    assert len(names) == 7  # no two percentiles share a name
    assert cv.alert_name("latency", "99.9") == "LatencyP999High"
    assert cv.quantile("h", "99.9") == "service:h:p999_rate5m"
    recorded = {r.record for f in payments().plan.rule_files for r in f.records()}
    assert "service:http_server_requests_seconds:p999_rate5m" in recorded


def _tests_file() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(payments().files["prometheus/tests/alerts.yml"])
    return loaded


def test_each_service_is_tested_at_its_own_threshold_and_for() -> None:
    names = [g["name"] for g in _tests_file()["tests"]]
    joined = "\n".join(names)
    # ledger's critical latency (0.5) and gateway's (1) are pinned in separate timelines
    assert "LatencyP999High critical: 0.15, then 0.4975 and 0.5025 (0.5)" in joined
    assert "LatencyP999High critical: 0.15, then 0.995 and 1.005 (1)" in joined
    assert "ThroughputLow warning: 10, then 5.025 and 4.975 (5)" in joined


def test_no_generated_test_expects_an_alert_a_service_turned_off() -> None:
    for group in _tests_file()["tests"]:
        for check in group.get("alert_rule_test", ()):
            for alert in check.get("exp_alerts") or ():
                labels = alert["exp_labels"]
                off = (check["alertname"], labels.get("service"), labels.get("severity"))
                assert off[:2] != ("ThroughputLow", "settlement")
                assert off != ("ContainerCPUHigh", "ledger", "warning")


def test_the_catalogue_and_the_routing_table_show_each_service_its_own_values() -> None:
    catalogue = payments().files["ALERTS.md"]
    # a row per distinct content: ledger's override is a row of its own, gateway shares the
    # default with settlement (another tier, the same routing and threshold)
    assert "| LatencyP999High | ledger | core | critical | p99.9 latency above 500ms, for 5m |" in (
        catalogue
    )
    assert (
        "| LatencyP999High | gateway, settlement | core, batch | critical | "
        "p99.9 latency above 1s, for 5m |"
    ) in catalogue
    listed = [
        line.split(" | ")[1].split(", ")
        for line in catalogue.splitlines()
        if line.startswith("| ThroughputLow | ")
    ]
    assert listed and all("settlement" not in services for services in listed)
    table = yaml.safe_load(payments().files["alertmanager/routing-table.yml"])
    assert "service" in table["routed"]  # the team routes read it: a row per service
    rows = {
        (r["labels"]["alertname"], r["labels"]["service"], r["labels"]["severity"]): r
        for r in table["alerts"]
    }
    assert rows["ThroughputLow", "ledger", "warning"]["receivers"] == ["payments-chat"]
    assert ("ThroughputLow", "settlement", "critical") not in rows
    assert ("ContainerCPUHigh", "ledger", "warning") not in rows


def test_duri_without_overrides_keeps_one_rule_per_service_and_level() -> None:
    spec = parse_document(load_text(DURI_SPEC.read_text(encoding="utf-8"), "duri.yaml"))
    for service in spec.services:
        for kind in ("latency", "throughput", "cpu", "memory"):
            assert effective_alert(spec, ("services", service), kind) == getattr(spec.alerts, kind)


def test_dashboard_descriptions_name_the_services_whose_thresholds_differ() -> None:
    board = payments().files["grafana/dashboards/payments-service.json"]
    assert (
        "ContainerCPUHigh (warning above 85% for 10m (accounts), warning above 80% for 10m "
        "(gateway, settlement), critical above 95% for 5m)"
    ) in board
    duri = render_spec(DURI_SPEC, DURI_SPEC.parent.parent / "out")
    # no overrides: every service shares each value, so no service is named
    assert (
        "ContainerCPUHigh (warning above 80% for 5m, critical above 95% for 5m)"
        in (duri.files["grafana/dashboards/duri-service.json"])
    )


def test_a_datastore_override_beats_the_global_value_and_a_tier_value_reaches_its_datastores() -> (
    None
):
    ledger_db = rules("PostgresConnectionsHigh", "ledger-db")
    assert (ledger_db["critical"].threshold, ledger_db["critical"].for_) == (Decimal("0.85"), "2m")
    assert ledger_db["warning"].threshold == Decimal("0.75")  # the global warning untouched
    sessions = rules("RedisMemoryHigh", "sessions")
    assert (sessions["warning"].threshold, sessions["warning"].for_) == (Decimal("0.7"), "10m")


def test_the_nodes_may_turn_one_level_of_a_node_alert_off() -> None:
    node = rules("NodeFilesystemUsageHigh", "node")
    assert set(node) == {"critical"}
    assert node["critical"].threshold == Decimal("0.9")


def test_the_generated_tests_pin_each_datastore_at_its_own_values() -> None:
    tests = yaml.safe_load(payments().files["prometheus/tests/alerts.yml"])["tests"]
    # each group's name lists its scenarios, `<alert> <level>: far, then under and over (t)`
    scenarios = [part for g in tests for part in g["name"].split("; ")]

    def pinned_at(alert: str) -> list[str]:
        return [p.rsplit(" (", 1)[1].rstrip(")") for p in scenarios if p.startswith(alert)]

    assert pinned_at("PostgresConnectionsHigh critical: ") == ["0.85"]
    assert pinned_at("PostgresConnectionsHigh warning: ") == ["0.75"]
    assert pinned_at("RedisMemoryHigh warning: ") == ["0.7"]
    assert pinned_at("NodeFilesystemUsageHigh warning") == []
    assert pinned_at("NodeFilesystemUsageHigh critical: ") == ["0.9"]


def _refused(old: str, new: str) -> list[str]:
    text = PAYMENTS.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(SpecError) as raised:
        parse_document(load_text(text.replace(old, new), "spec.yaml"))
    return raised.value.lines()


def test_a_datastore_warning_above_its_critical_is_refused_at_the_datastore() -> None:
    lines = _refused(
        "postgres_connections: {critical: {threshold: 85, for: 2m}}",
        "postgres_connections: {critical: {threshold: 70, for: 2m}}",
    )
    assert len(lines) == 1
    assert "datastores.ledger-db.alerts.postgres_connections.critical.threshold: " in lines[0]
    assert (
        "for datastore ledger-db the warning threshold (75) must be below the critical (70)"
        in (lines[0])
    )


def test_an_alert_a_subject_does_not_carry_is_not_a_field_of_its_overrides() -> None:
    lines = _refused(
        "alerts: {node_filesystem: {warning: off}}", "alerts: {redis_memory: {warning: off}}"
    )
    assert len(lines) == 1 and "exporters.node.alerts.redis_memory" in lines[0]
