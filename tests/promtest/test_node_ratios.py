"""The node ratios no alert reads are proved by value (promtest/node_ratios.py): a spec
without node alerts gets a check of each recorded ratio at a known use, a spec alerting on
all three gets none (its threshold tests prove them), and the checks fail on a ratio whose
constant moved by 1 %."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.core import conventions as cv
from generator.pipeline import Build, build
from tests.conftest import DURI_OUT, DURI_SPEC, FIXTURES, promtool_test

RATIOS = (cv.NODE_CPU_UTILISATION, cv.NODE_MEMORY_UTILISATION, cv.NODE_FILESYSTEM_UTILISATION)
RULES = ("prometheus/rules/alerts.yml", "prometheus/rules/recording.yml")
TESTS = "prometheus/tests/alerts.yml"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Build:
    return build(FIXTURES / "shop" / "spec.yaml", tmp_path_factory.mktemp("shop") / "out")


def _ratio_checks(b: Build) -> dict[str, str]:
    """The node ratios checked by value: name -> the check's expression."""
    doc = yaml.safe_load(b.files[TESTS])
    exprs = [c["expr"] for g in doc["tests"] for c in g.get("promql_expr_test") or []]
    return {r: e for r in RATIOS for e in exprs if e.startswith(f"count({r}{{")}


def test_a_spec_without_node_alerts_gets_each_node_ratio_checked_at_62_5_percent(
    shop: Build,
) -> None:
    assert not any("alert: Node" in shop.files[path] for path in RULES)
    checks = _ratio_checks(shop)
    assert set(checks) == set(RATIOS)
    assert all(">= 0.6249375 <= 0.6250625)" in e for e in checks.values())
    assert 'mountpoint="/"' in checks[cv.NODE_FILESYSTEM_UTILISATION]


def test_a_spec_alerting_on_every_node_ratio_gets_no_extra_check() -> None:
    assert _ratio_checks(build(DURI_SPEC, DURI_OUT)) == {}


def test_promtool_passes_the_checks_and_fails_a_ratio_whose_constant_moved(
    shop: Build, tmp_path: Path
) -> None:
    run = promtool_test(shop.files, tmp_path / "as-rendered", TESTS, RULES)
    assert run.returncode == 0, run.stdout + run.stderr
    recording = shop.files["prometheus/rules/recording.yml"]
    for before in ("expr: '1 - node_memory", "expr: '1 - node_filesystem"):
        assert recording.count(before) == 1
        moved = {**shop.files, RULES[1]: recording.replace(before, before.replace("1", "0.99"))}
        run = promtool_test(moved, tmp_path / before[8:], TESTS, RULES)
        assert run.returncode != 0, f"{before} -> 0.99 passed"
        assert "utilisation:ratio" in run.stdout + run.stderr
