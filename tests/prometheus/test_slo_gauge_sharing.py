"""A gauge SLI (each sample of a 0/1 gauge an event, bad at 0) is one set of SLO rules for
every service its scrape job selects, as ratio and latency SLIs of their own are: its 5m
rules count the samples of every covered service's series through the `service` label the
scrape puts on them, summed by service and tier, so they do not grow with the services; a
service selected another way keeps rules of its own reading its selector; the gauge's own
tests feed each service's series as Prometheus stores them; and the SLO mapping test feeds
every service's samples and fails a shared rule that loses or merges services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.scale.specs import spec_data
from generator.pipeline import Build
from tests.conftest import (
    assert_slo_rules_alike,
    build_data,
    cut_tests,
    promtool_test,
    slo_groups,
    slo_records,
)

SLO_RULES = "prometheus/rules/slo.yml"
SLO_TESTS = "prometheus/tests/slo.yml"
WINDOW_TESTS = "prometheus/tests/slo-windows.yml"
RULES = ("prometheus/rules/recording.yml", SLO_RULES)
ERRORS_5M = "slo:sli_errors:rate5m"
REQUESTS_5M = "slo:sli_requests:rate5m"
MAPPING = "every service's SLI series map into the shared SLO rules"
PROBES = "probes"
KEPT = '{tier=~"brain|control|core|evolution", module!="tcp_connect"}'
ZEROS = (
    f"(sum by (service, tier) (count_over_time(probe_success{KEPT}[5m])) - "
    f"sum by (service, tier) (sum_over_time(probe_success{KEPT}[5m]))) / 300"
)


def _data(services: int, app_selected: str | None = None) -> dict[str, Any]:
    """bench.scale's synthetic services with a gauge SLO on every one of them, port checks
    left out; `app_selected` is selected by an `app` label, not its job."""
    data = spec_data(services)
    data["metrics"]["probe_success"] = {
        "type": "gauge",
        "help": "Blackbox probe succeeded (1) or failed (0).",
        "labels": ["instance", "module"],
    }
    data["slos"][PROBES] = {
        "sli": {
            "gauge": {
                "metric": "probe_success",
                "exclude": [{"label": "module", "op": "=", "value": "tcp_connect"}],
            }
        },
        "objective": 99,
        "min_events": 100,
    }
    if app_selected is not None:
        data["services"][app_selected]["selector"] = {"app": app_selected}
    return data


def _rules(b: Build, record: str) -> list[dict[str, Any]]:
    return slo_records(b, record, PROBES)


def _gauge_groups(files: dict[str, str]) -> dict[str, str]:
    """The files with the SLO tests cut to the mapping, the window tests to the gauge's own."""
    mapping = cut_tests(files, SLO_TESTS, MAPPING)
    return cut_tests(mapping, WINDOW_TESTS, f"gauge SLI {PROBES}")


@pytest.fixture(scope="module")
def eight(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """Eight services, two of each tier, all selected by their job."""
    return build_data(tmp_path_factory.mktemp("eight"), _data(8))


def test_gauge_slo_rules_do_not_grow_with_the_services(tmp_path: Path, eight: Build) -> None:
    many = build_data(tmp_path / "many", _data(16))
    assert_slo_rules_alike(eight, many)
    (errors,) = _rules(many, ERRORS_5M)
    assert errors["expr"] == ZEROS
    assert "service" not in errors["labels"]  # the series carries it
    (samples,) = _rules(many, REQUESTS_5M)
    assert samples["expr"] == (
        f"sum by (service, tier) (count_over_time(probe_success{KEPT}[5m])) / 300"
    )


def test_a_service_not_selected_by_its_job_keeps_gauge_rules_reading_its_selector(
    tmp_path: Path,
) -> None:
    mixed = build_data(tmp_path, _data(8, "svc-0005"))
    own = [r for r in slo_groups(mixed)["duri-svc-0005.slo-fast"] if r.get("record") == REQUESTS_5M]
    gauge = [r for r in own if r["labels"]["slo"] == PROBES]
    assert [r["expr"] for r in gauge] == [
        'sum(count_over_time(probe_success{app="svc-0005", module!="tcp_connect"}[5m])) / 300'
    ]
    (shared,) = [r for r in _rules(mixed, REQUESTS_5M) if r not in gauge]
    assert 'service!="svc-0005"' in shared["expr"]  # not counted twice through its tier
    # its own rules and the shared ones pass the gauge's tests and the mapping together
    files = _gauge_groups(mixed.files)
    for path in (SLO_TESTS, WINDOW_TESTS):
        run = promtool_test(files, tmp_path / "run" / path.split("/")[-1], path, RULES)
        assert run.returncode == 0, run.stdout + run.stderr
    counted = next(
        g
        for g in yaml.safe_load(mixed.files[WINDOW_TESTS])["tests"]
        if g["name"].startswith(f"gauge SLI {PROBES}: probe_success samples counted")
    )
    fed = [s["series"] for s in counted["input_series"]]
    assert any('app="svc-0005"' in s and "service=" not in s for s in fed)  # as stored


def test_promtool_passes_the_gauges_own_tests_and_mapping_of_every_service(
    eight: Build, tmp_path: Path
) -> None:
    files = _gauge_groups(eight.files)
    for path in (SLO_TESTS, WINDOW_TESTS):
        run = promtool_test(files, tmp_path / path.split("/")[-1], path, RULES)
        assert run.returncode == 0, run.stdout + run.stderr
    # the mapping feeds each service's raw samples, as its scrape job stores them
    (group,) = [
        g
        for g in yaml.safe_load(eight.files[SLO_TESTS])["tests"]
        if g["name"].startswith(MAPPING) and PROBES in g["name"]
    ]
    fed = [s["series"] for s in group["input_series"] if s["series"].startswith("probe_success")]
    own = [s for s in fed if 'service="' in s]
    assert {s.split('service="')[1].split('"')[0] for s in own} == {
        f"svc-{i:04d}" for i in range(8)
    }
    assert all('job="svc-' in s and 'tier="' in s for s in own)
    # and another job's, without the labels a service's job puts on its series
    assert [s for s in fed if s not in own] == [
        'probe_success{instance="target-0", job="not-svc-0000", module="200"}'
    ]


@pytest.mark.parametrize(
    ("after", "mapping_only"),
    [
        (ZEROS.replace('tier=~"brain|control|core|evolution"', 'tier=~"brain|control|core"'), True),
        (ZEROS.replace("by (service, tier)", "by (tier)"), True),
        (ZEROS.replace("sum by (service, tier)", "sum"), True),
        (ZEROS.replace(', module!="tcp_connect"', ""), False),
        (ZEROS.replace("/ 300", "/ 240"), False),
    ],
    ids=["tier-left-out", "services-merged", "summed-to-one", "exclusion-lost", "window-seconds"],
)
def test_the_gauge_tests_fail_a_shared_5m_rule_that_loses_services_or_miscounts(
    eight: Build, tmp_path: Path, after: str, mapping_only: bool
) -> None:
    files = _gauge_groups(eight.files)
    assert files[SLO_RULES].count(ZEROS) == 1
    files[SLO_RULES] = files[SLO_RULES].replace(ZEROS, after)
    runs = {
        path: promtool_test(files, tmp_path / path.split("/")[-1], path, RULES)
        for path in (SLO_TESTS, WINDOW_TESTS)
    }
    assert runs[SLO_TESTS].returncode != 0 or runs[WINDOW_TESTS].returncode != 0
    if mapping_only:  # who the series belong to: the mapping test says it
        assert runs[SLO_TESTS].returncode != 0
    else:  # how the samples are counted: the gauge's own tests say it
        assert runs[WINDOW_TESTS].returncode != 0
