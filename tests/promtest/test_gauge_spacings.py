"""A gauge SLI's counted scenario is built at every scrape spacing obsgen feeds: its burst of
zeros must leave the 5m window at an evaluation both Prometheus versions count alike, and
where the window's start falls on a zero (a 1m, 20s, 12s or 4s spacing at the 4m step) they
do not, so the burst starts a sample later. Before, `generate` failed on any spec with a
gauge SLO scraped every minute."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.pipeline import build
from generator.promtest.cases import RATE_WINDOW_S, Ctx
from generator.promtest.plan import SLOW_STEP
from generator.promtest.slo_gauge_counted import _timeline
from generator.promtest.slo_gauge_model import VERSIONS, agreed
from tests.conftest import FIXTURES, promtool_test

SPACINGS = [d for d in range(1, 61) if 60 % d == 0]  # promtest.plan.input_spacing's
KINDS = FIXTURES / "slo-kinds" / "spec.yaml"  # a gauge SLO, scraped every 30s


@pytest.mark.parametrize("spacing", SPACINGS)
def test_the_burst_leaves_the_window_at_an_evaluation_both_versions_count_alike(
    spacing: int,
) -> None:
    line = _timeline(Ctx(None, spacing, SLOW_STEP))  # type: ignore[arg-type]  # no spec read
    when, zeros = line.leaving
    assert when % SLOW_STEP == 0
    assert agreed(line.probes, when, RATE_WINDOW_S)[1] == zeros
    for span in (RATE_WINDOW_S // 2, RATE_WINDOW_S * 2):  # a window half or twice as long
        for version in VERSIONS:
            assert sum(p.counts(when, span, version)[1] for p in line.probes) != zeros


def test_the_first_zero_moves_a_sample_later_only_where_the_window_would_start_on_one() -> None:
    phases = {s: _timeline(Ctx(None, s, SLOW_STEP)).phase for s in SPACINGS}  # type: ignore[arg-type]
    assert {s for s, p in phases.items() if p == 2} == {4, 12, 20, 60}


def test_a_gauge_slo_scraped_every_minute_generates_and_promtool_passes_its_tests(
    tmp_path: Path,
) -> None:
    text = KINDS.read_text(encoding="utf-8")
    assert "  scrape_interval: 30s\n" in text
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace("  scrape_interval: 30s\n", "  scrape_interval: 1m\n"))
    files = build(spec, tmp_path / "out", display="spec.yaml").files
    path = "prometheus/tests/slo-windows.yml"
    doc = yaml.safe_load(files[path])
    # the gauge's counted scenario alone: the file's other groups do not read the gauge's
    # series and take most of a minute
    doc["tests"] = [g for g in doc["tests"] if "samples counted" in g["name"]]
    assert doc["tests"]
    counted = {**files, path: yaml.safe_dump(doc, sort_keys=False, width=10**6)}
    rules = ("prometheus/rules/recording.yml", "prometheus/rules/slo.yml")
    run = promtool_test(counted, tmp_path / "rendered", path, rules)
    assert run.returncode == 0, run.stdout + run.stderr
