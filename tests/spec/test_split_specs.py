"""Split specs: a directory of YAML files merges deterministically; conflicts name both files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.errors import SpecError
from generator.plan import read_spec
from tests.conftest import ROOT, run_cli

SPLIT = ROOT / "examples" / "split" / "spec"


@pytest.fixture
def split(tmp_path: Path) -> Path:
    target = tmp_path / "spec"
    shutil.copytree(SPLIT, target)
    return target


def test_split_example_merges_every_team_file() -> None:
    spec, _ = read_spec(SPLIT, "examples/split/spec")
    assert sorted(spec.services) == ["checkout", "payments", "search"]
    assert sorted(spec.datastores) == ["orders-db"]
    assert spec.alerts.cpu is not None and spec.alerts.postgres_connections is not None


def test_split_example_out_is_its_committed_golden() -> None:
    # generated in examples/split, so its headers name the spec `spec`
    res = run_cli("check", "spec", "--out", "out", cwd=ROOT / "examples" / "split")
    assert res.returncode == 0, res.stdout + res.stderr


def test_merge_does_not_depend_on_file_creation_order(split: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    for path in sorted(split.rglob("*.yaml"), reverse=True):
        target = other / path.relative_to(split)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    assert read_spec(split, "s")[0] == read_spec(other, "s")[0]


def test_a_service_defined_in_two_files_names_both(split: Path) -> None:
    (split / "teams" / "zz-copy.yaml").write_text(
        "services:\n  search:\n    tier: standard\n    selector: {job: search2}\n"
    )
    with pytest.raises(SpecError) as err:
        read_spec(split, "spec")
    assert err.value.lines() == [
        "spec/teams/zz-copy.yaml:2:3: services.search: also defined in "
        "spec/teams/search.yaml:3:3; each value belongs to one file of a split spec"
    ]


def test_a_scalar_set_in_two_files_is_a_conflict(split: Path) -> None:
    (split / "teams" / "rename.yaml").write_text("name: other\n")
    with pytest.raises(SpecError) as err:
        read_spec(split, "spec")
    assert err.value.lines() == [
        "spec/teams/rename.yaml:1:1: name: also defined in spec/root.yaml:5:1; "
        "each value belongs to one file of a split spec"
    ]


def test_errors_inside_a_part_point_at_that_file(split: Path) -> None:
    path = split / "teams" / "search.yaml"
    path.write_text(path.read_text().replace("tier: standard", "tier: gold"))
    res = run_cli("validate", str(split))
    assert res.returncode == 2
    assert res.stderr.splitlines() == [
        f"{split}/teams/search.yaml:4:11: services.search.tier: unknown tier 'gold'; "
        "defined: critical, standard"
    ]


def test_an_empty_directory_is_a_clear_error(tmp_path: Path) -> None:
    res = run_cli("validate", str(tmp_path))
    assert res.returncode == 2
    assert res.stderr.strip() == f"{tmp_path}:1:1: the directory holds no *.yaml spec files"
