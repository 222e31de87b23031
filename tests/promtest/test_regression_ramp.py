"""Regression alerts are proved at an evaluation step that keeps promtool quick and still
pins `for`: the coarsest step dividing `for` and the compared period, at most half of
`for` (a `for` of 45m over a week compared: 15m, not 1m over a week of history). When the
step is a minute and the condition starts on an evaluation Prometheus 2 and 3 read
differently (the 5m rate ramp into the last phase), the test is silent at the last
evaluation the alert surely does not fire and firing at the first it surely does, instead of
`generate` failing with an unlocated "the model cannot tell when the regression starts"."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.core.numbers import parse_duration
from generator.pipeline import build
from tests.conftest import DURI_SPEC, FIXTURES, promtool_fails_each, promtool_test

BASE = (FIXTURES / "diff" / "every_field.yaml").read_text(encoding="utf-8")
FOR = "metrics: [latency_p95, throughput, error_rate]\n  for: 30m"


def _files(tmp_path: Path, wait: str, compare: str = "1d") -> dict[str, str]:
    text = BASE.replace(FOR, FOR.replace("30m", wait)).replace(
        "  compare: 1d\n", f"  compare: {compare}\n"
    )
    assert FOR.replace("30m", wait) in text and f"compare: {compare}" in text
    (tmp_path / "spec.yaml").write_text(text, encoding="utf-8")
    return build(tmp_path / "spec.yaml", tmp_path / "out", display="spec.yaml").files


def _gaps(files: dict[str, str]) -> tuple[int, set[int]]:
    """(the test's evaluation step, the gaps between its silent and firing checks) in ms."""
    tests = yaml.safe_load(files["prometheus/tests/alerts-regression.yml"])
    gaps = set()
    for case in tests["tests"]:
        if case["name"].startswith("every service's signals map"):  # the mapping: no gaps
            continue
        times = sorted({parse_duration(c["eval_time"]) for c in case["alert_rule_test"]})
        assert len(times) == 3, case["name"]
        gaps.add(times[2] - times[1])
    return parse_duration(tests["evaluation_interval"]), gaps


def test_a_regression_for_of_5m_at_a_1m_step_skips_the_ramps_unsure_evaluations(
    tmp_path: Path,
) -> None:
    step, gaps = _gaps(_files(tmp_path, "5m", "1h"))
    assert step == 60_000
    assert gaps and all(0 < gap <= 300_000 for gap in gaps)  # within the 5m ramp
    assert max(gaps) > step  # the ramp's unsure evaluations are skipped, not claimed


@pytest.mark.parametrize(
    ("wait", "compare", "step"),
    [
        ("45m", "1w", 900_000),
        ("30m", "1d", 900_000),
        ("1h", "1d", 1_800_000),
        ("15m", "1d", 300_000),
        ("10m", "1h", 300_000),  # a short compare: the drift starts after its reads
        ("30m", "2h", 900_000),
    ],
)
def test_the_regression_step_divides_for_and_compare_and_is_at_most_half_the_for(
    tmp_path: Path, wait: str, compare: str, step: int
) -> None:
    found, gaps = _gaps(_files(tmp_path, wait, compare))
    assert found == step
    assert gaps == {step}  # silent one evaluation before `for` has passed, firing at it


@pytest.mark.parametrize(("wait", "compare"), [("5m", "1h"), ("45m", "1w")])
def test_promtool_passes_the_regression_test(tmp_path: Path, wait: str, compare: str) -> None:
    files = _files(tmp_path, wait, compare)
    rules = ("prometheus/rules/alerts.yml", "prometheus/rules/recording.yml")
    run = promtool_test(
        files, tmp_path / "rendered", "prometheus/tests/alerts-regression.yml", rules
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_for_over_a_third_of_a_short_compare_is_proved_with_a_short_first_phase(
    tmp_path: Path,
) -> None:
    """for 30m against 1h ago: just short of the threshold for 5m plus the `for`, then past
    it for as long, would read its own phases one compare later (generate refused it with
    "the model cannot tell when the regression starts"). The step drops to 5m and the
    just-short phase to its 5m window; promtool passes, and fails the threshold 1 % off
    either way, the `for` halved or doubled."""
    files = _files(tmp_path, "30m", "1h")
    step, gaps = _gaps(files)
    assert step == 300_000 and gaps == {step}
    rules = ("prometheus/rules/recording.yml", "prometheus/rules/alerts.yml")
    test = "prometheus/tests/alerts-regression.yml"
    run = promtool_test(files, tmp_path / "as-is", test, rules)
    assert run.returncode == 0, run.stdout + run.stderr
    text = files[rules[1]]
    start = text.index("- alert: LatencyP95Regression")
    block = text[start : text.index("- alert:", start + 1)]
    edits = {
        "lower": ("> 1.2 * (", "> 1.188 * ("),
        "higher": ("> 1.2 * (", "> 1.212 * ("),
        "for-halved": ("for: 30m", "for: 15m"),
        "for-doubled": ("for: 30m", "for: 1h"),
    }
    whole = {k: (block, block.replace(old, new)) for k, (old, new) in edits.items()}
    promtool_fails_each(files, tmp_path, test, rules, whole, "LatencyP95Regression")


def test_an_error_regression_threshold_near_double_keeps_the_floor_case_off_the_ratio(
    tmp_path: Path,
) -> None:
    """At 99 % worse (a ratio of 1.99), the floor case's base of half the floor put the
    ratio's limit on the level just short of the floor, and generate failed ("the model
    cannot tell whether ErrorRateRegression ... fires"); the base is now floor / (2 x 1.99).
    promtool passes, and fails the floor or the ratio moved 1 %."""
    data = yaml.safe_load(DURI_SPEC.read_text(encoding="utf-8"))
    data["regression"]["threshold"] = 99
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    files = build(tmp_path / "spec.yaml", tmp_path / "out", display="spec.yaml").files
    rules = ("prometheus/rules/recording.yml", "prometheus/rules/alerts.yml")
    test = "prometheus/tests/alerts-regression.yml"
    doc = yaml.safe_load(files[test])  # the error regression's groups: the others take long
    doc["tests"] = [g for g in doc["tests"] if g["name"].startswith("ErrorRateRegression")]
    assert any("floor" in g["name"] for g in doc["tests"])
    files[test] = yaml.safe_dump(doc, sort_keys=False, width=10**6)
    run = promtool_test(files, tmp_path / "as-is", test, rules)
    assert run.returncode == 0, run.stdout + run.stderr
    text = files[rules[1]]
    start = text.index("- alert: ErrorRateRegression")
    block = text[start : text.index("\n        for:", start)]
    edits = {
        "floor-lower": ("> 0.001 and", "> 0.00099 and"),
        "floor-higher": ("> 0.001 and", "> 0.00101 and"),
        "ratio-lower": ("> 1.99 * (", "> 1.9701 * ("),
    }
    whole = {k: (block, block.replace(old, new)) for k, (old, new) in edits.items()}
    promtool_fails_each(files, tmp_path, test, rules, whole, "ErrorRateRegression")
