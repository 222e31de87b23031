"""promtool and amtool, called through subprocess on files in a temporary directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from generator.errors import ToolError

TIMEOUT_S = 120


def find(name: str) -> str | None:
    """Path of a tool on PATH, or None."""
    return shutil.which(name)


def require(name: str) -> str:
    """Path of a tool, or ToolError saying how to install it."""
    path = find(name)
    if path is None:
        package = "prometheus" if name == "promtool" else "prometheus-alertmanager"
        raise ToolError(f"{name} not found on PATH; install Debian's {package} package")
    return path


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a tool and capture its output (never raises on a non-zero exit)."""
    return subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


def materialise(files: dict[str, str], root: Path) -> None:
    """Write rendered files under `root` (for tools that read paths)."""
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")


def check_prometheus(files: dict[str, str], rule_files: list[str], config: str) -> list[str]:
    """`promtool check rules --lint-fatal` on each rule file and `check config` on the config."""
    promtool = require("promtool")
    problems = []
    with tempfile.TemporaryDirectory(prefix="obsgen-promtool-") as tmp:
        root = Path(tmp)
        materialise(files, root)
        for rel in rule_files:
            res = run([promtool, "check", "rules", "--lint-fatal", rel], cwd=root)
            if res.returncode != 0:
                problems.append(f"{rel}: promtool check rules: {(res.stdout + res.stderr).strip()}")
        res = run([promtool, "check", "config", "--lint-fatal", config], cwd=root)
        if res.returncode != 0:
            problems.append(f"{config}: promtool check config: {(res.stdout + res.stderr).strip()}")
    return problems
