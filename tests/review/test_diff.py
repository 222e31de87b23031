"""`obsgen diff`: each kind of behavioural change, from a before/after spec pair
(tests/fixtures/diff/<case>/) to the exact report; git revisions, split specs, exit codes."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import cli
from tests.conftest import FIXTURES

CASES = FIXTURES / "diff"
# The group of the report each fixture exists to show.
SHOWS = {
    "alert_added": "Alerts added (1)",
    "alert_removed": "Alerts removed (1)",
    "threshold_changed": "Thresholds and `for` changed (1)",
    "routing_changed": "**Routing changed (8)**",
    "dashboard_panels": "**Dashboard panels added (4)**",
    "recording_rule_renamed": "Recording rules renamed (3)",
}


def run(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(cli, ["diff", *args], catch_exceptions=False)


def expected(case: Path) -> tuple[str, list[str]]:
    """The expected report of a case, and the format option that prints it."""
    if (case / "expected.md").exists():
        return (case / "expected.md").read_text(encoding="utf-8"), ["--format", "markdown"]
    return (case / "expected.txt").read_text(encoding="utf-8"), []


def test_every_case_directory_is_covered() -> None:
    assert sorted(p.name for p in CASES.iterdir() if p.is_dir()) == sorted(SHOWS)


@pytest.mark.parametrize("name", sorted(SHOWS))
def test_report_of_each_kind_of_change_is_exactly_the_expected_one(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES / name
    want, options = expected(case)
    res = run(case, monkeypatch, "before.yaml", "after.yaml", *options)
    assert res.exit_code == 0
    assert res.output == want
    assert SHOWS[name] in res.output


def test_the_same_spec_twice_reports_no_change_and_exit_code_flags_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = CASES / "threshold_changed"
    same = run(case, monkeypatch, "before.yaml", "before.yaml", "--exit-code")
    assert (same.exit_code, same.output) == (
        0,
        "No behavioural changes: before.yaml -> before.yaml\n",
    )
    changed = run(case, monkeypatch, "before.yaml", "after.yaml", "--exit-code")
    assert changed.exit_code == 1


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_git_revisions_of_one_spec_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES / "threshold_changed"
    _git(tmp_path, "init", "-q")
    shutil.copy(case / "before.yaml", tmp_path / "spec.yaml")
    _git(tmp_path, "add", "spec.yaml")
    _git(tmp_path, "commit", "-q", "-m", "before")
    shutil.copy(case / "after.yaml", tmp_path / "spec.yaml")
    _git(tmp_path, "commit", "-q", "-am", "after")
    (tmp_path / "spec.yaml").write_text("not: a spec\n")  # the work tree is not read
    res = run(tmp_path, monkeypatch, "--git", "HEAD~1", "HEAD", "spec.yaml")
    assert res.exit_code == 0, res.output
    want = (case / "expected.txt").read_text(encoding="utf-8")
    assert res.output == want.replace(
        "before.yaml -> after.yaml", "HEAD~1:spec.yaml -> HEAD:spec.yaml", 1
    )


def test_an_unknown_revision_exits_2_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _git(tmp_path, "init", "-q")
    shutil.copy(CASES / "alert_added" / "before.yaml", tmp_path / "spec.yaml")
    _git(tmp_path, "add", "spec.yaml")
    _git(tmp_path, "commit", "-q", "-m", "only")
    res = run(tmp_path, monkeypatch, "--git", "no-such-rev", "HEAD", "spec.yaml")
    assert res.exit_code == 2
    assert "no-such-rev" in res.output and "Traceback" not in res.output


def _split(spec: Path, into: Path) -> None:
    """A split spec: the routing section in its own file."""
    text = spec.read_text(encoding="utf-8")
    cut = text.index("\nrouting:\n")
    into.mkdir()
    (into / "main.yaml").write_text(text[: cut + 1], encoding="utf-8")
    (into / "routing.yaml").write_text(text[cut + 1 :], encoding="utf-8")


def test_split_spec_directories_compare_like_single_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES / "routing_changed"
    _split(case / "before.yaml", tmp_path / "before")
    _split(case / "after.yaml", tmp_path / "after")
    res = run(tmp_path, monkeypatch, "before", "after", "--format", "markdown")
    assert res.exit_code == 0, res.output
    want = (case / "expected.md").read_text(encoding="utf-8")
    assert res.output == want.replace("`before.yaml` → `after.yaml`", "`before` → `after`", 1)


def test_a_bad_spec_exits_2_with_located_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = (CASES / "alert_added" / "before.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(good, encoding="utf-8")
    bad = good.replace("gold: {availability: 99.95}", "gold: {availability: 101}")
    (tmp_path / "b.yaml").write_text(bad, encoding="utf-8")
    line = bad.splitlines().index("  gold: {availability: 101}") + 1
    column = "  gold: {availability: 101}".index("101") + 1
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["diff", "a.yaml", "b.yaml"], catch_exceptions=False)
    assert res.exit_code == 2
    assert (
        f"b.yaml:{line}:{column}: tiers.gold.availability: must be less than 100 (got 101)"
        in res.output
    )


def test_two_paths_are_required_without_git(monkeypatch: pytest.MonkeyPatch) -> None:
    res = run(CASES / "alert_added", monkeypatch, "before.yaml")
    assert res.exit_code == 2
    assert "give two spec paths" in res.output
