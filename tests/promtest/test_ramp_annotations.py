"""Where a check of a threshold alert falls while the 5m rate still ramps, the two Prometheus
versions print a firing alert's `$value` differently, so no `alert_rule_test` can hold its
annotations. Such a check is written as the ALERTS series that fire then (labels only), and
the annotations are checked at the first later evaluation where both print alike. DuRi
scraped every minute and evaluated every 2m was refused for its critical latency alert
(`for: 2m`, inside the ramp); it now generates, promtool passes its tests, and a `for`
doubled fails them. So does a p95 threshold inside a coarse bucket (0.9s between 0.5s
and 1s, `for: 2m`), which was an invalid-spec case until then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from generator.pipeline import Build, build
from tests.conftest import DURI_SPEC, FIXTURES, promtool_fails_each, promtool_test

TESTS = "prometheus/tests/alerts.yml"
RULES = ("prometheus/rules/recording.yml", "prometheus/rules/alerts.yml")
COARSE = FIXTURES / "specs" / "coarse-latency-buckets.yaml"


def _duri_every_2m(tmp: Path) -> Build:
    text = DURI_SPEC.read_text(encoding="utf-8")
    text = text.replace("  scrape_interval: 15s ", "  scrape_interval: 1m  ", 1)
    text = text.replace("  evaluation_interval: 30s ", "  evaluation_interval: 2m  ", 1)
    assert "scrape_interval: 1m" in text and "evaluation_interval: 2m" in text
    spec = tmp / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    return build(spec, tmp / "out", display="spec.yaml")


def _groups(files: dict[str, str], title: str) -> list[dict[str, Any]]:
    return [g for g in yaml.safe_load(files[TESTS])["tests"] if title in g["name"]]


def test_a_check_inside_the_ramp_names_the_firing_alerts_by_their_alerts_series(
    tmp_path: Path,
) -> None:
    files = _duri_every_2m(tmp_path).files
    (group,) = _groups(files, "LatencyP95High critical:")
    series = [e for e in group["promql_expr_test"] if e["expr"].startswith("ALERTS{")]
    assert series, "no check by ALERTS series"
    for check in series:
        assert check["expr"] == 'ALERTS{alertname="LatencyP95High", alertstate="firing"}'
        for sample in check["exp_samples"]:
            assert 'alertstate="firing"' in sample["labels"] and sample["value"] == 1
    # the annotations are still checked: at evaluations outside the ramp
    checked = [c for c in group["alert_rule_test"] if c["alertname"] == "LatencyP95High"]
    assert any(a.get("exp_annotations") for c in checked for a in c.get("exp_alerts") or [])


def test_promtool_passes_them_and_fails_the_critical_for_doubled(tmp_path: Path) -> None:
    files = _duri_every_2m(tmp_path).files
    run = promtool_test(files, tmp_path / "as-is", TESTS, RULES)
    assert run.returncode == 0, run.stdout + run.stderr
    rule = (
        "expr: 'service:http_request_duration_seconds:p95_rate5m"
        '{tier=~"brain|control|core|evolution"} > 1\'\n        for: 2m\n'
    )
    rules = files[RULES[1]]
    assert rules.count(rule) == 1
    doubled = {**files, RULES[1]: rules.replace(rule, rule.replace("for: 2m", "for: 4m"))}
    run = promtool_test(doubled, tmp_path / "doubled", TESTS, RULES)
    assert run.returncode != 0
    assert "LatencyP95High" in run.stdout + run.stderr


def test_a_p95_threshold_inside_a_coarse_bucket_is_proved_and_held(tmp_path: Path) -> None:
    # 0.9s lies between the 0.5s and 1s buckets, with for: 2m: refused as "cannot be pinned"
    files = build(COARSE, tmp_path / "out", display="spec.yaml").files
    (group,) = _groups(files, "LatencyP95High critical:")
    assert any(e["expr"].startswith("ALERTS{") for e in group["promql_expr_test"])
    run = promtool_test(files, tmp_path / "as-is", TESTS, RULES)
    assert run.returncode == 0, run.stdout + run.stderr
    rule = 'p95_rate5m{tier="core"} > 0.9\'\n        for: 2m\n'
    edits = {
        "for-doubled": (rule, rule.replace("for: 2m", "for: 4m")),
        "threshold-lowered": (rule, rule.replace("> 0.9", "> 0.8")),
        "threshold-raised": (rule, rule.replace("> 0.9", "> 0.95")),
    }
    promtool_fails_each(files, tmp_path, TESTS, RULES, edits, "LatencyP95High")


def test_a_check_where_another_levels_alert_turns_in_one_version_is_put_off_a_step(
    tmp_path: Path,
) -> None:
    """Payments scraped and evaluated every minute, its p99.9 critical with `for: 2m`: the
    warning (0.3s, `for: 10m`), crossed in the ramp to the critical's just-short level,
    turned at the critical's firing check in one Prometheus version only ("the model cannot
    tell whether LatencyP999High{service="ledger",severity="warning"} fires at 19m"). The
    threshold is crossed a few evaluations later instead; promtool passes the tests and fails
    the critical's `for` doubled or ledger's threshold 1 % higher."""
    data = yaml.safe_load((FIXTURES / "payments" / "spec.yaml").read_text(encoding="utf-8"))
    data["prometheus"].update(scrape_interval="1m", evaluation_interval="1m")
    data["alerts"]["latency"]["critical"]["for"] = "2m"
    # the example's values are a scrape apart: at 1m it fires by 21m, not 20m
    data["custom_alerts"]["PaymentQueueBacklog"]["example"]["fires_at"] = "25m"
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    files = build(tmp_path / "spec.yaml", tmp_path / "out", display="spec.yaml").files
    run = promtool_test(files, tmp_path / "as-is", TESTS, RULES)
    assert run.returncode == 0, run.stdout + run.stderr
    ledger = 'rate5m{service="ledger"} > 0.5\'\n        for: 2m\n'
    edits = {
        "for-doubled": (ledger, ledger.replace("for: 2m", "for: 4m")),
        "threshold-higher": (ledger, ledger.replace("> 0.5'", "> 0.505'")),
    }
    promtool_fails_each(files, tmp_path, TESTS, RULES, edits, "LatencyP999High")
