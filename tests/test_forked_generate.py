"""`generate` plans the recording, alerting and health rule files in a forked child beside
the SLOs' (pipeline._rules), then the rule tests in another beside routing, catalogue and
dashboards (pipeline._outputs, core/forked.py): the same files and the same errors as a
serial run (OBSGEN_JOBS=1), which is what runs where forking is unsafe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DURI_SPEC, ROOT, snapshot

INVALID = ROOT / "tests" / "invalid"


def _python(jobs: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    """`python ARGS` from the repository root, forking by default or with OBSGEN_JOBS=jobs."""
    env = {k: v for k, v in os.environ.items() if k != "OBSGEN_JOBS"}
    if jobs is not None:
        env["OBSGEN_JOBS"] = jobs
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _refused_alike(tmp_path: Path, spec: Path, *extra: str) -> str:
    """Generate forked and serially; both refuse alike (exit 2, the same lines, nothing
    written): what they printed."""
    runs = [
        _python(jobs, "-m", "generator", "generate", str(spec), "--out", str(out), *extra)
        for jobs, out in ((None, tmp_path / "a"), ("1", tmp_path / "b"))
    ]
    assert [r.returncode for r in runs] == [2, 2]
    assert runs[0].stderr == runs[1].stderr
    assert "Traceback" not in runs[0].stderr
    assert not (tmp_path / "a").exists()
    return runs[0].stderr


COUNTING_FORKS = """
import os, sys
PID, FORKS, REAL = os.getpid(), [], os.fork
def counting():
    FORKS.append(1)
    return REAL()
os.fork = counting
import generator.cli as cli
leave = cli._leave
def counted(code):  # main() ends the process here, without running `finally` or atexit
    if os.getpid() == PID:
        print("forks", len(FORKS), file=sys.stderr)
    leave(code)
cli._leave = counted
cli.main()
"""


def test_generate_forks_twice_and_obsgen_jobs_1_not_at_all(tmp_path: Path) -> None:
    counted = {}
    for jobs in (None, "1"):
        out = tmp_path / f"out-{jobs}"
        res = _python(jobs, "-c", COUNTING_FORKS, "generate", str(DURI_SPEC), "--out", str(out))
        assert res.returncode == 0, res.stderr
        counted[jobs] = res.stderr.strip().splitlines()[-1]
    # one child for the side rule files, one for the rule tests
    assert counted == {None: "forks 2", "1": "forks 0"}
    assert snapshot(tmp_path / "out-None") == snapshot(tmp_path / "out-1")


@pytest.mark.parametrize(
    "name",
    [
        "regression-compare-too-short-to-test",  # the rule tests' planning refuses it
        "slo-min-events-beyond-test-traffic",
        "routing-route-fits-no-alert",  # the routing's planning refuses it
        "several-problems-at-once",  # the spec's own checks, before any planning
    ],
)
def test_a_refused_spec_gets_the_same_errors_forked_or_not(tmp_path: Path, name: str) -> None:
    printed = _refused_alike(tmp_path, INVALID / f"{name}.yaml")
    assert f"tests/invalid/{name}.yaml:" in printed  # located in the spec


def _overrides(tmp_path: Path, templates: dict[str, str]) -> Path:
    root = tmp_path / "team-templates"
    for rel, text in templates.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _duri_refused_with(tmp_path: Path, templates: dict[str, str]) -> str:
    """DuRi generated with these template overrides, refused alike forked or not."""
    root = _overrides(tmp_path, templates)
    return _refused_alike(tmp_path, DURI_SPEC, "--templates", str(root))


def test_the_rule_tests_template_error_comes_first_forked_or_not(tmp_path: Path) -> None:
    printed = _duri_refused_with(
        tmp_path,
        {
            "prometheus/tests.yml.j2": "{{ no_such_name }}\n",
            "prometheus/prometheus.yml.j2": "{{ another_missing_name }}\n",
        },
    )
    assert "tests.yml.j2" in printed and "no_such_name" in printed


def test_outputs_that_do_not_parse_back_are_listed_in_path_order_forked_or_not(
    tmp_path: Path,
) -> None:
    printed = _duri_refused_with(
        tmp_path,
        {
            "prometheus/tests.yml.j2": "tests: [unclosed\n",
            "grafana/provisioning/datasources.yml.j2": "datasources: [unclosed\n",
        },
    )
    unparsed = [line for line in printed.splitlines() if "does not parse back" in line]
    assert unparsed[0].startswith("output: grafana/provisioning/datasources/")
    assert {line.split(":")[1].strip().split("/")[1] for line in unparsed[1:]} == {"tests"}
    assert len(unparsed) == 1 + 6  # the datasource and DuRi's six test files


def test_test_files_that_name_no_rule_file_and_expect_nothing_fail_alike_forked_or_not(
    tmp_path: Path,
) -> None:
    # read back in the child, checked against the rule files in this process
    printed = _duri_refused_with(
        tmp_path,
        {"prometheus/tests.yml.j2": "rule_files: [../rules/nope.yml]\ntests: []\n"},
    ).splitlines()
    named = [line for line in printed if "names rule file ../rules/nope.yml" in line]
    untested = [line for line in printed if line.endswith("has no firing test")]
    assert len(named) == 6  # each of DuRi's test files
    assert any("alert LatencyP95High" in line for line in untested)
    assert any("alert Watchdog" in line for line in untested)


def test_problems_of_several_outputs_keep_the_checkers_order_forked_or_not(
    tmp_path: Path,
) -> None:
    printed = _duri_refused_with(
        tmp_path,
        {
            "grafana/dashboards/dashboard.json.j2": '{"uid": "same", "title": "t", "panels": []}',
            "alertmanager/alertmanager.yml.j2": "route:\n  receiver: nobody\nreceivers: []\n",
        },
    ).splitlines()
    files = [line.split(": ")[1] for line in printed]
    uids = [i for i, line in enumerate(printed) if "uid 'same' is also the uid of" in line]
    routing = [i for i, f in enumerate(files) if f.startswith("alertmanager/")]
    schemas = [i for i, line in enumerate(printed) if "is a required property" in line]
    assert len(uids) == 3  # four dashboards, one uid
    assert uids and routing and schemas  # Grafana's rules, routing, then the schemas (deep)
    assert max(uids) < min(routing) and max(routing) < min(schemas)


def test_a_broken_dashboard_template_is_reported_before_a_broken_routing_one_forked_or_not(
    tmp_path: Path,
) -> None:
    # the dashboards render before Alertmanager's files (rendering.PLANNERS)
    printed = _duri_refused_with(
        tmp_path,
        {
            "grafana/dashboards/dashboard.json.j2": "{{ no_dashboard_name }}\n",
            "alertmanager/alertmanager.yml.j2": "{{ no_routing_name }}\n",
        },
    )
    assert "no_dashboard_name" in printed and "no_routing_name" not in printed


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "inline"])
@pytest.mark.parametrize(
    ("side_fails", "slo_fails", "expected"),
    [(True, True, "side"), (False, True, "slo"), (True, False, "side")],
)
def test_the_side_rule_files_error_comes_before_the_slo_files_as_plan_rules_meets_them(
    monkeypatch: pytest.MonkeyPatch, fork: bool, side_fails: bool, slo_fails: bool, expected: str
) -> None:
    # no planner raises here today; the order pipeline._rules keeps is plan_rules'
    from generator import pipeline
    from generator.core.forked import forked
    from generator.errors import PlanError
    from generator.plan import read_spec

    spec, _ = read_spec(DURI_SPEC, "spec/duri.yaml", [])

    def failing(name: str, real: Any, fails: bool) -> Any:
        def planned(*args: Any) -> Any:
            if fails:
                raise PlanError(f"{name} refused", ("services",))
            return real(*args)

        return planned

    monkeypatch.setattr(pipeline, "forked", lambda work: forked(work, fork=fork))
    for name, fails in (("side", side_fails), ("slo", slo_fails)):
        attr = "plan_side_files" if name == "side" else "plan_slo_file"
        monkeypatch.setattr(pipeline, attr, failing(name, getattr(pipeline, attr), fails))
    with pytest.raises(PlanError, match=f"^{expected} refused"):
        pipeline._rules(spec)
