"""An SLO whose SLI reads raw series of its own (another metric, `exclude` matchers) is one
set of rules for every service its scrape job selects: the 5m rules read the raw series
through the `service` label the scrape puts on them, summed by service and tier, so the
rules do not grow with the services; a service selected another way keeps rules of its own
reading its selector; and the SLO mapping test feeds every service's raw series and fails
a shared rule that loses or merges services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.scale.specs import spec_data
from generator.pipeline import Build
from tests.conftest import (
    FIXTURES,
    assert_slo_rules_alike,
    build_data,
    cut_tests,
    promtool_test,
    slo_groups,
    slo_records,
)

SLO_RULES = "prometheus/rules/slo.yml"
SLO_TESTS = "prometheus/tests/slo.yml"
RULES = ("prometheus/rules/recording.yml", SLO_RULES)
ERRORS_5M = "slo:sli_errors:rate5m"
REQUESTS_5M = "slo:sli_requests:rate5m"
MAPPING = "every service's SLI series map into the shared SLO rules"


def _data(services: int, app_selected: str | None = None) -> dict[str, Any]:
    """bench.scale's synthetic services, both SLOs leaving health checks out (so neither
    copies the recorded rates); `app_selected` is selected by an `app` label, not its job."""
    data = spec_data(services, exclude_health=True)
    if app_selected is not None:
        data["services"][app_selected]["selector"] = {"app": app_selected}
    return data


def _mapping_only(files: dict[str, str]) -> dict[str, str]:
    return cut_tests(files, SLO_TESTS, MAPPING)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Eight services, svc-0005 selected by an `app` label."""
    return build_data(tmp_path_factory.mktemp("mixed"), _data(8, "svc-0005"))


def test_slo_rules_reading_raw_series_do_not_grow_with_the_services(tmp_path: Path) -> None:
    few = build_data(tmp_path / "few", _data(4))
    many = build_data(tmp_path / "many", _data(16))
    assert_slo_rules_alike(few, many)
    (errors,) = slo_records(many, ERRORS_5M, "availability")
    every = '{tier=~"brain|control|core|evolution", endpoint!~"/health.*"'
    assert errors["expr"] == (
        f'sum by (service, tier) (rate(http_requests_total{every}, status=~"5.."}}[5m]))'
        f" or 0 * sum by (service, tier) (rate(http_requests_total{every}}}[5m]))"
    )
    assert "service" not in errors.get("labels", {})  # the series carries it
    (slow,) = slo_records(many, ERRORS_5M, "latency")
    assert slow["expr"].startswith(
        f'sum by (service, tier) (rate(http_request_duration_seconds_bucket{every}, le="+Inf"}}'
    )


def test_a_service_not_selected_by_its_job_keeps_slo_rules_reading_its_selector(
    mixed: Build,
) -> None:
    groups = slo_groups(mixed)
    assert "duri-svc-0005.slo-fast" in groups
    own = [r for r in groups["duri-svc-0005.slo-fast"] if r.get("record") == REQUESTS_5M]
    assert [r["expr"] for r in own] == [
        'sum(rate(http_requests_total{app="svc-0005", endpoint!~"/health.*"}[5m]))',
        'sum(rate(http_request_duration_seconds_bucket{app="svc-0005", endpoint!~"/health.*", '
        'le="+Inf"}[5m]))',
    ]
    assert {r["labels"]["service"] for r in own} == {"svc-0005"}
    shared = slo_records(mixed, REQUESTS_5M, "availability")
    assert len(shared) == 2  # its own and the one of the others
    assert 'service!="svc-0005"' in shared[0]["expr"]  # not counted twice through its tier
    assert [g for g in groups if g.startswith("duri-svc-")] == [
        "duri-svc-0005.slo-fast",
        "duri-svc-0005.slo-medium",
        "duri-svc-0005.slo-slow",
    ]


def test_promtool_passes_the_mixed_spec_and_its_slo_mapping(mixed: Build, tmp_path: Path) -> None:
    run = promtool_test(_mapping_only(mixed.files), tmp_path, SLO_TESTS, RULES)
    assert run.returncode == 0, run.stdout + run.stderr
    doc = yaml.safe_load(mixed.files[SLO_TESTS])
    (group,) = [g for g in doc["tests"] if g["name"].startswith(MAPPING)]
    fed = {s["series"].split("{")[0] for s in group["input_series"]}
    # the raw series the shared 5m rules read, not recorded rates
    assert {"http_requests_total", "http_request_duration_seconds_bucket"} <= fed
    assert not any(name.startswith(("service:", "slo:")) for name in fed)
    requests = [s["series"] for s in group["input_series"]]
    requests = [s for s in requests if s.startswith("http_requests_total{")]
    services = {s.split('service="')[1].split('"')[0] for s in requests if 'service="' in s}
    assert services == {f"svc-{i:04d}" for i in range(8)} - {"svc-0005"}
    # and another job's, without the labels a service's job puts on its series
    assert [s for s in requests if 'service="' not in s] == [
        'http_requests_total{endpoint="200", job="not-svc-0000", status="500"}'
    ]


SLO_KINDS = FIXTURES / "slo-kinds" / "out"
AVAILABILITY = (
    'sum by (service, tier) (rate(http_server_requests_seconds_count{tier=~"batch|critical", '
    'uri!~"/actuator/health.*", status=~"5.."}[5m]))'
)


LATENCY_TOTAL = (
    "sum by (service, tier) (rate(http_server_requests_seconds_bucket{"
    'tier="critical", uri!~"/actuator/health.*", le="+Inf"}[5m]))'
)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (AVAILABILITY, AVAILABILITY.replace('tier=~"batch|critical"', 'tier="critical"')),
        (AVAILABILITY, AVAILABILITY.replace("by (service, tier)", "by (tier)")),
        (AVAILABILITY, AVAILABILITY.replace("sum by (service, tier)", "sum")),
        # every tier of slo-kinds is covered: only another job's series can be read more
        (AVAILABILITY, AVAILABILITY.replace('tier=~"batch|critical", ', "")),
        # latency covers the critical tier: the batch tier's ledger is read more
        (f"'{LATENCY_TOTAL}'", f"'{LATENCY_TOTAL}'".replace('tier="critical", ', "")),
    ],
    ids=[
        "tier-left-out",
        "services-merged",
        "summed-to-one",
        "another-jobs-series-read",
        "an-uncovered-service-read",
    ],
)
def test_the_slo_mapping_fails_a_raw_5m_rule_that_loses_or_merges_services(
    before: str, after: str, tmp_path: Path
) -> None:
    files = _mapping_only({p: (SLO_KINDS / p).read_text() for p in (*RULES, SLO_TESTS)})
    assert promtool_test(files, tmp_path / "as-generated", SLO_TESTS, RULES).returncode == 0
    assert files[SLO_RULES].count(before) == 1
    files[SLO_RULES] = files[SLO_RULES].replace(before, after)
    run = promtool_test(files, tmp_path / "edited", SLO_TESTS, RULES)
    assert run.returncode != 0
    # a member without its series, series miscounted, or one service's static labels put
    # on another's series (a rule of one service names it: it cannot read two)
    failed = run.stdout + run.stderr
    assert any(
        why in failed
        for why in ('obsgen_member{set=\\"', "count(slo:", "count(ALERTS", "same labelset")
    ), failed
