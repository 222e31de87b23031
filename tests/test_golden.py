"""out/ is the golden snapshot of spec/duri.yaml; each fixture spec has its own golden."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.output.write import read_manifest, write_outputs
from tests.conftest import (
    DURI_OUT,
    DURI_SPEC,
    UPDATE_GOLDEN,
    fixture_specs,
    render_spec,
    stdout_under_hash_seeds,
)


def _assert_matches_golden(spec: Path, out: Path) -> None:
    files = render_spec(spec, out).files
    if UPDATE_GOLDEN:
        write_outputs(out, files)
    on_disk = {p: (out / p).read_text(encoding="utf-8") for p in read_manifest(out)}
    assert sorted(on_disk) == sorted(files), "generated file set differs from the golden"
    for path, text in files.items():
        assert on_disk[path] == text, f"{out / path} differs; review, then `obsgen generate`"


def test_committed_out_is_exactly_what_duri_spec_renders() -> None:
    _assert_matches_golden(DURI_SPEC, DURI_OUT)


@pytest.mark.parametrize("spec", fixture_specs(), ids=lambda p: p.parent.name)
def test_fixture_spec_renders_its_golden(spec: Path) -> None:
    _assert_matches_golden(spec, spec.parent / "out")


def test_output_is_byte_identical_across_processes_with_different_hash_seeds() -> None:
    code = (
        "import sys, json; from pathlib import Path; from generator.pipeline import build;"
        "b = build(Path(sys.argv[1]), Path(sys.argv[2]));"
        "sys.stdout.write(json.dumps(b.files, sort_keys=True))"
    )
    runs = stdout_under_hash_seeds(code, str(DURI_SPEC), str(DURI_OUT))
    assert runs[0] == runs[1]
    assert len(runs[0]) > 1000


def test_every_output_ends_with_one_newline_and_uses_lf() -> None:
    for path, text in render_spec(DURI_SPEC, DURI_OUT).files.items():
        assert text.endswith("\n") and not text.endswith("\n\n"), path
        assert "\r" not in text, path
