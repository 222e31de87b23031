"""Shared test helpers: rendering specs in memory, goldens, and the real tools."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.output.tools import GO_GC
from generator.pipeline import Build, build
from generator.prometheus import AlertRule
from generator.promtest.model import Each, RuleTestGroup

ROOT = Path(__file__).resolve().parent.parent
DURI_SPEC = ROOT / "spec" / "duri.yaml"
DURI_OUT = ROOT / "out"
FIXTURES = ROOT / "tests" / "fixtures"
SHARED = ROOT.parent / "shared"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# compiled templates go to a cache of the test session's own, not the user's (template_cache)
os.environ.setdefault("OBSGEN_CACHE_DIR", tempfile.mkdtemp(prefix="obsgen-test-cache-"))
# every Go tool the suite starts (promtool, amtool, Prometheus, Alertmanager) collects garbage
# as obsgen's own tool runs do (output/tools.py): the suite's CPU goes mostly to promtool
os.environ.setdefault("GOGC", GO_GC)


def render_spec(spec: Path, out: Path) -> Build:
    """Render a spec in memory exactly as `obsgen generate SPEC --out OUT` would, run where
    its golden is generated: in OUT's parent when the spec lies under it (each fixture's
    golden names `spec.yaml`), else in the repository root (out/ names `spec/duri.yaml`)."""
    home = next(
        (d for d in (out.absolute().parent, ROOT) if spec.absolute().is_relative_to(d)), None
    )
    shown = spec.absolute().relative_to(home).as_posix() if home else None
    return build(spec, out, display=shown)


def build_data(tmp: Path, data: dict[str, Any]) -> Build:
    """Write spec data to `tmp`/spec.yaml and build it into `tmp`/out."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "spec.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return build(tmp / "spec.yaml", tmp / "out")


def slo_groups(b: Build) -> dict[str, list[dict[str, Any]]]:
    """The rules of each group of a build's SLO rule file, by group name."""
    doc = yaml.safe_load(b.files["prometheus/rules/slo.yml"])
    return {g["name"]: g["rules"] for g in doc["groups"]}


def slo_records(b: Build, record: str, slo: str) -> list[dict[str, Any]]:
    """Every rule of a build's SLO rule file recording `record` for SLO `slo`."""
    return [
        r
        for rules in slo_groups(b).values()
        for r in rules
        if r.get("record") == record and r.get("labels", {}).get("slo") == slo
    ]


def assert_slo_rules_alike(few: Build, many: Build) -> None:
    """Two builds of more and fewer services alike have the same shared SLO groups, with as
    many rules each: the rules do not grow with the services."""
    names = ["duri-services.slo-fast", "duri-services.slo-medium", "duri-services.slo-slow"]
    assert list(slo_groups(few)) == list(slo_groups(many)) == names
    assert [len(r) for r in slo_groups(few).values()] == [len(r) for r in slo_groups(many).values()]


def cut_tests(files: dict[str, str], path: str, prefix: str) -> dict[str, str]:
    """The files with test file `path` cut to its groups whose name starts with `prefix`
    (promtool runs a whole file: its other groups take long and prove other things)."""
    doc = yaml.safe_load(files[path])
    doc["tests"] = [g for g in doc["tests"] if g["name"].startswith(prefix)]
    assert doc["tests"], prefix
    return {**files, path: yaml.safe_dump(doc, sort_keys=False)}


def fixture_specs() -> list[Path]:
    """Every fixture spec with a golden out/ beside it."""
    return sorted(FIXTURES.glob("*/spec.yaml"))


def require_tool(name: str) -> str:
    """Path of promtool/amtool; skip without it, but fail in CI (CI=true) where it must exist."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} not installed (make test installs it from Debian as root)"
        if IN_CI:
            pytest.fail(f"{message}; CI=true requires it", pytrace=False)
        pytest.skip(message)
    return path


def promtool_test(
    files: dict[str, str], root: Path, test: str, rules: tuple[str, ...]
) -> subprocess.CompletedProcess[str]:
    """`promtool test rules` on the rendered test file `test` (a path in `files`), with the
    rule files it loads written beside it under `root`."""
    promtool = require_tool("promtool")
    for path in (*rules, test):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(files[path], encoding="utf-8")
    return subprocess.run(
        [promtool, "test", "rules", Path(test).name],
        cwd=root / Path(test).parent,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def promtool_fails_each(
    files: dict[str, str],
    root: Path,
    test: str,
    rules: tuple[str, ...],
    edits: dict[str, tuple[str, str]],
    alert: str,
) -> None:
    """`promtool test rules` on `test` fails on each edit of the last rule file of `rules`
    (its one occurrence of the old text replaced by the new), naming `alert`."""
    text = files[rules[-1]]
    for name, (old, new) in edits.items():
        assert text.count(old) == 1, (name, old)
        run = promtool_test({**files, rules[-1]: text.replace(old, new)}, root / name, test, rules)
        assert run.returncode != 0, name
        assert alert in run.stdout + run.stderr, name


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m generator ARGS` in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class CliResult:
    """What a CLI run printed and returned."""

    returncode: int
    stdout: str
    stderr: str


def invoke_cli(*args: str, cwd: Path | None = None) -> CliResult:
    """Run the CLI in this process (no interpreter start-up: for the many-case tests).

    An exception other than the CLI's own exit is re-raised: it would be a traceback.
    """
    from click.testing import CliRunner

    from generator.cli import cli

    with contextlib.chdir(cwd or ROOT):
        result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.stdout, result.stderr)


def stdout_under_hash_seeds(
    code: str, *args: str, seeds: tuple[str, ...] = ("1", "4242")
) -> list[str]:
    """What `python -c code args` prints under each PYTHONHASHSEED (determinism tests)."""
    return [
        subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin", "HOME": "/nonexistent"},
        ).stdout
        for seed in seeds
    ]


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` with its bytes (to prove nothing changed)."""
    if not directory.exists():
        return {}
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def rules_as_services_see_them(build: Build, path: str) -> list[tuple[str, dict[str, Any]]]:
    """(group name, rule) of every rule of a rendered rule file, a rule services share
    (prometheus/sharing.py, slo_sharing.py) once per service it covers, with that service's
    labels and annotations (what its alerts carry when they fire) and the shared expression."""
    doc = yaml.safe_load(build.files[path])
    (planned,) = [f for f in build.plan.rule_files if f.path == path]
    out = []
    for group, plan_group in zip(doc["groups"], planned.groups, strict=True):
        for rule, plan_rule in zip(group["rules"], plan_group.rules, strict=True):
            for view in plan_rule.views or (None,):
                seen = dict(rule)
                if view is not None:
                    seen["labels"] = dict(view.labels)
                    if isinstance(view, AlertRule):
                        seen["annotations"] = dict(view.annotations)
                out.append((group["name"], seen))
    return out


def set_members(group: RuleTestGroup, each: Each) -> list[dict[str, str]]:
    """The members a mapping check expects (promtest/members.py), read back from its test
    group's `obsgen_member{set="…"}` input series, without the set label."""
    return [
        {k: v for k, v in s.labels if k != "set"}
        for s in group.series
        if s.metric == each.series and ("set", each.set) in s.labels
    ]
