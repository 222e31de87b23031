"""The services' threshold alerts are one rule per distinct effective setting: an override
or a level turned off gives its service a rule of its own and takes it out of the shared
one, what fires (per service) is what each service's own rule fired, and the generated tests
fail a rule whose selection loses or takes in a service."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.scale.specs import spec_data
from generator.pipeline import Build, build
from generator.prometheus.rules import ThresholdSettings, service_alerts, threshold_settings
from generator.spec import Threshold, ThresholdAlert
from tests.conftest import DURI_OUT, DURI_SPEC, build_data, promtool_test

ALERTS = "prometheus/rules/alerts.yml"
ALERT_TESTS = "prometheus/tests/alerts.yml"
RULES = (ALERTS, "prometheus/rules/recording.yml")
EVERY = '{tier=~"brain|control|core|evolution"}'


def _shared(b: Build) -> list[dict[str, Any]]:
    """The shared threshold alert rules (regression alerts are shared in the same group)."""
    doc = yaml.safe_load(b.files[ALERTS])
    (group,) = [g for g in doc["groups"] if g["name"] == "duri-services.alerts"]
    return [r for r in group["rules"] if not r["alert"].endswith("Regression")]


@pytest.fixture(scope="module")
def duri() -> Build:
    return build(DURI_SPEC, DURI_OUT)


@pytest.fixture(scope="module")
def overridden(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Eight services: svc-0002 with its own latency warning, svc-0006 without CPU warning."""
    data = spec_data(8)
    data["services"]["svc-0002"]["alerts"] = {"latency": {"warning": {"threshold": 0.7}}}
    data["services"]["svc-0006"]["alerts"] = {"cpu": {"warning": False}}
    return build_data(tmp_path_factory.mktemp("overridden"), data)


def test_duri_services_alike_share_one_rule_per_alert_and_severity(duri: Build) -> None:
    rules = _shared(duri)
    assert len(rules) == 8  # 4 alerts x 2 severities, for the 4 services
    assert all(EVERY in r["expr"] and set(r["labels"]) == {"severity"} for r in rules)
    assert all(r["annotations"]["summary"].startswith("{{ $labels.service }}") for r in rules)


def test_each_service_still_fires_what_its_own_rule_fired(duri: Build) -> None:
    views = [a for a in duri.plan.alerts() if a.kind in ("latency", "throughput", "cpu", "memory")]
    own = [
        a
        for name, service in sorted(duri.spec.services.items())
        for a in service_alerts(
            duri.spec, name, service.tier, threshold_settings(duri.spec, name, service)
        )
    ]
    assert sorted(map(repr, views)) == sorted(map(repr, own))


def test_an_override_or_a_level_off_takes_the_service_out_of_the_shared_rule(
    overridden: Build,
) -> None:
    rules = _shared(overridden)
    latency = [r["expr"] for r in rules if r["alert"] == "LatencyP95High"]
    assert latency == [
        'service:http_request_duration_seconds:p95_rate5m{tier=~"brain|control|core|evolution", '
        'service!="svc-0002"} > 0.5',
        'service:http_request_duration_seconds:p95_rate5m{service="svc-0002"} > 0.7',
        f"service:http_request_duration_seconds:p95_rate5m{EVERY} > 1",
    ]
    cpu = [(r["labels"]["severity"], r["expr"]) for r in rules if r["alert"] == "ContainerCPUHigh"]
    assert cpu == [
        (
            "warning",
            'service:container_cpu_utilisation:ratio{tier=~"brain|control|core|evolution", '
            'service!="svc-0006"} > 0.8',
        ),
        ("critical", f"service:container_cpu_utilisation:ratio{EVERY} > 0.95"),
    ]


def test_promtool_passes_the_overridden_spec(overridden: Build, tmp_path: Path) -> None:
    run = promtool_test(overridden.files, tmp_path, ALERT_TESTS, RULES)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_mapping_test_fails_a_shared_rule_that_lost_a_tier(tmp_path: Path) -> None:
    files = {p: (DURI_OUT / p).read_text() for p in (*RULES, ALERT_TESTS)}
    before = f"{EVERY} > 0.5"
    assert files[ALERTS].count(before) == 1
    files[ALERTS] = files[ALERTS].replace(before, '{tier=~"brain|control|core"} > 0.5')
    run = promtool_test(files, tmp_path, ALERT_TESTS, RULES)
    assert run.returncode != 0
    assert "ALERTS{" in run.stdout + run.stderr


def test_the_tests_fail_a_shared_rule_that_takes_in_an_overridden_service(
    overridden: Build, tmp_path: Path
) -> None:
    files = dict(overridden.files)
    before = ', service!="svc-0002"} > 0.5'
    assert files[ALERTS].count(before) == 1
    files[ALERTS] = files[ALERTS].replace(before, "} > 0.5")
    run = promtool_test(files, tmp_path, ALERT_TESTS, RULES)
    assert run.returncode != 0  # svc-0002 fires twice (its own rule's test sees it first)
    assert "LatencyP95High" in run.stdout + run.stderr


def _settings(cpu_warning: str, memory_limit: str = "1073741824") -> ThresholdSettings:
    alert = ThresholdAlert(warning=Threshold(threshold=Decimal(cpu_warning), **{"for": "5m"}))
    return ThresholdSettings(None, None, alert, None, Decimal(2), memory_limit)


def test_threshold_settings_share_a_form_only_when_every_field_is_written_alike() -> None:
    assert _settings("80").key() == _settings("80").key()
    assert _settings("80").key() != _settings("81").key()
    assert _settings("80").key() != _settings("80", memory_limit="536870912").key()
    # equal numbers written apart print apart in the rule, so they plan forms of their own
    assert _settings("80").key() != _settings("80.0").key()
    hash(_settings("80").key())
