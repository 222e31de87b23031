"""promtool and amtool, called through subprocess on files in a temporary directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from generator.alertmanager import AlertmanagerPlan
from generator.errors import ToolError

TIMEOUT_S = 900  # a guard against a hung tool: big specs' test files take minutes
ROUTE_TEST_WORKERS = 4  # amtool runs take ~10 ms each; a few in parallel hide process start-up
# Go's garbage collector run a quarter as often as its default (GOGC=100): promtool's rule
# tests allocate for every rule at every step, and collecting less often cuts their CPU by
# 10 to 30 % for about twice the memory (70 -> 130 MB on DuRi's tests; README, Development).
# A GOGC the user set is kept.
GO_GC = "400"


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


def tool_env() -> dict[str, str]:
    """The environment promtool and amtool run in: ours, with GO_GC unless GOGC is set, and
    no colours in their output."""
    return {"GOGC": GO_GC, **os.environ, "NO_COLOR": "1"}


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a tool and capture its output (never raises on a non-zero exit; a run past
    TIMEOUT_S is killed and reported as a failed run saying so)."""
    try:
        return subprocess.run(
            args,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
            env=tool_env(),
        )
    except subprocess.TimeoutExpired:
        said = f"{Path(args[0]).name} {' '.join(args[1:])}: no answer within {TIMEOUT_S} s"
        return subprocess.CompletedProcess(args, 124, "", said)


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


def check_alertmanager_config(files: dict[str, str], config: str) -> list[str]:
    """`amtool check-config` on the rendered alertmanager.yml."""
    amtool = require("amtool")
    with tempfile.TemporaryDirectory(prefix="obsgen-amtool-") as tmp:
        root = Path(tmp)
        materialise(files, root)
        res = run([amtool, "check-config", config], cwd=root)
    if res.returncode != 0:
        return [f"{config}: amtool check-config: {(res.stdout + res.stderr).strip()}"]
    return []


def route_test_args(config: str, labels: dict[str, str], receivers: list[str]) -> list[str]:
    """Arguments of `amtool config routes test` verifying that `labels` reach `receivers`."""
    # label="value" is amtool's matcher syntax: the quotes keep any value in one piece
    pairs = [f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in sorted(labels.items())]
    return [
        "config",
        "routes",
        "test",
        f"--config.file={config}",
        f"--verify.receivers={','.join(receivers)}",
        *pairs,
    ]


def verify_routes(
    files: dict[str, str], config: str, rows: list[tuple[dict[str, str], list[str]]]
) -> list[str]:
    """Run `amtool config routes test --verify.receivers` for every row; one problem per miss.

    One amtool process per row (it tests one label set per call), several at a time.
    """
    amtool = require("amtool")
    with tempfile.TemporaryDirectory(prefix="obsgen-amtool-") as tmp:
        root = Path(tmp)
        materialise(files, root)

        def one(row: tuple[dict[str, str], list[str]]) -> str | None:
            labels, receivers = row
            res = run([amtool, *route_test_args(config, labels, receivers)], cwd=root)
            if res.returncode == 0:
                return None
            got = res.stdout.strip().splitlines()[:1] or [res.stderr.strip()]
            return f"{config}: {labels}: expected receivers {receivers}, amtool says {got[0]}"

        with ThreadPoolExecutor(max_workers=ROUTE_TEST_WORKERS) as pool:
            results = list(pool.map(one, rows))
    return [r for r in results if r is not None]


def check_alertmanager(files: dict[str, str], am: AlertmanagerPlan) -> list[str]:
    """`amtool check-config`, then a route test for every row of the routing table."""
    problems = check_alertmanager_config(files, am.path)
    if problems:
        return problems
    config = am.path.rsplit("/", 1)[-1]
    rows = [(dict(row.labels), list(row.receivers)) for row in am.rows]
    # amtool resolves relative to the working directory: run from the config's folder
    folder = am.path.rsplit("/", 1)[0] + "/"
    local = {p.removeprefix(folder): t for p, t in files.items() if p.startswith(folder)}
    return verify_routes(local, config, rows)


def run_rule_tests(
    files: dict[str, str], test_files: Sequence[str]
) -> list[subprocess.CompletedProcess[str]]:
    """`promtool test rules` on each of `test_files` (paths into `files`, written to a
    temporary directory first), two at a time: each takes seconds. Results in order."""
    promtool = require("promtool")
    with tempfile.TemporaryDirectory(prefix="obsgen-promtool-test-") as tmp:
        root = Path(tmp)
        materialise(files, root)

        def one(rel: str) -> subprocess.CompletedProcess[str]:
            where = root / rel
            return run([promtool, "test", "rules", where.name], cwd=where.parent)

        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(one, test_files))


def test_rules(files: dict[str, str], test_files: list[str]) -> list[str]:
    """`promtool test rules` on each generated test file; a warning (a rule file it names is
    missing) counts as a failure."""
    problems = []
    for rel, res in zip(test_files, run_rule_tests(files, test_files), strict=True):
        if res.returncode != 0 or "WARNING" in res.stderr:
            problems.append(f"{rel}: promtool test rules: {(res.stdout + res.stderr).strip()}")
    return problems


def check_target_rules(files: dict[str, str]) -> list[str]:
    """`promtool check rules` on the rule groups of the Kubernetes, Mimir and Thanos
    targets, with their target-specific keys stripped (targets.rule_groups)."""
    import yaml

    from generator.output.targets import rule_groups

    plain = {}
    for path, text in files.items():
        groups = rule_groups(path, yaml.safe_load(text)) if path.endswith((".yml", ".yaml")) else []
        if groups:
            plain[f"stripped/{path}"] = yaml.safe_dump({"groups": groups}, sort_keys=False)
    if not plain:
        return []
    promtool = require("promtool")
    with tempfile.TemporaryDirectory(prefix="obsgen-targets-") as tmp:
        root = Path(tmp)
        materialise(plain, root)
        res = run([promtool, "check", "rules", "--lint-fatal", *sorted(plain)], cwd=root)
    if res.returncode != 0:
        return [f"target rules: promtool check rules: {(res.stdout + res.stderr).strip()}"]
    return []
