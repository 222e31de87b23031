"""A wheel (not only an editable install) carries the templates and renders the spec."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import DURI_OUT, DURI_SPEC, ROOT, render_spec


def test_wheel_ships_templates_and_renders_duri_from_outside_the_repo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = dist.glob("obsgen-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "generator/templates/prometheus/rules.yml.j2" in names
    assert not any(n.startswith("templates/") for n in names)

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    work = tmp_path / "work"
    (work / "spec").mkdir(parents=True)
    (work / "spec" / "duri.yaml").write_bytes(DURI_SPEC.read_bytes())
    code = (
        "import generator, sys; print(generator.__file__); from generator.cli import main; main()"
    )
    res = subprocess.run(
        [sys.executable, "-c", code, "generate"],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0].startswith(str(target))
    expected = render_spec(DURI_SPEC, DURI_OUT).files
    for rel, text in expected.items():
        assert (work / "out" / rel).read_text() == text, rel
