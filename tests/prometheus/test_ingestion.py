"""Service recording rules are shared by every service: the service and tier come from the
series (put on at scrape time), so the rules do not grow with the services, a distinct
setting adds a rule for its services only, and promtool proves who each series belongs to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.scale.specs import spec_data
from generator.pipeline import Build
from generator.prometheus import cadvisor_relabels
from generator.spec import load_text, parse_document
from tests.conftest import DURI_OUT, DURI_SPEC, build_data, promtool_test

RECORDING = "prometheus/rules/recording.yml"
ALERT_TESTS = "prometheus/tests/alerts.yml"
RULES = ("prometheus/rules/alerts.yml", RECORDING)


def _service_records(b: Build) -> list[dict[str, Any]]:
    """Recording rules of the services (node and datastore groups aside)."""
    doc = yaml.safe_load(b.files[RECORDING])
    return [
        rule
        for group in doc["groups"]
        if group["name"].startswith("duri-s")  # duri-services, duri-svc-NNNN
        for rule in group["rules"]
    ]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Eight services over DuRi's four tiers: one with a CPU limit of its own, one selected
    by an `app` label rather than its scrape job."""
    data = spec_data(8)
    data["services"]["svc-0003"]["resources"] = {
        "limits": {"cpu": 4, "memory": "1Gi"},
    }
    data["services"]["svc-0005"]["selector"] = {"app": "svc-0005"}
    return build_data(tmp_path_factory.mktemp("mixed"), data)


def test_service_recording_rules_do_not_grow_with_the_services(tmp_path: Path) -> None:
    few = _service_records(build_data(tmp_path / "few", spec_data(4)))
    many = _service_records(build_data(tmp_path / "many", spec_data(40)))
    assert len(few) == len(many) == 12
    assert [r["record"] for r in few] == [r["record"] for r in many]
    assert all("labels" not in r for r in many)  # service and tier come from the series
    requests = many[0]["expr"]
    assert requests == (
        "sum by (service, tier) (rate(http_requests_total"
        '{tier=~"brain|control|core|evolution"}[5m]))'
    )


def test_a_distinct_limit_gets_its_own_rule_and_leaves_the_shared_one(mixed: Build) -> None:
    cpu = [
        r["expr"]
        for r in _service_records(mixed)
        if r["record"] == "service:container_cpu_utilisation:ratio"
    ]
    assert cpu == [  # one rule: the series is recorded once (promtool refuses two rules of it)
        "service:container_cpu_usage_seconds:rate5m"
        '{tier=~"brain|control|core|evolution", service!="svc-0003"} / 2'
        ' or service:container_cpu_usage_seconds:rate5m{service="svc-0003"} / 4'
    ]


def test_a_service_not_selected_by_its_job_keeps_http_rules_of_its_own(mixed: Build) -> None:
    doc = yaml.safe_load(mixed.files[RECORDING])
    own = next(g for g in doc["groups"] if g["name"] == "duri-svc-0005.recording")
    assert own["rules"][0]["expr"] == 'sum(rate(http_requests_total{app="svc-0005"}[5m]))'
    assert own["rules"][0]["labels"] == {"service": "svc-0005", "tier": "control"}
    shared = next(g for g in doc["groups"] if g["name"] == "duri-services.recording")
    requests = shared["rules"][0]["expr"]
    assert 'service!="svc-0005"' in requests  # not counted twice through its tier
    container = next(r for r in shared["rules"] if r["record"].startswith("service:container_"))
    assert "svc-0005" not in container["expr"]  # its container is relabelled like any other


def test_promtool_passes_the_mixed_spec_and_its_mapping_test(mixed: Build, tmp_path: Path) -> None:
    run = promtool_test(mixed.files, tmp_path, ALERT_TESTS, RULES)
    assert run.returncode == 0, run.stdout + run.stderr
    doc = yaml.safe_load(mixed.files[ALERT_TESTS])
    (group,) = [g for g in doc["tests"] if g["name"].startswith("every service's series map")]
    checks = {c["expr"]: c for c in group["promql_expr_test"]}
    # every service's requests recorded once with its own labels (members.py), 8 in all
    members = [s for s in group["input_series"] if s["series"].startswith("obsgen_member{")]
    assert len({s["series"] for s in members}) == len(members) >= 8
    one = "((count by (service, tier) (service:http_requests:rate5m)) == 1)"
    each = [e for e in checks if one in e]
    assert len(each) == 1 and checks[each[0]]["exp_samples"] == []
    assert checks["count(service:http_requests:rate5m)"]["exp_samples"] == [
        {"labels": "{}", "value": 8}
    ]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # the selection dropped: another job's requests are recorded, without a service
        (
            "expr: 'sum by (service, tier) (rate(http_requests_total"
            '{tier=~"brain|control|core|evolution"}[5m]))\'',
            "expr: 'sum by (service, tier) (rate(http_requests_total[5m]))'",
        ),
        # the same in the errors rule: another job's failed requests recorded apart
        (
            "sum by (service, tier) (rate(http_requests_total"
            '{tier=~"brain|control|core|evolution", status=~"5.."}[5m]))',
            'sum by (service, tier) (rate(http_requests_total{status=~"5.."}[5m]))',
        ),
        # a service left out of the container rules
        (
            'container_memory_usage_bytes{tier=~"brain|control|core|evolution"})',
            'container_memory_usage_bytes{tier=~"brain|control|core"})',
        ),
        # the service no longer kept apart
        (
            "sum by (service, tier) (rate(container_network_receive",
            "sum by (tier) (rate(container_network_receive",
        ),
    ],
    ids=["selection-dropped", "errors-selection-dropped", "tier-left-out", "service-merged"],
)
def test_the_mapping_test_fails_rules_that_lose_or_mix_services_series(
    before: str, after: str, tmp_path: Path
) -> None:
    files = {p: (DURI_OUT / p).read_text() for p in (*RULES, ALERT_TESTS)}
    assert files[RECORDING].count(before) == 1
    files[RECORDING] = files[RECORDING].replace(before, after)
    run = promtool_test(files, tmp_path, ALERT_TESTS, RULES)
    assert run.returncode != 0
    failed = run.stdout + run.stderr  # a member without its series, or a stranger's counted
    assert 'obsgen_member{set=\\"' in failed or "count(service:" in failed


def test_cadvisor_relabelling_names_each_container_once_with_regex_characters_escaped() -> None:
    text = DURI_SPEC.read_text().replace(
        "container: {name: duri_core}", 'container: {name: "core.v2+", namespace: duri}'
    )
    relabels = cadvisor_relabels(parse_document(load_text(text, "spec.yaml")))
    core = next(r for r in relabels if r.replacement == "duri-core")
    assert core.source_labels == ("name", "namespace")
    assert core.regex == r"core\.v2\+;duri"
    assert core.target_label == "service"
    tiers = [r for r in relabels if r.target_label == "tier"]
    assert [(r.regex, r.replacement) for r in tiers] == [
        ("duri-brain", "brain"),
        ("duri-control", "control"),
        ("duri-core", "core"),
        ("duri-evolution", "evolution"),
    ]
