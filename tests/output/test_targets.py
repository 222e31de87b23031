"""--target: Kubernetes, Mimir and Thanos forms of the same plan, each validated."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.output.targets import check_targets, rule_groups
from generator.pipeline import Build, build
from tests.conftest import DURI_OUT, DURI_SPEC, ROOT, require_tool, run_cli

ALL = ("files", "kubernetes", "mimir", "thanos")


@pytest.fixture(scope="module")
def duri() -> Build:
    return build(DURI_SPEC, DURI_OUT, targets=ALL)


def docs(b: Build, prefix: str) -> dict[str, Any]:
    return {p: yaml.safe_load(t) for p, t in b.files.items() if p.startswith(prefix)}


def plain_groups(b: Build) -> list[dict[str, Any]]:
    return [g for f in b.plan.rule_files for g in yaml.safe_load(b.files[f.path])["groups"]]


@pytest.mark.parametrize("prefix", ["kubernetes/prometheusrules/", "mimir/", "thanos/"])
def test_each_rule_target_holds_every_group_exactly_once(duri: Build, prefix: str) -> None:
    found = [g for path, doc in docs(duri, prefix).items() for g in rule_groups(path, doc)]
    key = lambda g: g["name"]  # noqa: E731
    assert sorted(found, key=key) == sorted(plain_groups(duri), key=key)


def test_prometheus_rules_are_one_object_per_service(duri: Build) -> None:
    objects = docs(duri, "kubernetes/prometheusrules/")
    names = sorted(o["metadata"]["name"] for o in objects.values())
    assert names == [
        "duri",
        "duri-brain",
        "duri-control",
        "duri-core",
        "duri-evolution",
        "duri-node",
        "duri-postgres",
        "duri-redis",
    ]
    core = objects["kubernetes/prometheusrules/duri-core.yaml"]
    assert core["apiVersion"] == "monitoring.coreos.com/v1"
    services = {r["labels"]["service"] for g in core["spec"]["groups"] for r in g["rules"]}
    assert services == {"duri-core"}


def test_dashboard_configmaps_carry_the_dashboards_byte_for_byte(duri: Build) -> None:
    maps = docs(duri, "kubernetes/dashboards/")
    dashboards = {p: t for p, t in duri.files.items() if p.startswith("grafana/dashboards/")}
    assert len(maps) == len(dashboards) == 4
    for path, text in dashboards.items():
        stem = Path(path).stem
        cm = maps[f"kubernetes/dashboards/{stem}.yaml"]
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert cm["data"] == {f"{stem}.json": text}
        json.loads(cm["data"][f"{stem}.json"])


def test_alertmanager_secret_holds_the_config_and_names_secret_files(duri: Build) -> None:
    secret = docs(duri, "kubernetes/alertmanager-secret.yaml")[
        "kubernetes/alertmanager-secret.yaml"
    ]
    config = duri.files["alertmanager/alertmanager.yml"]
    assert secret["stringData"] == {"alertmanager.yaml": config}
    files = secret["metadata"]["annotations"]["obsgen/secret-files"].split(",")
    assert "/etc/alertmanager/secrets/duri-pagerduty-routing-key" in files
    assert all(f in config for f in files)


def test_mimir_namespaces_are_services_and_thanos_groups_abort_on_partial_data(
    duri: Build,
) -> None:
    for path, doc in docs(duri, "mimir/").items():
        assert doc["namespace"] == Path(path).stem
    for doc in docs(duri, "thanos/").values():
        assert {g["partial_response_strategy"] for g in doc["groups"]} == {"abort"}


def test_promtool_accepts_every_target_rule_group_with_target_keys_stripped(
    duri: Build, tmp_path: Path
) -> None:
    promtool = require_tool("promtool")
    paths = []
    for path, text in duri.files.items():
        if not path.endswith((".yml", ".yaml")):
            continue
        groups = rule_groups(path, yaml.safe_load(text))
        if groups:
            target = tmp_path / path.replace("/", "_")
            target.write_text(yaml.safe_dump({"groups": groups}))
            paths.append(str(target))
    assert len(paths) == 8 + 8 + 4  # Thanos: recording, alerts, slo, health
    res = subprocess.run(
        [promtool, "check", "rules", "--lint-fatal", *paths], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_only_the_chosen_targets_are_written_and_checked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = run_cli("generate", str(DURI_SPEC), "--out", str(out), "--target", "kubernetes")
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == [".obsgen-manifest", "kubernetes"]
    check = run_cli("check", str(DURI_SPEC), "--out", str(out), "--target", "kubernetes")
    assert check.returncode == 0, check.stdout
    files_only = run_cli("check", str(DURI_SPEC), "--out", str(out))
    assert files_only.returncode == 1


def test_targets_example_is_its_committed_golden() -> None:
    args = ["check", "spec/duri.yaml", "--out", "examples/targets/out"]
    for target in ("kubernetes", "mimir", "thanos"):
        args += ["--target", target]
    res = run_cli(*args, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr


def test_a_target_rule_reading_an_undeclared_series_or_a_bad_object_is_refused(
    duri: Build,
) -> None:
    path = "kubernetes/prometheusrules/duri-core.yaml"
    doc = yaml.safe_load(duri.files[path])
    doc["spec"]["groups"][0]["rules"][0]["expr"] = "sum(http_requests_totl)"
    doc["metadata"]["name"] = "Not_A_Name"
    problems = check_targets(duri.plan, {path: doc})
    assert any("reads http_requests_totl, which is neither" in p for p in problems), problems
    assert any(p.startswith(f"{path}: metadata/name: 'Not_A_Name'") for p in problems), problems
    assert check_targets(duri.plan, {path: yaml.safe_load(duri.files[path])}) == []
