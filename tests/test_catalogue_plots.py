"""The catalogue's plots: byte-stable SVGs with matplotlib; without it, generate keeps the
committed SVGs and says it skipped them, and check gives the same answer either way."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import plots
from generator.numbers import parse_duration
from generator.pipeline import build
from tests.conftest import DURI_OUT, DURI_SPEC, render_spec, snapshot, stdout_under_hash_seeds

# Runs the CLI with matplotlib unimportable, as on an install without the `plots` extra.
NO_MATPLOTLIB = (
    "import sys; sys.modules['matplotlib'] = None; from generator.cli import main; main()"
)


def cli(work: Path, *args: str, matplotlib: bool = True) -> subprocess.CompletedProcess[str]:
    code = "from generator.cli import main; main()" if matplotlib else NO_MATPLOTLIB
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A scratch repo holding the DuRi spec and its committed out/."""
    (tmp_path / "spec").mkdir()
    shutil.copy(DURI_SPEC, tmp_path / "spec" / "duri.yaml")
    shutil.copytree(DURI_OUT, tmp_path / "out")
    return tmp_path


def test_an_svg_is_byte_identical_across_processes_with_different_hash_seeds() -> None:
    code = (
        "import sys; from pathlib import Path; from generator.pipeline import build;"
        "from generator.plots import draw; b = build(Path(sys.argv[1]), Path(sys.argv[2]));"
        "sys.stdout.write(draw(b.plan, b.plan.catalogue.slos[0]))"
    )
    runs = stdout_under_hash_seeds(code, str(DURI_SPEC), str(DURI_OUT))
    assert runs[0] == runs[1]
    assert runs[0] == (DURI_OUT / "plots" / "duri-brain-availability.svg").read_text()


def test_each_curve_at_a_total_outage_is_the_catalogue_figure() -> None:
    b = render_spec(DURI_SPEC, DURI_OUT)
    assert b.plan.catalogue is not None
    for entry in b.plan.catalogue.slos:
        for curve, row in zip(
            plots.curves(b.plan, entry),
            [
                a
                for a in b.plan.catalogue.alerts
                if a.burn and a.service == entry.service and dict(a.labels)["slo"] == entry.slo
            ],
            strict=True,
        ):
            assert row.burn is not None and row.burn.outage is not None
            rate, seconds = curve.points[-1]
            assert rate == 100
            assert seconds == parse_duration(row.burn.outage) / 1000, curve.label


def test_a_fresh_out_without_matplotlib_gets_the_same_catalogue_and_no_plots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_plots = render_spec(DURI_SPEC, DURI_OUT)
    monkeypatch.setattr(plots, "available", lambda: False)
    fresh = build(DURI_SPEC, tmp_path / "out", display="spec/duri.yaml")
    drawn = sorted(p for p in with_plots.files if p.startswith("plots/"))
    assert len(drawn) == len(with_plots.plan.slos)
    assert fresh.skipped == tuple(drawn)
    assert not any(p.startswith("plots/") for p in fresh.files)
    assert fresh.files["ALERTS.md"] == with_plots.files["ALERTS.md"]


def test_generate_without_matplotlib_keeps_up_to_date_svgs_without_drawing(work: Path) -> None:
    before = snapshot(work / "out")
    res = cli(work, "generate", matplotlib=False)
    assert res.returncode == 0, res.stderr
    assert not [ln for ln in res.stdout.splitlines() if ln.startswith("skipped ")]
    assert snapshot(work / "out") == before


def test_without_matplotlib_only_plots_whose_inputs_changed_are_skipped(work: Path) -> None:
    spec = work / "spec" / "duri.yaml"
    spec.write_text(
        spec.read_text().replace("brain: {availability: 99.5", "brain: {availability: 99.6")
    )
    res = cli(work, "generate", matplotlib=False)
    assert res.returncode == 0, res.stderr
    skipped = [ln.split()[1] for ln in res.stdout.splitlines() if ln.startswith("skipped ")]
    assert skipped == ["out/plots/duri-brain-availability.svg"]
    assert all(
        "(matplotlib not installed: pip install 'obsgen[plots]'" in ln
        for ln in res.stdout.splitlines()
        if ln.startswith("skipped ")
    )


def test_check_gives_the_same_verdict_with_or_without_matplotlib(work: Path) -> None:
    with_extra = cli(work, "check")
    without = cli(work, "check", matplotlib=False)
    assert (with_extra.returncode, without.returncode) == (0, 0), without.stdout
    assert "not compared" not in with_extra.stdout + without.stdout


def test_a_hand_edited_svg_is_drift_only_where_check_can_draw_it(work: Path) -> None:
    svg = work / "out" / "plots" / "duri-core-availability.svg"
    svg.write_text(svg.read_text().replace("#c0392b", "#000000"))
    with_extra = cli(work, "check")
    assert with_extra.returncode == 1
    assert "plots/duri-core-availability.svg: changed" in with_extra.stdout
    without = cli(work, "check", matplotlib=False)
    assert without.returncode == 0
    assert "not compared: 1 plots" in without.stdout
