"""Prometheus outputs: promtool accepts them, every expression reads known series, every
alert carries the labels and annotations DESIGN.md names."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from generator.errors import OutputError
from generator.output import render, validate_outputs
from generator.prometheus import Expr
from tests.conftest import DURI_OUT, DURI_SPEC, ROOT, fixture_specs, render_spec, require_tool

EXAMPLE = ROOT / "examples" / "payments"  # the second, non-DuRi example spec
SPECS = [(DURI_SPEC, DURI_OUT)] + [(s, s.parent / "out") for s in fixture_specs()]
SPECS.append((EXAMPLE / "spec.yaml", EXAMPLE / "out"))
IDS = ["duri"] + [s.parent.name for s in fixture_specs()] + ["example-payments"]


@pytest.fixture(scope="module", params=SPECS, ids=IDS)
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec, out = request.param
    root = tmp_path_factory.mktemp("rendered")
    for rel, text in render_spec(spec, out).files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_promtool_accepts_every_rule_file_with_lint_fatal(rendered: Path) -> None:
    promtool = require_tool("promtool")
    files = sorted((rendered / "prometheus" / "rules").glob("*.yml"))
    assert files
    res = subprocess.run(
        [promtool, "check", "rules", "--lint-fatal", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.stdout.count("SUCCESS") == len(files)


def test_promtool_accepts_prometheus_yml_and_finds_its_rule_files(rendered: Path) -> None:
    promtool = require_tool("promtool")
    res = subprocess.run(
        [promtool, "check", "config", "--lint-fatal", "prometheus.yml"],
        cwd=rendered / "prometheus",
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    listed = yaml.safe_load((rendered / "prometheus" / "prometheus.yml").read_text())
    assert f"SUCCESS: {len(listed['rule_files'])} rule files found" in res.stdout


def test_every_alert_has_the_labels_and_annotations_design_names() -> None:
    plan = render_spec(DURI_SPEC, DURI_OUT).plan
    alerts = plan.alerts()
    assert len(alerts) > 20
    for alert in alerts:
        labels = dict(alert.labels)
        assert {"severity", "service", "tier"} <= set(labels), alert.alert
        assert labels["severity"] in {"critical", "warning", "info", "none"}
        assert set(dict(alert.annotations)) >= {"summary", "description", "runbook_url"}
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", alert.alert)


def test_every_recording_rule_name_is_level_metric_operations() -> None:
    for name in render_spec(DURI_SPEC, DURI_OUT).plan.records():
        assert re.fullmatch(r"[a-z_]+:[A-Za-z0-9_]+:[a-z0-9_]+", name), name


def test_scrape_jobs_cover_services_and_every_exporter() -> None:
    config = yaml.safe_load(render_spec(DURI_SPEC, DURI_OUT).files["prometheus/prometheus.yml"])
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    assert jobs == {
        "duri-core",
        "duri-control",
        "duri-brain",
        "duri-evolution",
        "node",
        "cadvisor",
        "postgres",
        "redis",
        "prometheus",  # the monitoring's own metrics, for the health alerts
        "alertmanager",
    }
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == [
        "alertmanager:9093"
    ]


def test_an_expression_reading_an_undeclared_metric_is_an_output_error() -> None:
    build = render_spec(DURI_SPEC, DURI_OUT)
    first = build.plan.rule_files[0]
    group = first.groups[0]
    rogue = replace(
        group.rules[0],
        expr=Expr("sum", {"metric": "http_requests_totl", "selector": [("job", "=", "x")]}),
    )
    bad_file = replace(first, groups=(replace(group, rules=(rogue, *group.rules[1:])),))
    plan = replace(build.plan, rule_files=(bad_file, *build.plan.rule_files[1:]))
    with pytest.raises(OutputError) as err:
        validate_outputs(plan, render(plan))
    assert "reads http_requests_totl, which is neither in the metric catalogue" in str(err.value)


def test_an_expression_that_does_not_parse_is_an_output_error() -> None:
    build = render_spec(DURI_SPEC, DURI_OUT)
    files = dict(build.files)
    path = "prometheus/rules/recording.yml"
    files[path] = files[path].replace(") (rate(", ") ((rate(", 1)
    with pytest.raises(OutputError) as err:
        validate_outputs(build.plan, files)
    assert "PromQL does not parse" in str(err.value)
