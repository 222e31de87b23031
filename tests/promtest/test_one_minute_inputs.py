"""Threshold alerts of a spec scraped every minute are proved, not refused: a 5m rate window
holds 5 samples in Prometheus 2 and 4 in Prometheus 3, so while the rate ramps across the
threshold the versions disagree and the model cannot name the evaluation the condition
starts at. The test then brackets `for`: silent at the last evaluation the alert surely does
not fire, firing at the first it surely does (a few minutes apart at most), which still
fails a `for` halved or doubled. A scrape interval that leaves a 5m window a fraction of a
sample (90s, 2m) is fed every minute instead of making generate fail."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from generator.core.numbers import parse_duration
from generator.pipeline import build
from generator.promtest.plan import input_spacing
from tests.conftest import FIXTURES, promtool_test

SPEC = FIXTURES / "specs" / "one-minute-scrape.yaml"
RULES = ("prometheus/rules/alerts.yml", "prometheus/rules/recording.yml")


def _files(tmp_path: Path) -> dict[str, str]:
    return build(SPEC, tmp_path / "out", display="one-minute-scrape.yaml").files


def _latency_checks(files: dict[str, str], severity: str) -> list[tuple[int, bool]]:
    tests = yaml.safe_load(files["prometheus/tests/alerts.yml"])
    (case,) = [c for c in tests["tests"] if c["name"].startswith(f"LatencyP95High {severity}:")]
    return [
        (parse_duration(c["eval_time"]), bool(c["exp_alerts"]))
        for c in case["alert_rule_test"]
        if c["alertname"] == "LatencyP95High"
    ]


def test_a_latency_threshold_between_buckets_at_1m_inputs_gets_a_bracketed_for(
    tmp_path: Path,
) -> None:
    checks = _latency_checks(_files(tmp_path), "warning")
    assert [firing for _, firing in checks] == [False, False, True]
    (short, _), (silent, _), (fires, _) = checks
    for_ms = 30 * 60_000
    assert 60_000 < fires - silent <= 300_000  # the ramp's unsure evaluations are skipped
    # the signal crosses its threshold at `short` + the 5m ramp at most: `for` is bracketed
    assert short + for_ms <= fires <= short + 300_000 + for_ms
    assert silent >= short + for_ms - 60_000


def _promtool(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return promtool_test(files, tmp_path / "rendered", "prometheus/tests/alerts.yml", RULES)


def test_promtool_passes_the_bracketed_tests_and_fails_a_halved_or_doubled_for(
    tmp_path: Path,
) -> None:
    files = _files(tmp_path)
    run = _promtool(tmp_path / "as-rendered", files)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = files["prometheus/rules/alerts.yml"].splitlines(keepends=True)
    # the `for` of the warning LatencyP95High (the rule's second line below its name)
    (at_line,) = [
        i + 2
        for i, line in enumerate(lines)
        if line.strip() == "- alert: LatencyP95High" and lines[i + 2].strip() == "for: 30m"
    ]
    for changed in ("15m", "1h"):
        mutated = dict(files)
        edited = [*lines]
        edited[at_line] = edited[at_line].replace("30m", changed)
        mutated["prometheus/rules/alerts.yml"] = "".join(edited)
        run = _promtool(tmp_path / changed, mutated)
        assert run.returncode != 0, f"for 30m -> {changed} passed"
        assert "LatencyP95High" in run.stdout + run.stderr


def test_inputs_are_spaced_so_a_5m_rate_window_holds_whole_samples() -> None:
    assert [input_spacing(s) for s in (10, 15, 30, 60, 150)] == [10, 15, 30, 60, 150]
    # a 90s or 2m scrape would leave a 5m window a fraction of a sample: fed every minute
    assert [input_spacing(s) for s in (90, 120, 45, 7)] == [60, 60, 30, 6]


def test_a_spec_scraped_every_2m_generates_tests_fed_every_minute_that_promtool_passes(
    tmp_path: Path,
) -> None:
    text = SPEC.read_text(encoding="utf-8")
    slow = text.replace("  scrape_interval: 1m\n  evaluation_interval: 1m\n", "")
    slow = slow.replace(
        "prometheus:\n", "prometheus:\n  scrape_interval: 2m\n  evaluation_interval: 2m\n"
    )
    assert slow.count("interval: 2m") == 2
    (tmp_path / "spec.yaml").write_text(slow, encoding="utf-8")
    files = build(tmp_path / "spec.yaml", tmp_path / "out", display="spec.yaml").files
    tests = yaml.safe_load(files["prometheus/tests/alerts.yml"])
    assert tests["evaluation_interval"] == "2m"
    assert {case["interval"] for case in tests["tests"]} == {"1m"}
    run = _promtool(tmp_path, files)
    assert run.returncode == 0, run.stdout + run.stderr
