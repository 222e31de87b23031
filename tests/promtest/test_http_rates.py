"""The recorded HTTP rates of every service are proved by value (promtest/http_rates.py): the
generated checks pass promtool on the rules as rendered, and fail on rules whose requests or
errors rate reads another window or lost its error matcher. (A rule that lost its selection
of the services records other jobs' series apart, without a service: the mapping test fails
it, tests/prometheus/test_ingestion.py.)"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.core import conventions as cv
from generator.pipeline import Build, build
from generator.promtest.cases import driven_services
from tests.conftest import DURI_OUT, DURI_SPEC, require_tool

GROUP = "HTTP rates: strangers alone, then a change of rate"
SERVICE = "duri-brain"
EVERY = '{tier=~"brain|control|core|evolution"'
REQUESTS = f"expr: 'sum by (service, tier) (rate(http_requests_total{EVERY}}}[5m]))'"
ERRORS = f'sum by (service, tier) (rate(http_requests_total{EVERY}, status=~"5.."}}[5m]))'


@pytest.fixture(scope="module")
def duri() -> Build:
    return build(DURI_SPEC, DURI_OUT)


def http_group(b: Build) -> dict[str, Any]:
    doc = yaml.safe_load(b.files["prometheus/tests/alerts.yml"])
    (group,) = [g for g in doc["tests"] if GROUP in g["name"]]
    return {**doc, "tests": [group]}


def promtool(b: Build, tmp: Path, recording: str) -> subprocess.CompletedProcess[str]:
    """`promtool test rules` on the HTTP rates group alone, against `recording` as the
    recording rules (the other rule files as rendered)."""
    for path, text in b.files.items():
        if path.startswith("prometheus/rules/"):
            target = tmp / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(recording if path.endswith("/recording.yml") else text)
    tests = tmp / "prometheus" / "tests"
    tests.mkdir(parents=True, exist_ok=True)
    (tests / "http.yml").write_text(yaml.safe_dump(http_group(b), sort_keys=False))
    return subprocess.run(
        [require_tool("promtool"), "test", "rules", "http.yml"],
        cwd=tests,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_each_driven_service_gets_request_error_and_ratio_checks_beside_strangers(
    duri: Build,
) -> None:
    """The services the alert tests drive (the mapping test maps every other one into the
    shared recording rules), and no other."""
    group = http_group(duri)["tests"][0]
    checked = {(c["expr"], c["eval_time"]) for c in group["promql_expr_test"]}
    metric = duri.spec.signals.requests
    names = (cv.requests_rate(metric), cv.errors_rate(metric), cv.error_ratio(metric))
    (alerts,) = [f for f in duri.plan.rule_files if f.path == cv.ALERTS_FILE]
    driven = driven_services(duri.spec, alerts.representatives())
    assert SERVICE in driven
    for service in set(duri.spec.services) - set(driven):
        assert not any(f'"{service}"' in e for e, _ in checked), service
    for service in driven:
        spec = duri.spec.services[service]
        for name in names:
            times = {t for e, t in checked if name + "{" in e and f'"{service}"' in e}
            assert len(times) >= 3, (name, service)  # strangers alone, then two phases
        for label, value in spec.selector.items():
            fed = [s["series"] for s in group["input_series"]]
            assert any(f'{label}="not-{value}"' in s for s in fed), (service, label)


def test_http_rate_checks_pass_promtool_on_the_rules_as_rendered(
    duri: Build, tmp_path: Path
) -> None:
    done = promtool(duri, tmp_path, duri.files["prometheus/rules/recording.yml"])
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("original", "mutated"),
    [
        (REQUESTS, REQUESTS.replace("[5m]", "[10m]")),
        (REQUESTS, REQUESTS.replace("[5m]", "[2m30s]")),
        (ERRORS, ERRORS.replace(', status=~"5.."', "")),
        (ERRORS, ERRORS.replace("[5m]", "[10m]")),
    ],
    ids=(
        "requests-10m",
        "requests-2m30s",
        "errors-any-status",
        "errors-10m",
    ),
)
def test_http_rate_checks_fail_on_a_rate_of_another_window_or_without_a_matcher(
    duri: Build, tmp_path: Path, original: str, mutated: str
) -> None:
    rules = duri.files["prometheus/rules/recording.yml"]
    assert rules.count(original) == 1 and mutated != original
    done = promtool(duri, tmp_path, rules.replace(original, mutated))
    assert done.returncode != 0
    failed = done.stdout + done.stderr
    assert "FAILED" in failed and f'service=\\"{SERVICE}\\"' in failed
