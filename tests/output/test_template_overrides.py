"""`--templates DIR` overrides built-in templates by relative path, sandboxed and strict."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.errors import OutputError, TemplateError
from generator.output import sandbox
from generator.pipeline import build
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
    rate = "{{ summed(by) }}(rate({{ metric }}"  # the sum_rate macro: a typo in its metric
    assert macros.count(rate) == 1
    broken = macros.replace(rate, rate + "_typo")
    templates = override(tmp_path, broken, "prometheus/_promql.j2")
    res = run_cli("validate", str(DURI_SPEC), "--templates", str(templates))
    assert res.returncode == 2
    assert "output: prometheus/rules/recording.yml: group duri-services.recording: " in res.stderr
    assert "which is neither in the metric catalogue nor a recording rule" in res.stderr


HOSTILE = ROOT / "tests" / "hostile" / "base.yaml"
EXPRESSIONS = {
    "power": ("{{ 9**(9**9) }}", "refuses a power of more than 4096 bits"),
    "float-power": ("{{ 2.0 ** 5000 }}", "refuses a power of more than 4096 bits"),
    "repeated-string": ("{{ 'x' * 10**10 }}", "refuses a value of more than 4000000 characters"),
    "huge-range": ("{% for i in range(10**9) %}{% endfor %}", "refuses a range of more than"),
    "nested-ranges": (
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        "(1000000 per file)",
    ),
    "center": ("{{ 'x'.center(10**9) }}", "refuses an argument larger than 4000000"),
    "indent-filter": ("{{ 'a' | indent(10**9) }}", "refuses an argument larger than 4000000"),
    "format-width": ("{{ '{:>999999999}'.format(1) }}", "refuses a format width"),
    "percent-width": ("{{ '%999999999s' % 1 }}", "refuses a format width"),
    "doubling-concat": (
        "{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n else s }}{% endmacro %}{{ d('a', 40) }}",
        "refuses a value of more than 4000000 characters",
    ),
    "squaring": (
        "{% macro d(s, n) %}{{ d(s * s, n - 1) if n else s }}{% endmacro %}{{ d(10**100, 40) }}",
        "refuses a product of more than 4096 bits",
    ),
    "endless-macro": ("{% macro d() %}{{ d() }}{% endmacro %}{{ d() }}", "RecursionError"),
    "division-by-zero": ("{{ 1 // 0 }}", "ZeroDivisionError"),
}


@pytest.mark.parametrize("case", sorted(EXPRESSIONS), ids=str)
def test_a_template_asking_for_unbounded_work_fails_at_once_naming_file_and_line(
    tmp_path: Path, case: str
) -> None:
    expression, message = EXPRESSIONS[case]
    templates = override(
        tmp_path, BUILTIN.read_text().replace("global:", f"{expression}\nglobal:", 1)
    )
    with pytest.raises(TemplateError) as err:
        build(HOSTILE, tmp_path / "out", templates=templates)
    [line] = err.value.lines()
    assert line.startswith(f"template {templates / 'prometheus' / 'prometheus.yml.j2'}:")
    assert message in line


def test_an_output_past_the_size_cap_is_refused_while_it_renders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox, "MAX_OUTPUT", 1000)
    templates = override(tmp_path, BUILTIN.read_text())
    with pytest.raises(TemplateError, match="refuses an output of more than 1000 characters"):
        build(HOSTILE, tmp_path / "out", templates=templates)


def test_a_macro_may_return_a_whole_file_past_one_values_cap_but_not_past_the_output_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the built-in rule files are written by one macro call: at a thousand services its
    # result is far past the cap on one value (4,000,000 characters)
    monkeypatch.setattr(sandbox, "MAX_TEXT", 20_000)
    files = build(DURI_SPEC, tmp_path / "out").files
    assert len(files["prometheus/rules/slo.yml"]) > 20_000
    monkeypatch.setattr(sandbox, "MAX_OUTPUT", 20_000)
    with pytest.raises(TemplateError, match="refuses an output of more than 20000 characters"):
        build(DURI_SPEC, tmp_path / "out")


JUST_TEXT = [
    ("prometheus/prometheus.yml.j2", ("files",)),
    ("prometheus/rules.yml.j2", ("files",)),
    ("prometheus/tests.yml.j2", ("files",)),
    ("alertmanager/alertmanager.yml.j2", ("files",)),
    ("alertmanager/routing-table.yml.j2", ("files",)),
    ("grafana/dashboards/dashboard.json.j2", ("files",)),
    ("grafana/provisioning/datasources.yml.j2", ("files",)),
    ("grafana/provisioning/dashboards.yml.j2", ("files",)),
    ("ALERTS.md.j2", ("files",)),
    ("kubernetes/prometheusrule.yaml.j2", ("files", "kubernetes")),
    ("kubernetes/alertmanager-secret.yaml.j2", ("files", "kubernetes")),
    ("kubernetes/grafana-configmap.yaml.j2", ("files", "kubernetes")),
    ("kubernetes/servicemonitor.yaml.j2", ("files", "kubernetes")),
    ("mimir/namespace.yml.j2", ("files", "mimir")),
    ("thanos/rules.yml.j2", ("files", "thanos")),
]


def test_every_built_in_template_is_covered_by_the_just_text_sweep() -> None:
    templates = ROOT / "templates"
    built_in = {
        p.relative_to(templates).as_posix()
        for p in templates.rglob("*.j2")
        if not p.name.startswith("_")
    }
    assert built_in == {rel for rel, _ in JUST_TEXT}


@pytest.mark.parametrize(("rel", "targets"), JUST_TEXT, ids=[rel for rel, _ in JUST_TEXT])
def test_an_override_rendering_the_wrong_shape_fails_validation_for_every_output_kind(
    tmp_path: Path, rel: str, targets: tuple[str, ...]
) -> None:
    text = '{"just": "text"}\n' if ".json" in rel else "just: text\n"
    templates = override(tmp_path, text, rel)
    with pytest.raises(OutputError):
        build(HOSTILE, tmp_path / "out", templates=templates, targets=targets)


def test_generate_refuses_an_override_rendering_just_text_as_prometheus_yml(tmp_path: Path) -> None:
    templates = override(tmp_path, "just: text\n")
    out = tmp_path / "out"
    res = run_cli("generate", str(HOSTILE), "--out", str(out), "--templates", str(templates))
    assert res.returncode == 2
    assert "output: prometheus/prometheus.yml: global.scrape_interval is not the planned 15s" in (
        res.stderr.splitlines()
    )
    assert not out.exists()


def test_an_override_dropping_a_rule_is_refused_naming_it(tmp_path: Path) -> None:
    macros = (ROOT / "templates" / "prometheus" / "_rules.j2").read_text()
    dropping = macros.replace("{% for rule in group.rules %}", "{% for rule in group.rules[1:] %}")
    assert dropping != macros
    templates = override(tmp_path, dropping, "prometheus/_rules.j2")
    plan = build(HOSTILE, tmp_path / "plain").plan
    first = plan.rule_files[0].groups[0]
    dropped = getattr(first.rules[0], "record", None) or getattr(first.rules[0], "alert", None)
    with pytest.raises(OutputError) as err:
        build(HOSTILE, tmp_path / "out", templates=templates)
    expected = (
        f"output: {plan.rule_files[0].path}: group {first.name}: its rules differ from the "
        f"plan's (missing [{dropped!r}], unplanned [])"
    )
    assert expected in err.value.lines()


@pytest.mark.parametrize("where", ["file", "directory"])
def test_a_symlink_in_the_templates_directory_is_refused_and_its_target_never_read(
    tmp_path: Path, where: str
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("global:\n  scrape_interval: TOPSECRET\n")
    templates = tmp_path / "team-templates"
    (templates / "prometheus").mkdir(parents=True)
    if where == "file":
        link = templates / "prometheus" / "prometheus.yml.j2"
        link.symlink_to(secret)
    else:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "prometheus.yml.j2").write_text(secret.read_text())
        (templates / "prometheus").rmdir()
        link = templates / "prometheus"
        link.symlink_to(elsewhere, target_is_directory=True)
    out = tmp_path / "out"
    res = run_cli("generate", str(HOSTILE), "--out", str(out), "--templates", str(templates))
    assert res.returncode == 2
    assert res.stderr.splitlines() == [
        f"template {link}: is a symbolic link; overrides are read only as regular files "
        f"inside {templates}"
    ]
    assert "TOPSECRET" not in res.stderr + res.stdout
    assert not out.exists()


def test_a_fifo_in_the_templates_directory_is_refused_not_waited_on(tmp_path: Path) -> None:
    templates = tmp_path / "team-templates"
    (templates / "prometheus").mkdir(parents=True)
    fifo = templates / "prometheus" / "prometheus.yml.j2"
    os.mkfifo(fifo)
    res = run_cli("validate", str(HOSTILE), "--templates", str(templates))
    assert res.returncode == 2
    assert res.stderr.splitlines() == [f"template {fifo}: is not a regular file"]


def test_a_built_in_template_failing_in_an_outdated_override_names_the_override(
    tmp_path: Path,
) -> None:
    # an override of the PromQL macros copied from an obsgen whose sum_rate took no `by`
    macros = (ROOT / "templates" / "prometheus" / "_promql.j2").read_text()
    head = "{%- macro sum_rate(metric, selector, window, by=[]) -%}"
    assert macros.count(head) == 1
    templates = override(
        tmp_path,
        macros.replace(head, "{%- macro sum_rate(metric, selector, window) -%}"),
        rel="prometheus/_promql.j2",
    )
    out = tmp_path / "out"
    res = run_cli("generate", str(DURI_SPEC), "--out", str(out), "--templates", str(templates))
    assert res.returncode == 2
    (err,) = res.stderr.splitlines()
    # the line that failed is the built-in caller's, which the user never edited ...
    caller = ROOT / "templates" / "prometheus" / "_rules.j2"
    assert err.startswith(f"template {caller}:"), err
    assert "macro 'sum_rate' takes no keyword argument 'by'" in err
    # ... so the message names the override it called into, and where it lies
    assert f"it reads the overridden prometheus/_promql.j2 from {templates}" in err
    assert not out.exists()


def test_an_error_in_an_override_itself_names_only_its_own_line(tmp_path: Path) -> None:
    macros = (ROOT / "templates" / "prometheus" / "_promql.j2").read_text()
    templates = override(tmp_path, macros + "{{ 1 / 0 }}\n", rel="prometheus/_promql.j2")
    res = run_cli("validate", str(DURI_SPEC), "--templates", str(templates))
    assert res.returncode == 2
    (err,) = res.stderr.splitlines()
    assert err.startswith(f"template {templates / 'prometheus' / '_promql.j2'}:"), err
    assert "ZeroDivisionError" in err and "overridden" not in err
