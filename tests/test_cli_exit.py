"""The console entry point ends the process without the interpreter's teardown, with the
exit status `sys.exit` would give and everything printed flushed first."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

# an exit handler stands for the teardown: it runs only if the interpreter shuts down
_MAIN = """
import atexit, sys
atexit.register(lambda: print("teardown ran", file=sys.stderr))
sys.argv = ["obsgen", *sys.argv[1:]]
from generator.cli import main
main()
"""


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},  # pipes buffer
    )


def test_the_entry_point_prints_in_full_and_skips_the_teardown() -> None:
    res = _python(_MAIN, "--version")
    assert (res.returncode, res.stdout, res.stderr) == (0, "obsgen, version 0.1.0\n", "")


def test_the_entry_point_keeps_click_usage_errors_status_2_and_message() -> None:
    res = _python(_MAIN, "generate", "--no-such-option")
    assert res.returncode == 2
    assert "No such option '--no-such-option'" in res.stderr
    assert "teardown ran" not in res.stderr


def test_a_refused_spec_still_exits_2_with_its_problems_printed(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("version: 2\nservices: 7\n")
    res = _python(_MAIN, "generate", str(spec), "--out", str(tmp_path / "out"))
    assert res.returncode == 2
    assert "spec.yaml" in res.stderr and "services" in res.stderr
    assert "teardown ran" not in res.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("code", "status", "stderr"),
    [
        (None, 0, ""),
        (0, 0, ""),
        (1, 1, ""),
        (2, 2, ""),
        ("bad luck", 1, "bad luck\n"),
        (2.5, 1, "2.5\n"),
    ],
)
def test_leave_exits_as_sys_exit_would_after_flushing_what_was_printed(
    code: object, status: int, stderr: str
) -> None:
    res = _python(
        "import sys; from generator.cli import _leave\n"
        "print('written before', end='')\n"  # buffered: stdout is a pipe here
        f"_leave({code!r})\n"
    )
    assert (res.returncode, res.stdout, res.stderr) == (status, "written before", stderr)
