"""`--templates DIR` overrides built-in templates by relative path, sandboxed and strict."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import DURI_SPEC, ROOT, render_spec, run_cli

BUILTIN = ROOT / "templates" / "prometheus" / "prometheus.yml.j2"


def override(tmp_path: Path, text: str, rel: str = "prometheus/prometheus.yml.j2") -> Path:
    root = tmp_path / "team-templates"
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)
    return root


def test_an_override_replaces_only_its_own_output(tmp_path: Path) -> None:
    text = BUILTIN.read_text().replace("global:", "# reviewed by team sre\nglobal:", 1)
    templates = override(tmp_path, text)
    out = tmp_path / "out"
    res = run_cli("generate", str(DURI_SPEC), "--out", str(out), "--templates", str(templates))
    assert res.returncode == 0, res.stderr
    assert "# reviewed by team sre\nglobal:" in (out / "prometheus" / "prometheus.yml").read_text()
    builtin = render_spec(DURI_SPEC, out).files
    rules = "prometheus/rules/alerts.yml"
    assert (out / rules).read_text() == builtin[rules]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{{ config.__class__.__mro__ }}", "access to attribute '__class__'"),
        ("{{ config.no_such_field }}", "has no attribute 'no_such_field'"),
        ("{{ secret_value }}", "'secret_value' is undefined"),
    ],
)
def test_a_template_touching_what_the_plan_does_not_offer_fails_naming_file_and_line(
    tmp_path: Path, line: str, message: str
) -> None:
    templates = override(tmp_path, "# header\nglobal:\n" + line + "\n")
    out = tmp_path / "out"
    res = run_cli("generate", str(DURI_SPEC), "--out", str(out), "--templates", str(templates))
    assert res.returncode == 2
    (err,) = res.stderr.splitlines()
    where = f"template {templates / 'prometheus' / 'prometheus.yml.j2'}:3: "
    assert err.startswith(where), err
    assert message in err
    assert not out.exists()


def test_override_output_passes_the_same_validation(tmp_path: Path) -> None:
    macros = (ROOT / "templates" / "prometheus" / "_promql.j2").read_text()
    broken = macros.replace("sum(rate({{ metric }}", "sum(rate({{ metric }}_typo", 1)
    templates = override(tmp_path, broken, "prometheus/_promql.j2")
    res = run_cli("validate", str(DURI_SPEC), "--templates", str(templates))
    assert res.returncode == 2
    assert "output: prometheus/rules/recording.yml: group duri-brain.recording: " in res.stderr
    assert "which is neither in the metric catalogue nor a recording rule" in res.stderr
