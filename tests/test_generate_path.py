"""What `generate` does and does not do on its way: the schema conformance checks are
`check`'s (and run on generate for template overrides), no tool runs, and compiled
templates are reused between runs but never served stale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest

from generator.core import conventions as cv
from generator.errors import OutputError
from generator.output import validate_outputs
from generator.pipeline import Build
from tests.conftest import DURI_OUT, DURI_SPEC, ROOT, render_spec, run_cli

GENERATE = (sys.executable, "-m", "generator", "generate")
# Runs `generate` in a fresh interpreter where starting any process raises, then reports
# which of the modules generate must not need were imported.
_PROBE = """
import json, subprocess, sys
def refuse(*args, **kwargs):
    raise AssertionError(f"generate started a process: {args!r}")
subprocess.Popen.__init__ = refuse
from generator.cli import cli
try:
    cli(["generate", sys.argv[1], "--out", sys.argv[2]], standalone_mode=False)
finally:
    unwanted = ("jsonschema", "deepdiff", "matplotlib")
    print(json.dumps(sorted(m for m in unwanted if m in sys.modules)))
"""


def test_generate_imports_no_schema_or_diff_library_and_starts_no_process(tmp_path: Path) -> None:
    res = subprocess.run(
        [sys.executable, "-c", _PROBE, str(DURI_SPEC), str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.strip().splitlines()[-1]) == []
    assert (tmp_path / "out" / "prometheus" / "rules" / "alerts.yml").is_file()


@pytest.fixture(scope="module")
def duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


def _broken_provisioning(duri: Build) -> dict[str, str]:
    files = dict(duri.files)
    path = cv.grafana_datasources_file("duri")
    files[path] = files[path].replace("access: proxy", "access: direct")
    return files


def test_schema_conformance_is_a_deep_check_that_generate_leaves_to_check(duri: Build) -> None:
    files = _broken_provisioning(duri)
    validate_outputs(duri.plan, files, deep=False)  # what generate runs with built-ins
    with pytest.raises(OutputError) as caught:
        validate_outputs(duri.plan, files, deep=True)
    assert [m.split(":")[0] for m in caught.value.messages] == [cv.grafana_datasources_file("duri")]


def _datasource_override(tmp_path: Path, access: str) -> Path:
    builtin = ROOT / "templates" / "grafana" / "provisioning" / "datasources.yml.j2"
    root = tmp_path / "team-templates"
    target = root / "grafana" / "provisioning" / "datasources.yml.j2"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(builtin.read_text().replace("access: proxy", f"access: {access}"))
    return root


def test_generate_runs_the_schema_checks_on_overridden_templates(tmp_path: Path) -> None:
    templates = _datasource_override(tmp_path, "direct")
    out = tmp_path / "out"
    res = run_cli("generate", str(DURI_SPEC), "--out", str(out), "--templates", str(templates))
    assert res.returncode == 2
    assert "grafana/provisioning/datasources/duri.yml: " in res.stderr
    assert not out.exists()


def _generate(tmp_path: Path, env: dict[str, str], out: str, *extra: str) -> Path:
    """Run `generate` with only `env` (and PATH) from inside `tmp_path`, so anything it
    writes relative to the working directory lands there too; the output directory."""
    res = subprocess.run(
        [*GENERATE, str(DURI_SPEC), "--out", str(tmp_path / out), *extra],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**env, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert res.returncode == 0, res.stderr
    return tmp_path / out


def test_an_edited_template_is_compiled_again_not_served_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    templates = tmp_path / "team-templates"
    rel = Path("prometheus") / "prometheus.yml.j2"
    (templates / rel).parent.mkdir(parents=True)
    builtin = (ROOT / "templates" / rel).read_text()
    written = []
    for mark in ("first", "second"):
        (templates / rel).write_text(builtin.replace("global:", f"# {mark}\nglobal:", 1))
        out = _generate(
            tmp_path, {"OBSGEN_CACHE_DIR": str(cache)}, mark, "--templates", str(templates)
        )
        written.append((out / "prometheus" / "prometheus.yml").read_text())
    assert "# first\nglobal:" in written[0]
    assert "# second\nglobal:" in written[1]
    assert list(cache.rglob("*.cache"))  # the cache was used


def test_an_unwritable_cache_costs_speed_not_the_run(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory would go")
    out = _generate(tmp_path, {"OBSGEN_CACHE_DIR": str(blocker / "cache")}, "out")
    assert (out / "prometheus" / "prometheus.yml").is_file()


@pytest.mark.parametrize("overridden", [False, True], ids=["built-in", "overrides"])
def test_a_cache_directory_others_may_write_to_is_not_used(
    tmp_path: Path, overridden: bool
) -> None:
    # the built-in templates alone and with overrides (sandboxed) are cached apart
    kind = "sandboxed" if overridden else "builtin"
    shared = tmp_path / "shared" / f"jinja-{jinja2.__version__}-{kind}"
    shared.mkdir(parents=True)
    os.chmod(shared, 0o777)  # whatever the umask
    templates = tmp_path / "team-templates"
    templates.mkdir()
    overrides = ("--templates", str(templates)) if overridden else ()
    _generate(tmp_path, {"OBSGEN_CACHE_DIR": str(shared.parent)}, "out", *overrides)
    assert list(shared.rglob("*.cache")) == []
    assert shared.stat().st_mode & 0o777 == 0o777  # left as it was, not made private


def test_the_cache_can_be_turned_off(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _generate(tmp_path, {"OBSGEN_CACHE_DIR": "off", "HOME": str(home)}, "out")
    # neither under HOME (the default place) nor in a directory named "off"
    assert list(tmp_path.rglob("*.cache")) == []
    assert not (tmp_path / "off").exists()
