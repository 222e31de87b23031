"""`check` reads out/ without following a symlink out of it: a symlink a pull request plants in
out/ is reported as such, and what it points at is never read or printed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.output import compare
from generator.output.write import write_outputs
from tests.conftest import DURI_SPEC, invoke_cli

SECRET = "password: hunter2-do-not-print\n"
FILES = {"prometheus/prometheus.yml": "global: {}\n", "prometheus/rules/a.yml": "groups: []\n"}


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "home" / "secret.yml"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def test_a_symlinked_file_is_reported_and_its_target_never_read(
    tmp_path: Path, secret: Path
) -> None:
    out = tmp_path / "out"
    write_outputs(out, FILES)
    (out / "prometheus" / "prometheus.yml").unlink()
    (out / "prometheus" / "prometheus.yml").symlink_to(secret)
    drifts = compare(out, FILES)
    assert [(d.path, d.status, d.changes) for d in drifts] == [
        (
            "prometheus/prometheus.yml",
            "changed",
            ["a symlink (not followed); obsgen writes a regular file here"],
        )
    ]


def test_a_symlinked_directory_is_reported_and_nothing_under_it_read(
    tmp_path: Path, secret: Path
) -> None:
    out = tmp_path / "out"
    write_outputs(out, FILES)
    shutil.rmtree(out / "prometheus" / "rules")
    (secret.parent / "a.yml").write_text(SECRET)
    (out / "prometheus" / "rules").symlink_to(secret.parent)
    drifts = compare(out, FILES)
    assert [(d.path, d.changes) for d in drifts] == [
        (
            "prometheus/rules/a.yml",
            ["prometheus/rules is a symlink (not followed); obsgen writes a regular file here"],
        )
    ]


def test_a_symlinked_out_itself_is_the_users_choice_and_is_read(tmp_path: Path) -> None:
    real = tmp_path / "real"
    write_outputs(real, FILES)
    (tmp_path / "out").symlink_to(real)
    assert compare(tmp_path / "out", FILES) == []


def test_check_prints_no_content_of_a_file_a_pull_request_symlinks_into_out(
    tmp_path: Path, secret: Path
) -> None:
    (tmp_path / "spec").mkdir()
    shutil.copy(DURI_SPEC, tmp_path / "spec" / "duri.yaml")
    assert invoke_cli("generate", cwd=tmp_path).returncode == 0
    target = tmp_path / "out" / "alertmanager" / "alertmanager.yml"
    target.unlink()
    target.symlink_to(secret)
    res = invoke_cli("check", cwd=tmp_path)
    assert res.returncode == 1
    assert "hunter2" not in res.stdout + res.stderr
    assert "  alertmanager/alertmanager.yml: changed" in res.stdout
    assert "    a symlink (not followed); obsgen writes a regular file here" in res.stdout
