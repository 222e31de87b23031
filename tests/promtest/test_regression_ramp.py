"""A regression alert whose condition starts on an evaluation Prometheus 2 and 3 read
differently (the 5m rate ramp into the last phase, seen at a 1m step when `for` is 45m) is
still proved: silent at the last evaluation it surely is, firing at the first it surely is,
instead of `generate` failing with an unlocated "the model cannot tell when the regression
starts"."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from generator.core.numbers import parse_duration
from generator.pipeline import build
from tests.conftest import FIXTURES, require_tool

BASE = (FIXTURES / "diff" / "every_field.yaml").read_text(encoding="utf-8")
FOR_45M = BASE.replace(
    "metrics: [latency_p95, throughput, error_rate]\n  for: 30m",
    "metrics: [latency_p95, throughput, error_rate]\n  for: 45m",
)


def _files(tmp_path: Path) -> dict[str, str]:
    assert FOR_45M != BASE
    (tmp_path / "spec.yaml").write_text(FOR_45M, encoding="utf-8")
    return build(tmp_path / "spec.yaml", tmp_path / "out", display="spec.yaml").files


def test_a_regression_for_of_45m_gets_silent_and_firing_checks_one_ramp_apart(
    tmp_path: Path,
) -> None:
    tests = yaml.safe_load(_files(tmp_path)["prometheus/tests/alerts-regression.yml"])
    gaps = set()
    for case in tests["tests"]:
        times = sorted({parse_duration(c["eval_time"]) for c in case["alert_rule_test"]})
        assert len(times) == 3, case["name"]
        gaps.add(times[2] - times[1])
    assert gaps and all(0 < gap <= 300_000 for gap in gaps)  # within the 5m ramp
    assert max(gaps) > 60_000  # the ramp's unsure evaluations are skipped, not claimed


def test_promtool_passes_the_regression_test_of_a_45m_for(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    files = _files(tmp_path)
    root = tmp_path / "rendered"
    for path in (
        "prometheus/rules/alerts.yml",
        "prometheus/rules/recording.yml",
        "prometheus/tests/alerts-regression.yml",
    ):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(files[path], encoding="utf-8")
    run = subprocess.run(
        [promtool, "test", "rules", "alerts-regression.yml"],
        cwd=root / "prometheus" / "tests",
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
