"""The CLI: generate's per-file statuses, check's exit codes and semantic diff, validate, schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import DURI_SPEC, ROOT, render_spec, run_cli, snapshot


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A scratch repo with spec/duri.yaml, so the CLI's defaults apply."""
    (tmp_path / "spec").mkdir()
    shutil.copy(DURI_SPEC, tmp_path / "spec" / "duri.yaml")
    return tmp_path


def statuses(stdout: str) -> dict[str, str]:
    return {line.split()[1]: line.split()[0] for line in stdout.splitlines()}


def test_generate_with_defaults_creates_then_reports_unchanged(work: Path) -> None:
    first = run_cli("generate", cwd=work)
    assert first.returncode == 0, first.stderr
    created = statuses(first.stdout)
    assert created and set(created.values()) == {"created"}
    assert "out/prometheus/rules/alerts.yml" in created
    second = run_cli("generate", cwd=work)
    assert set(statuses(second.stdout).values()) == {"unchanged"}
    assert set(statuses(second.stdout)) == set(created)


def test_generate_reports_updated_and_removed_and_keeps_foreign_files(work: Path) -> None:
    assert run_cli("generate", cwd=work).returncode == 0
    out = work / "out"
    (out / "README.local").write_text("ours, not obsgen's\n")
    (out / "prometheus" / "rules" / "old.yml").write_text("groups: []\n")
    manifest = out / ".obsgen-manifest"
    manifest.write_text(manifest.read_text() + "prometheus/rules/old.yml\n")
    (out / "prometheus" / "prometheus.yml").write_text("# edited by hand\n")

    res = run_cli("generate", cwd=work)
    got = statuses(res.stdout)
    assert got["out/prometheus/prometheus.yml"] == "updated"
    assert got["out/prometheus/rules/old.yml"] == "removed"
    assert not (out / "prometheus" / "rules" / "old.yml").exists()
    assert (out / "README.local").read_text() == "ours, not obsgen's\n"


def test_check_is_clean_after_generate(work: Path) -> None:
    run_cli("generate", cwd=work)
    res = run_cli("check", cwd=work)
    assert res.returncode == 0
    assert res.stdout.strip() == "out/ matches spec/duri.yaml"


def test_check_names_file_and_yaml_path_of_a_semantic_change(work: Path) -> None:
    run_cli("generate", cwd=work)
    spec = work / "spec" / "duri.yaml"
    spec.write_text(spec.read_text().replace("scrape_interval: 15s", "scrape_interval: 20s"))
    res = run_cli("check", cwd=work)
    assert res.returncode == 1
    assert "  prometheus/prometheus.yml: changed" in res.stdout
    assert "    global.scrape_interval: '15s' -> '20s'" in res.stdout


def test_check_says_when_a_difference_is_formatting_only(work: Path) -> None:
    run_cli("generate", cwd=work)
    target = work / "out" / "prometheus" / "prometheus.yml"
    target.write_text(target.read_text().replace("scrape_interval: 15s", "scrape_interval:   15s"))
    res = run_cli("check", cwd=work)
    assert res.returncode == 1
    assert "  prometheus/prometheus.yml: formatting" in res.stdout
    assert "formatting only: same data, other text" in res.stdout


def test_check_reports_missing_files_and_json_format(work: Path) -> None:
    run_cli("generate", cwd=work)
    (work / "out" / "prometheus" / "rules" / "alerts.yml").unlink()
    res = run_cli("check", "--format", "json", cwd=work)
    assert res.returncode == 1
    report = json.loads(res.stdout)
    assert set(report) == {"clean", "files"}
    assert report["clean"] is False
    assert {"path": "prometheus/rules/alerts.yml", "status": "missing"}.items() <= (
        report["files"][0].items()
    )


def test_bad_spec_exits_2_for_every_command_and_touches_nothing(work: Path) -> None:
    run_cli("generate", cwd=work)
    before = snapshot(work / "out")
    spec = work / "spec" / "duri.yaml"
    spec.write_text(spec.read_text().replace("availability: 99.9,", "availability: 101,", 1))
    for command in ("generate", "check", "validate"):
        res = run_cli(command, cwd=work)
        assert res.returncode == 2, command
        assert res.stderr.startswith("spec/duri.yaml:"), res.stderr
        assert "tiers.core.availability: must be less than 100 (got 101)" in res.stderr
        assert "Traceback" not in res.stderr
    assert snapshot(work / "out") == before


def test_spec_and_out_can_be_given_explicitly(tmp_path: Path) -> None:
    out = tmp_path / "elsewhere"
    res = run_cli("generate", str(DURI_SPEC), "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert (out / "prometheus" / "prometheus.yml").is_file()
    assert run_cli("check", str(DURI_SPEC), "--out", str(out)).returncode == 0


def test_validate_reports_the_outputs_it_checked_with_both_tools(tmp_path: Path) -> None:
    # a one-service spec: DuRi's generated tests are run by tests/promtest already
    spec = "tests/hostile/base.yaml"
    res = run_cli("validate", spec, "--out", str(tmp_path / "out"), "--require-tools")
    assert res.returncode == 0, res.stderr
    assert res.stdout == f"{spec}: valid, {len(render_spec(ROOT / spec, tmp_path).files)} outputs\n"


def test_schema_prints_the_spec_json_schema_with_descriptions() -> None:
    res = run_cli("schema")
    schema = json.loads(res.stdout)
    assert schema["title"] == "Spec"
    assert "services" in schema["required"]
    for name, definition in schema["$defs"].items():
        for field, prop in definition.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field} has no description"


def test_python_dash_m_generator_runs_the_cli() -> None:
    res = run_cli("--help")
    assert res.returncode == 0
    for command in ("generate", "check", "validate", "schema"):
        assert command in res.stdout


def test_generated_files_never_escape_out(tmp_path: Path) -> None:
    from generator.output.write import WriteError, write_outputs

    for bad in ("../escape.yml", "/etc/passwd", "a/../../b", "nul\x00.yml", ".obsgen-manifest"):
        with pytest.raises(WriteError):
            write_outputs(tmp_path / "out", {bad: "x\n"})
    assert not (tmp_path / "escape.yml").exists()
    assert not (tmp_path / "out").exists()


def test_a_failure_between_files_leaves_previous_out_intact(tmp_path: Path) -> None:
    from generator.output import write_outputs

    out = tmp_path / "out"
    write_outputs(out, {"a.yml": "a: 1\n", "b.yml": "b: 1\n"})
    before = snapshot(out)

    def explode(path: str) -> None:
        if path == "b.yml":
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_outputs(out, {"a.yml": "a: 2\n", "b.yml": "b: 2\n"}, before_each=explode)
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
