"""--target: Kubernetes, Mimir and Thanos forms of the same plan, each validated."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.errors import OutputError
from generator.output.kubernetes import operator_alertmanager
from generator.output.mimir import check_limits, split_group
from generator.output.targets import check_targets, rule_groups
from generator.pipeline import Build, build
from generator.prometheus import Expr, Group, RecordingRule
from tests.conftest import DURI_OUT, DURI_SPEC, ROOT, invoke_cli, require_tool, run_cli

ALL = ("files", "kubernetes", "mimir", "thanos")
MOUNTED = re.compile(r"^/etc/alertmanager/secrets/([a-z0-9][-a-z0-9.]*)/([-._a-zA-Z0-9]+)$")


@pytest.fixture(scope="module")
def duri() -> Build:
    return build(DURI_SPEC, DURI_OUT, targets=ALL)


def docs(b: Build, prefix: str) -> dict[str, Any]:
    return {p: yaml.safe_load(t) for p, t in b.files.items() if p.startswith(prefix)}


def plain_groups(b: Build) -> list[dict[str, Any]]:
    return [g for f in b.plan.rule_files for g in yaml.safe_load(b.files[f.path])["groups"]]


def spec_with(tmp_path: Path, extra: str) -> Path:
    """spec/duri.yaml with `extra` (top-level YAML sections) appended."""
    path = tmp_path / "spec.yaml"
    path.write_text(DURI_SPEC.read_text() + extra)
    return path


def base_name(name: str) -> str:
    return re.sub(r"-\d+$", "", name)


@pytest.mark.parametrize("prefix", ["kubernetes/prometheusrules/", "thanos/"])
def test_each_rule_target_holds_every_group_exactly_once(duri: Build, prefix: str) -> None:
    found = [g for path, doc in docs(duri, prefix).items() for g in rule_groups(path, doc)]
    key = lambda g: g["name"]  # noqa: E731
    assert sorted(found, key=key) == sorted(plain_groups(duri), key=key)


def test_mimir_holds_every_rule_once_in_order_in_groups_of_at_most_20(duri: Build) -> None:
    split = [g for path, doc in docs(duri, "mimir/").items() for g in rule_groups(path, doc)]
    assert max(len(g["rules"]) for g in split) <= 20
    assert max(len(g["rules"]) for g in plain_groups(duri)) > 20  # so the split is exercised
    joined: dict[str, list[Any]] = {}
    for group in split:
        joined.setdefault(base_name(group["name"]), []).extend(group["rules"])
        plain = {g["name"]: g for g in plain_groups(duri)}[base_name(group["name"])]
        assert group.get("interval") == plain.get("interval")
    assert joined == {g["name"]: g["rules"] for g in plain_groups(duri)}
    names = [g["name"] for g in split]
    assert "duri-services.slo-slow-2" in names and len(names) == len(set(names))


def test_mimir_split_keeps_each_slo_that_fits_with_its_records_and_alerts_in_one_group(
    duri: Build,
) -> None:
    """An SLO's run of rules within a group stays in one piece when it fits the limit; a
    longer run is cut into consecutive pieces, in order."""
    runs: dict[tuple[str, str], int] = {}
    for group in plain_groups(duri):
        for rule in group["rules"]:
            slo = rule.get("labels", {}).get("slo")
            if slo:
                runs[(group["name"], slo)] = runs.get((group["name"], slo), 0) + 1
    assert max(runs.values()) > 20 >= min(runs.values())  # both cases are exercised
    home: dict[tuple[str, str], list[str]] = {}
    for doc in docs(duri, "mimir/").values():
        for group in doc["groups"]:
            for rule in group["rules"]:
                slo = rule.get("labels", {}).get("slo")
                if slo:
                    pieces = home.setdefault((base_name(group["name"]), slo), [])
                    if not pieces or pieces[-1] != group["name"]:
                        pieces.append(group["name"])
    for key, pieces in home.items():
        assert len(pieces) == (1 if runs[key] <= 20 else -(-runs[key] // 20)), (key, pieces)


def test_mimir_namespaces_are_prefixed_with_the_system_and_count_the_tenants_groups(
    duri: Build,
) -> None:
    mimir = docs(duri, "mimir/")
    total = sum(len(doc["groups"]) for doc in mimir.values())
    for path, doc in mimir.items():
        assert doc["namespace"] == Path(path).stem
        assert doc["namespace"] == "duri" or doc["namespace"].startswith("duri-")
        header = f"# {len(doc['groups'])} of the {total} rule groups of duri in its tenant"
        assert header in duri.files[path]
    assert sorted(d["namespace"] for d in mimir.values())[-3:] == [
        "duri-node",
        "duri-postgres",
        "duri-redis",
    ]


def test_a_long_group_is_cut_in_order_at_the_limit_with_numbered_names() -> None:
    rules = tuple(RecordingRule(f"r{i}", Expr("m", {})) for i in range(45))
    parts = split_group(Group("g", rules, "1m"), 20)
    assert [(p.name, len(p.rules), p.interval) for p in parts] == [
        ("g", 20, "1m"),
        ("g-2", 20, "1m"),
        ("g-3", 5, "1m"),
    ]
    assert tuple(r for p in parts for r in p.rules) == rules


def test_slo_runs_are_packed_whole_when_they_fit() -> None:
    def run(slo: str, n: int) -> list[RecordingRule]:
        return [RecordingRule(f"{slo}{i}", Expr("m", {}), (("slo", slo),)) for i in range(n)]

    rules = (*run("a", 8), *run("b", 8), *run("c", 8))
    parts = split_group(Group("g", rules), 20)
    slos = [[slo for slo, _ in groupby(dict(r.labels)["slo"] for r in p.rules)] for p in parts]
    assert slos == [["a", "b"], ["c"]]


def test_mimir_check_names_the_group_over_the_rule_limit_and_the_tenant_over_its_groups(
    duri: Build,
) -> None:
    doc = {"namespace": "duri-core", "groups": [{"name": "big", "rules": [{}] * 21}]}
    extra = {
        f"mimir/duri-x{i}.yml": {"namespace": f"duri-x{i}", "groups": [{"name": "g"}]}
        for i in range(70)
    }
    problems = check_limits(duri.plan, {"mimir/duri-core.yml": doc, **extra})
    assert problems == [
        "mimir/duri-core.yml: group big has 21 rules, over the tenant's "
        "ruler.max-rules-per-rule-group (20, spec mimir.max_rules_per_group)",
        "mimir/: 71 rule groups, over the tenant's ruler.max-rule-groups-per-tenant "
        "(70, spec mimir.max_groups_per_tenant): raise the tenant's limit in Mimir and set "
        "mimir.max_groups_per_tenant to it",
    ]
    unprefixed = check_limits(duri.plan, {"mimir/core.yml": {"namespace": "core", "groups": []}})
    assert unprefixed == ["mimir/core.yml: namespace 'core' is not prefixed with 'duri'"]


def test_the_specs_mimir_limits_split_smaller_and_refuse_a_tenant_too_small(
    tmp_path: Path,
) -> None:
    small = build(
        spec_with(tmp_path, "mimir: {max_rules_per_group: 8, max_groups_per_tenant: 100}\n"),
        DURI_OUT,
        targets=("mimir",),
    )
    groups = [g for p, d in docs(small, "mimir/").items() for g in rule_groups(p, d)]
    assert max(len(g["rules"]) for g in groups) == 8
    res = invoke_cli(
        "generate",
        str(spec_with(tmp_path, "mimir: {max_groups_per_tenant: 15}\n")),
        "--out",
        str(tmp_path / "out"),
        "--target",
        "mimir",
    )
    assert res.returncode == 2
    assert "mimir/: 19 rule groups, over the tenant's ruler.max-rule-groups-per-tenant (15" in (
        res.stderr
    )
    assert not (tmp_path / "out").exists()


def test_prometheus_rules_are_one_object_per_service(duri: Build) -> None:
    objects = docs(duri, "kubernetes/prometheusrules/")
    names = sorted(o["metadata"]["name"] for o in objects.values())
    # DuRi's four services own no rule of their own: the rules they share are the system's
    assert names == ["duri", "duri-node", "duri-postgres", "duri-redis"]
    node = objects["kubernetes/prometheusrules/duri-node.yaml"]
    assert node["apiVersion"] == "monitoring.coreos.com/v1"
    services = {r["labels"]["service"] for g in node["spec"]["groups"] for r in g["rules"]}
    assert services == {"node"}
    system = objects["kubernetes/prometheusrules/duri.yaml"]
    assert "duri-services.slo-fast" in [g["name"] for g in system["spec"]["groups"]]


def test_spec_labels_reach_every_prometheus_rule_and_service_monitor(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, "kubernetes: {labels: {release: kube-prometheus-stack}}\n")
    labelled = build(spec, DURI_OUT, targets=("kubernetes",))
    for prefix in ("kubernetes/prometheusrules/", "kubernetes/servicemonitors/"):
        objects = docs(labelled, prefix).values()
        assert objects and all(
            o["metadata"]["labels"]["release"] == "kube-prometheus-stack" for o in objects
        )
    others = docs(labelled, "kubernetes/dashboards/").values()
    assert all("release" not in o["metadata"]["labels"] for o in others)


def test_a_label_kubernetes_refuses_is_a_spec_error_with_its_location(tmp_path: Path) -> None:
    spec = spec_with(tmp_path, "kubernetes:\n  labels: {release: 'not ok!'}\n")
    res = invoke_cli("validate", str(spec))
    assert res.returncode == 2
    lines = DURI_SPEC.read_text().count("\n")
    assert f"spec.yaml:{lines + 2}:" in res.stderr and "kubernetes.labels.release" in res.stderr


def test_service_monitors_scrape_every_job_with_the_labels_the_rules_select(
    duri: Build,
) -> None:
    monitors = docs(duri, "kubernetes/servicemonitors/")
    jobs = yaml.safe_load(duri.files["prometheus/prometheus.yml"])["scrape_configs"]
    assert len(monitors) == len(jobs)
    for job in jobs:
        name = job["job_name"]
        prefixed = name if name.startswith("duri-") else f"duri-{name}"
        mon = monitors[f"kubernetes/servicemonitors/{prefixed}.yaml"]
        assert mon["spec"]["selector"] == {"matchLabels": {"app.kubernetes.io/name": name}}
        (endpoint,) = mon["spec"]["endpoints"]
        assert endpoint["port"] == "metrics" and endpoint["interval"] == "15s"
        set_labels = {r["targetLabel"]: r["replacement"] for r in endpoint["relabelings"]}
        static = job["static_configs"][0].get("labels", {})
        assert set_labels == {"job": name, **static}


def test_dashboard_configmaps_carry_the_dashboards_and_their_folder(duri: Build) -> None:
    maps = docs(duri, "kubernetes/dashboards/")
    dashboards = {p: t for p, t in duri.files.items() if p.startswith("grafana/dashboards/")}
    provider = yaml.safe_load(duri.files["grafana/provisioning/dashboards/duri.yml"])
    assert len(maps) == len(dashboards) == 4
    for path, text in dashboards.items():
        stem = Path(path).stem
        cm = maps[f"kubernetes/dashboards/{stem}.yaml"]
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert cm["metadata"]["annotations"] == {
            "grafana_folder": provider["providers"][0]["folder"]
        }
        assert cm["data"] == {f"{stem}.json": text}


def test_datasource_configmap_provisions_the_uid_every_dashboard_queries(duri: Build) -> None:
    cm = docs(duri, "kubernetes/grafana-datasource.yaml")["kubernetes/grafana-datasource.yaml"]
    assert cm["metadata"]["labels"]["grafana_datasource"] == "1"
    (text,) = cm["data"].values()
    assert text == duri.files["grafana/provisioning/datasources/duri.yml"]
    (source,) = yaml.safe_load(text)["datasources"]
    uids = set()
    for path, dash in duri.files.items():
        if path.startswith("grafana/dashboards/"):
            variables = json.loads(dash)["templating"]["list"]
            uids.update(v["current"]["value"] for v in variables if v["type"] == "datasource")
    assert uids == {source["uid"]}


def test_alertmanager_secret_files_sit_where_the_operator_mounts_spec_secrets(
    duri: Build, tmp_path: Path
) -> None:
    secret = docs(duri, "kubernetes/alertmanager-secret.yaml")[
        "kubernetes/alertmanager-secret.yaml"
    ]
    config = secret["stringData"]["alertmanager.yaml"]
    files = secret["metadata"]["annotations"]["obsgen/secret-files"].split(",")
    names = secret["metadata"]["annotations"]["obsgen/secrets"].split(",")
    assert "/etc/alertmanager/secrets/duri-pagerduty-routing-key/routing_key" in files
    assert sorted({MOUNTED.fullmatch(f).group(1) for f in files}) == names  # type: ignore[union-attr]
    used = re.findall(r"_file: '([^']+)'", config)
    assert sorted(used) == sorted(files)
    plain = duri.files["alertmanager/alertmanager.yml"]
    for path in re.findall(r"_file: '([^']+)'", plain):
        plain = plain.replace(path, next(f for f in files if f.split("/")[4] == Path(path).name))
    assert config == plain  # nothing but the paths differs
    amtool = require_tool("amtool")
    (tmp_path / "alertmanager.yaml").write_text(config)
    res = subprocess.run(
        [amtool, "check-config", str(tmp_path / "alertmanager.yaml")],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stdout + res.stderr


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
    assert len(paths) == 4 + 4 + 4  # rule objects, Mimir namespaces; Thanos: 4 rule files
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
    path = "kubernetes/prometheusrules/duri-node.yaml"
    doc = yaml.safe_load(duri.files[path])
    doc["spec"]["groups"][0]["rules"][0]["expr"] = "sum(http_requests_totl)"
    doc["metadata"]["name"] = "Not_A_Name"
    problems = check_targets(duri.plan, {path: doc})
    assert any("reads http_requests_totl, which is neither" in p for p in problems), problems
    assert any(p.startswith(f"{path}: metadata/name: 'Not_A_Name'") for p in problems), problems
    assert check_targets(duri.plan, {path: yaml.safe_load(duri.files[path])}) == []


@pytest.mark.parametrize(
    ("path", "change", "expected"),
    [
        (
            "kubernetes/servicemonitors/duri-core.yaml",
            lambda d: d["spec"]["endpoints"][0].update(interval="1m30"),
            "spec/endpoints/0/interval: '1m30' does not match",
        ),
        (
            "kubernetes/servicemonitors/duri-core.yaml",
            lambda d: d["spec"]["endpoints"][0].update(port="http-metrics-port"),
            "spec/endpoints/0/port: 'http-metrics-port' does not match",
        ),
        (
            "kubernetes/prometheusrules/duri.yaml",
            lambda d: d["spec"]["groups"][4].update(interval="1h1d"),
            "spec/groups/4/interval: '1h1d' does not match",
        ),
        (
            "kubernetes/dashboards/duri-service.yaml",
            lambda d: d["metadata"].pop("annotations"),
            "is not valid under any of the given schemas",
        ),
    ],
)
def test_objects_the_upstream_crds_would_refuse_are_refused(
    duri: Build, path: str, change: Any, expected: str
) -> None:
    doc = yaml.safe_load(duri.files[path])
    change(doc)
    problems = check_targets(duri.plan, {path: doc})
    assert any(expected in p for p in problems), problems


def test_two_secret_files_that_would_share_a_mount_are_refused(duri: Build) -> None:
    am = duri.plan.alertmanager
    assert am is not None
    pager = next(r for r in am.receivers if r.kind == "pagerduty")
    twin = dataclasses.replace(
        pager, name="twin", fields=(("routing_key_file", "/run/other/Duri_PagerDuty.Routing-Key"),)
    )
    before = dict(pager.fields)["routing_key_file"]
    assert before == "/etc/alertmanager/secrets/duri-pagerduty-routing-key"
    with pytest.raises(OutputError) as raised:
        operator_alertmanager(dataclasses.replace(am, receivers=(*am.receivers, twin)))
    assert raised.value.messages == [
        f"kubernetes: secret files {before} and /run/other/Duri_PagerDuty.Routing-Key would "
        "both be mounted at /etc/alertmanager/secrets/duri-pagerduty-routing-key/routing_key"
    ]
