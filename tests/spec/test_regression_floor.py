"""The error-ratio regression alert has a floor of its own (`regression.error_rate_floor`,
default the baseline's error rate, else 1 %): it reaches the rule, the catalogue and the
generated promtool test, which proves the alert silent under it after a clean day."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from generator.pipeline import Build, build
from tests.conftest import FIXTURES, require_tool

BASE = (FIXTURES / "diff" / "every_field.yaml").read_text(encoding="utf-8")
RATIO = 'service:api_requests_errors:ratio_rate5m{tier="gold"}'  # checkout, the one service of gold
BASELINE = """baseline:
  latency_p95: 0.1
  latency_p99: 0.2
  throughput: 5
  error_rate: 0.2
  cpu: 40
  memory: 50
"""


def _build(tmp_path: Path, text: str) -> Build:
    (tmp_path / "spec.yaml").write_text(text, encoding="utf-8")
    return build(tmp_path / "spec.yaml", tmp_path / "out", display="spec.yaml")


def _error_regression(b: Build) -> tuple[str, str]:
    """(the rule's expression, its catalogue row)."""
    rules = yaml.safe_load(b.files["prometheus/rules/alerts.yml"])
    (expr,) = [
        r["expr"]
        for g in rules["groups"]
        for r in g["rules"]
        if r.get("alert") == "ErrorRateRegression"
    ]
    (row,) = [
        line for line in b.files["ALERTS.md"].splitlines() if "| ErrorRateRegression |" in line
    ]
    return expr, row


@pytest.mark.parametrize(
    ("edit", "floor", "shown"),
    [
        ("", "0.01", "1%"),
        ("  min_request_rate: 1\n  error_rate_floor: 0.5\n", "0.005", "0.5%"),
        ("prometheus:\n", "0.002", "0.2%"),
    ],
    ids=["no baseline: the 1 % default", "error_rate_floor set", "the baseline's error rate"],
)
def test_the_floor_reaches_the_rule_and_the_catalogue(
    edit: str, floor: str, shown: str, tmp_path: Path
) -> None:
    text = BASE
    if edit.startswith("  min_request_rate"):
        text = text.replace("  min_request_rate: 1\n", edit)
    elif edit:
        text = text.replace(edit, BASELINE + edit, 1)
    expr, row = _error_regression(_build(tmp_path, text))
    assert f"offset 1d) and {RATIO} > {floor} and on (service)" in expr
    assert f"| error ratio 20% higher than 1d ago and above {shown}, with at least" in row


def test_the_generated_test_holds_a_service_just_under_the_floor(tmp_path: Path) -> None:
    tests = yaml.safe_load(_build(tmp_path, BASE).files["prometheus/tests/alerts-regression.yml"])
    cases = [t for t in tests["tests"] if "just under the error floor" in t["name"]]
    assert len(cases) == 1
    errors = [s for s in cases[0]["input_series"] if 'code="500"' in s["series"]]
    assert errors, "the floor case feeds errors"


def test_promtool_passes_the_floor_test_and_fails_it_without_the_floor(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    files = _build(tmp_path, BASE).files
    root = tmp_path / "rendered"
    for path in ("prometheus/rules/alerts.yml", "prometheus/rules/recording.yml"):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(files[path], encoding="utf-8")
    test = root / "prometheus" / "tests" / "alerts-regression.yml"
    test.parent.mkdir(parents=True)
    test.write_text(files["prometheus/tests/alerts-regression.yml"], encoding="utf-8")

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [promtool, "test", "rules", test.name],
            cwd=test.parent,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    assert run().returncode == 0
    alerts = root / "prometheus" / "rules" / "alerts.yml"
    alerts.write_text(alerts.read_text().replace(f" and {RATIO} > 0.01", ""))
    failed = run()
    assert failed.returncode == 1
    assert "just under the error floor" in failed.stdout + failed.stderr
