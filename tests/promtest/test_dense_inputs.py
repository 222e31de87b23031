"""A spec scraped every second still gets rule tests promtool runs: `promtool test rules`
refuses a query loading more than 10,000 samples, and the health rules read 3h and 6h of raw
series (21,600 samples of one series fed a second apart). The inputs are then fed at the
finest spacing dividing a minute that keeps the longest range within 2,000 samples of a
series; a spec whose ranges fit keeps its scrape interval (DuRi: 15s)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import generator.promtest.plan as test_plan
from generator.pipeline import build
from generator.prometheus import AlertRule, Expr, Group, RuleFile
from generator.promtest.ranges import SERIES_SAMPLES, longest_range_s, spacing_within
from tests.conftest import DURI_OUT, FIXTURES, promtool_test

SPEC = FIXTURES / "e2e" / "spec.yaml"  # scrape_interval: 1s
HEALTH = "prometheus/tests/health.yml"
RULES = ("prometheus/rules/recording.yml", "prometheus/rules/health.yml")


def _spacings(text: str) -> set[str]:
    return {group["interval"] for group in yaml.safe_load(text)["tests"]}


def test_a_one_second_scrape_is_fed_every_12s_and_promtool_passes_its_health_tests(
    tmp_path: Path,
) -> None:
    files = build(SPEC, tmp_path / "out", display="spec.yaml").files
    # 6h of one series within 2,000 samples: 10.8s, and 12s is the next divisor of a minute
    assert _spacings(files[HEALTH]) == {"12s"}
    run = promtool_test(files, tmp_path / "rendered", HEALTH, RULES)
    assert run.returncode == 0, run.stdout + run.stderr


def test_fed_every_second_the_same_health_tests_load_too_many_samples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(test_plan, "spacing_within", lambda spacing, longest: spacing)
    files = build(SPEC, tmp_path / "out", display="spec.yaml").files
    assert _spacings(files[HEALTH]) == {"1s"}
    run = promtool_test(files, tmp_path / "rendered", HEALTH, RULES)
    assert run.returncode != 0
    assert "too many samples" in run.stdout + run.stderr


def test_duri_keeps_its_15s_scrape_as_input_spacing() -> None:
    for name in ("health.yml", "alerts.yml"):
        text = (DURI_OUT / "prometheus" / "tests" / name).read_text(encoding="utf-8")
        assert _spacings(text) == {"15s"}


@pytest.mark.parametrize(
    ("spacing", "longest", "expected"),
    [
        (15, 6 * 3600, 15),  # 1,440 samples: as scraped
        (1, 300, 1),  # a 5m rate a second apart: 300 samples
        (1, SERIES_SAMPLES, 1),  # exactly the budget
        (1, SERIES_SAMPLES + 1, 2),
        (1, 6 * 3600, 12),  # 10 would hold 2,160: over
        (1, 3 * 3600, 6),  # 5 would hold 2,160
        (5, 30 * 86400, 60),  # no divisor of a minute fits: a minute, the coarsest
        (60, 30 * 86400, 60),
    ],
)
def test_spacing_within_is_the_finest_divisor_of_a_minute_within_the_budget(
    spacing: int, longest: int, expected: int
) -> None:
    assert spacing_within(spacing, longest) == expected


def _file(*exprs: Expr) -> RuleFile:
    rules = tuple(AlertRule(f"A{i}", e, "0s", (), ()) for i, e in enumerate(exprs))
    return RuleFile("rules.yml", (Group("g", rules),))


def test_longest_range_reads_window_arguments_and_custom_promql_not_offsets() -> None:
    built_in = Expr("increased", {"metric": "m", "selector": [], "window": "3h"})
    nested = Expr("any_of", {"parts": [Expr("fill_prediction", {"over": "6h"})]})
    offset = Expr("regression", {"offset": "1d", "window": "5m"})
    custom = Expr("raw", {"text": "max_over_time(rate(x[5m])[1d:1m]) > 0"})
    assert longest_range_s([_file(built_in)]) == 3 * 3600
    assert longest_range_s([_file(built_in, nested)]) == 6 * 3600
    assert longest_range_s([_file(offset)]) == 300  # an offset moves a window, not widens it
    assert longest_range_s([_file(offset, custom)]) == 86400  # the subquery's day
    assert longest_range_s([_file()]) == 0


def test_a_custom_alerts_example_keeps_the_scrape_spacing_when_the_file_is_fed_sparser(
    tmp_path: Path,
) -> None:
    """An example's values are one scrape interval apart (spec/custom_alerts.py): when a rule
    of alerts.yml reads an hour (2s inputs at a 1s scrape), the example's groups stay at 1s,
    the other groups go to 2s, and promtool passes both."""
    text = SPEC.read_text(encoding="utf-8")
    queue = "'max by (queue) (duri_queue_depth{$selector}) > 1000'"
    assert queue in text
    hour = "'max by (queue) (max_over_time(duri_queue_depth{$selector}[1h])) > 1000'"
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace(queue, hour), encoding="utf-8")
    files = build(spec, tmp_path / "out", display="spec.yaml").files
    groups = yaml.safe_load(files["prometheus/tests/alerts.yml"])["tests"]
    spacing = {("QueueBacklog" in g["name"], g["interval"]) for g in groups}
    assert spacing == {(True, "1s"), (False, "2s")}
    assert all(
        "QueueBacklog" not in g["name"] or g["name"].startswith("QueueBacklog") for g in groups
    )
    rules = ("prometheus/rules/recording.yml", "prometheus/rules/alerts.yml")
    run = promtool_test(files, tmp_path / "rendered", "prometheus/tests/alerts.yml", rules)
    assert run.returncode == 0, run.stdout + run.stderr
