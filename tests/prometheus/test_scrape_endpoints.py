"""Per-job metrics path and scheme: a service, an exporter or a datastore served on another
path (Spring Boot's /actuator/prometheus) or over https is scraped there, in prometheus.yml
and in the ServiceMonitors of `--target kubernetes`; the defaults write nothing new."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.pipeline import Build, build
from tests.conftest import DURI_OUT, DURI_SPEC, require_tool


def duri_with(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """spec/duri.yaml with each (old, new) text replaced once."""
    text = DURI_SPEC.read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


SPRING = (
    '    targets: ["duri-core:8080"]',
    '    targets: ["duri-core:8080"]\n    metrics_path: /actuator/prometheus\n    scheme: https',
)
REDIS_TLS = (
    '    targets: ["redis-exporter:9121"]',
    '    targets: ["redis-exporter:9121"]\n    scheme: https',
)


@pytest.fixture(scope="module")
def spring(tmp_path_factory: pytest.TempPathFactory) -> Build:
    spec = duri_with(tmp_path_factory.mktemp("spring"), SPRING, REDIS_TLS)
    return build(spec, DURI_OUT, targets=("files", "kubernetes"))


def scrape_configs(b: Build) -> dict[str, dict[str, Any]]:
    config = yaml.safe_load(b.files["prometheus/prometheus.yml"])
    return {job["job_name"]: job for job in config["scrape_configs"]}


def test_a_service_with_its_own_path_and_scheme_is_scraped_there(spring: Build) -> None:
    job = scrape_configs(spring)["duri-core"]
    assert job["metrics_path"] == "/actuator/prometheus"
    assert job["scheme"] == "https"


def test_a_datastore_exporter_over_https_keeps_the_default_path(spring: Build) -> None:
    job = scrape_configs(spring)["redis"]
    assert job["scheme"] == "https"
    assert "metrics_path" not in job


def test_jobs_on_the_defaults_write_neither_field(spring: Build) -> None:
    for name, job in scrape_configs(spring).items():
        if name not in ("duri-core", "redis"):
            assert "metrics_path" not in job and "scheme" not in job, name


def test_duri_without_the_fields_renders_its_committed_prometheus_yml() -> None:
    committed = (DURI_OUT / "prometheus" / "prometheus.yml").read_text()
    assert build(DURI_SPEC, DURI_OUT).files["prometheus/prometheus.yml"] == committed


def test_the_service_monitor_scrapes_the_same_path_and_scheme(spring: Build) -> None:
    monitors = {
        path: yaml.safe_load(text)
        for path, text in spring.files.items()
        if path.startswith("kubernetes/servicemonitors/")
    }
    endpoints = {
        m["spec"]["endpoints"][0]["relabelings"][0]["replacement"]: m["spec"]["endpoints"][0]
        for m in monitors.values()
    }
    assert endpoints["duri-core"]["path"] == "/actuator/prometheus"
    assert endpoints["duri-core"]["scheme"] == "https"
    assert endpoints["redis"]["path"] == "/metrics"
    assert endpoints["redis"]["scheme"] == "https"
    assert endpoints["node"]["path"] == "/metrics"
    assert "scheme" not in endpoints["node"]


def test_promtool_accepts_the_prometheus_yml_with_path_and_scheme(
    spring: Build, tmp_path: Path
) -> None:
    promtool = require_tool("promtool")
    config = tmp_path / "prometheus.yml"
    config.write_text(spring.files["prometheus/prometheus.yml"])
    done = subprocess.run(
        [promtool, "check", "config", "--syntax-only", str(config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
