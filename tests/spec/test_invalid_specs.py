"""Every invalid spec in tests/invalid/ fails with exactly its expected lines, exit 2, and
leaves out/ untouched.

Each case file starts with `# expect: <line>` comments: the exact stderr lines, with the
case's path written as SPEC. Cases whose bytes cannot be committed as YAML (non-UTF-8, huge
files) are built by the tests below.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT, invoke_cli, run_cli, snapshot

CASES = sorted((ROOT / "tests" / "invalid").glob("*.yaml"))


def expected_lines(case: Path) -> list[str]:
    """The `# expect:` lines of a case, with SPEC standing for the case's path."""
    rel = case.relative_to(ROOT).as_posix()
    lines = case.read_bytes().decode("utf-8", errors="replace").splitlines()
    return [
        ln.removeprefix("# expect: ").replace("SPEC", rel)
        for ln in lines
        if ln.startswith("# expect: ")
    ]


def run_generate(case: Path, out: Path) -> tuple[int, list[str], str]:
    res = invoke_cli("generate", case.relative_to(ROOT).as_posix(), "--out", str(out))
    return res.returncode, res.stderr.splitlines(), res.stdout


@pytest.fixture
def seeded_out(tmp_path: Path) -> Path:
    """An out/ holding the DuRi golden, to prove a failed run changes nothing."""
    out = tmp_path / "out"
    shutil.copytree(ROOT / "out", out)
    return out


def test_there_are_invalid_cases_and_each_states_its_expectation() -> None:
    assert len(CASES) >= 10
    for case in CASES:
        assert expected_lines(case), f"{case.name} has no '# expect:' line"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_invalid_spec_prints_expected_lines_exits_2_and_leaves_out_untouched(
    case: Path, seeded_out: Path
) -> None:
    before = snapshot(seeded_out)
    code, stderr, stdout = run_generate(case, seeded_out)
    assert code == 2, stderr
    assert "Traceback" not in "\n".join(stderr)
    assert stderr == expected_lines(case)
    assert stdout == ""
    assert snapshot(seeded_out) == before


def test_non_utf8_spec_is_reported_with_its_position(tmp_path: Path) -> None:
    case = tmp_path / "latin1.yaml"
    case.write_bytes(b"version: 1\nname: caf\xe9\n")
    res = run_cli("validate", str(case))
    assert res.returncode == 2
    assert res.stderr.splitlines() == [f"{case}:2:10: the file is not valid UTF-8 (byte 0xe9)"]


def test_oversized_spec_is_refused_before_parsing(tmp_path: Path) -> None:
    case = tmp_path / "huge.yaml"
    with case.open("w") as fh:
        fh.write("version: 1\ndescription: |\n")
        line = "  " + "x" * 1022 + "\n"
        for _ in range(50 * 1024):
            fh.write(line)
    res = run_cli("validate", str(case))
    assert res.returncode == 2
    assert res.stderr.splitlines() == [
        f"{case}:1:1: the spec is larger than the limit of 4194304 bytes"
    ]


def test_missing_spec_file_is_a_clear_error(tmp_path: Path) -> None:
    res = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert res.returncode == 2
    assert res.stderr.splitlines() == [
        f"{tmp_path / 'nope.yaml'}:1:1: cannot read the spec: No such file or directory"
    ]
