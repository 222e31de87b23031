"""A split spec's directory walk is bounded: a directory that is not a spec stops with one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.errors import SpecError
from generator.plan import read_spec
from generator.spec import merge
from tests.conftest import ROOT, run_cli

SPLIT = ROOT / "examples" / "split" / "spec"


def test_directory_with_too_many_yaml_files_is_one_problem_and_out_is_untouched(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "spec"
    shutil.copytree(SPLIT, spec)
    extra = spec / "extra"
    extra.mkdir()
    for i in range(merge.MAX_PARTS):
        (extra / f"part{i:04}.yaml").write_text(f"x{i}: 1\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")

    res = run_cli("generate", str(spec), "--out", str(out))

    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert f"more than {merge.MAX_PARTS:,} YAML files" in lines[0]
    assert lines[0].startswith(f"{spec}:1:1:")
    assert "Traceback" not in res.stderr
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_walk_stops_after_max_entries_even_without_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "spec"
    shutil.copytree(SPLIT, spec)
    for i in range(30):
        (spec / f"note{i}.txt").write_text("not a spec part\n")
    monkeypatch.setattr(merge, "MAX_ENTRIES", 20)

    with pytest.raises(SpecError) as err:
        read_spec(spec, "spec")

    assert [str(p) for p in err.value.problems] == [
        "spec:1:1: the split-spec directory holds more than 20 entries; "
        "point obsgen at the spec's own directory"
    ]


def test_walk_at_the_limits_still_merges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "spec"
    shutil.copytree(SPLIT, spec)
    entries = sum(1 for _ in spec.rglob("*"))
    parts = sum(1 for p in spec.rglob("*.yaml"))
    monkeypatch.setattr(merge, "MAX_ENTRIES", entries)
    monkeypatch.setattr(merge, "MAX_PARTS", parts)

    loaded, _ = read_spec(spec, "spec")

    assert sorted(loaded.services) == ["checkout", "payments", "search"]
