"""Container use per replica, each against its own limit: the generated promtool tests prove
that calm replicas whose sum is past the threshold stay silent and one hot replica fires,
and they fail on rules that sum the replicas (the old behaviour: 3 x 50 % read 150 %)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from generator.pipeline import Build, build
from tests.conftest import DURI_OUT, DURI_SPEC, ROOT, require_tool

PAYMENTS = ROOT / "examples" / "payments" / "spec.yaml"
KUBERNETES = (
    '  cadvisor: {selector: {job: cadvisor}, targets: ["cadvisor:8080"], tier: core}',
    '  cadvisor: {selector: {job: cadvisor}, targets: ["cadvisor:8080"], tier: core,\n'
    "             replica_labels: [namespace, pod, container]}",
)


def written(b: Build, out: Path) -> Path:
    for path, text in b.files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return out


def promtool_test(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("promtool"), "test", "rules", "alerts.yml"],
        cwd=out / "prometheus" / "tests",
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def replica_groups(b: Build) -> list[dict[str, object]]:
    doc = yaml.safe_load(b.files["prometheus/tests/alerts.yml"])
    return [g for g in doc["tests"] if "each replica against its own limit" in g["name"]]


def driven_services(b: Build) -> list[str]:
    """The services the container alert tests drive: those standing for the shared rules."""
    return sorted(
        {
            a.label("service")
            for f in b.plan.rule_files
            for a in f.representatives()
            if a.kind in ("cpu", "memory")
        }
    )


@pytest.fixture(scope="module")
def duri() -> Build:
    return build(DURI_SPEC, DURI_OUT)


def test_each_container_alert_gets_a_replica_timeline_of_three_replicas(duri: Build) -> None:
    (group,) = replica_groups(duri)
    assert "ContainerCPUHigh" in str(group["name"]) and "ContainerMemoryHigh" in str(group["name"])
    series = [s["series"] for s in group["input_series"]]  # type: ignore[attr-defined]
    (driven,) = driven_services(duri)  # DuRi's services share each rule: the first stands for all
    box = duri.spec.services[driven].container["name"]
    cpu = [s for s in series if s.startswith("container_cpu") and f'name="{box}"' in s]
    assert len(cpu) == 3


def test_beside_the_replicas_a_hot_stranger_per_selector_label_is_expected_silent(
    duri: Build,
) -> None:
    (group,) = replica_groups(duri)
    series = [s["series"] for s in group["input_series"]]  # type: ignore[attr-defined]
    for metric in ("container_cpu_usage_seconds_total", "container_memory_usage_bytes"):
        strangers = sorted(s for s in series if s.startswith(metric) and "not-" in s)
        assert strangers == sorted(
            f'{metric}{{instance="{name}-3", {label}="not-{value}"}}'
            for name in driven_services(duri)
            for label, value in duri.spec.services[name].container.items()
        )
    for check in group["alert_rule_test"]:  # type: ignore[attr-defined]
        assert all("not-" not in str(a["exp_labels"]) for a in check["exp_alerts"])


def test_the_hot_replica_alone_is_expected_to_fire_and_is_named(duri: Build) -> None:
    (group,) = replica_groups(duri)
    for check in group["alert_rule_test"]:  # type: ignore[attr-defined]
        fired = check["exp_alerts"]
        if not fired:
            continue
        assert {a["exp_labels"]["instance"] for a in fired} == {
            f"{s}-3" for s in driven_services(duri)
        }
        for alert in fired:
            assert alert["exp_labels"]["instance"] in alert["exp_annotations"]["summary"]


def test_summing_the_replicas_fails_the_generated_tests(duri: Build, tmp_path: Path) -> None:
    out = written(duri, tmp_path / "out")
    assert promtool_test(out).returncode == 0
    recording = out / "prometheus" / "rules" / "recording.yml"
    summed = recording.read_text().replace(
        "sum by (instance, name, service, tier) (", "sum by (service, tier) ("
    )
    assert summed != recording.read_text()
    recording.write_text(summed)
    done = promtool_test(out)
    assert done.returncode != 0
    assert "each replica against its own limit" in done.stdout + done.stderr


@pytest.mark.parametrize(
    "metric", ["container_cpu_usage_seconds_total", "container_memory_working_set_bytes"]
)
def test_a_container_rule_that_lost_its_selection_fails_on_the_strangers(
    tmp_path: Path, metric: str
) -> None:
    """cAdvisor's series of containers no service names carry no service (its relabelling
    names only the services' containers): a rule reading them all records them apart."""
    out = written(build(PAYMENTS, PAYMENTS.parent / "out"), tmp_path / "out")
    recording = out / "prometheus" / "rules" / "recording.yml"
    selector = f'{metric}{{tier=~"batch|core|standard"}}'
    assert recording.read_text().count(selector) == 1
    recording.write_text(recording.read_text().replace(selector, metric))
    done = promtool_test(out)
    assert done.returncode != 0
    assert f"count(service:{metric.removesuffix('_total')}" in done.stdout + done.stderr


def test_kubernetes_replica_labels_are_recorded_alerted_and_proven(tmp_path: Path) -> None:
    old, new = KUBERNETES
    text = DURI_SPEC.read_text()
    assert text.count(old) == 1
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace(old, new))
    b = build(spec, DURI_OUT)
    rules = b.files["prometheus/rules/recording.yml"]
    assert (
        "sum by (namespace, pod, container, service, tier) (rate(container_cpu_usage_seconds_total"
        in rules
    )
    alerts = yaml.safe_load(b.files["prometheus/rules/alerts.yml"])
    cpu = [r for g in alerts["groups"] for r in g["rules"] if r.get("alert") == "ContainerCPUHigh"]
    assert cpu and all(
        "{{ $labels.namespace }}/{{ $labels.pod }}/{{ $labels.container }}"
        in r["annotations"]["summary"]
        for r in cpu
    )
    assert promtool_test(written(b, tmp_path / "out")).returncode == 0


def test_every_container_use_panel_draws_one_line_per_replica(duri: Build) -> None:
    for path in (
        "grafana/dashboards/duri-service.json",
        "grafana/dashboards/duri-infrastructure.json",
    ):
        board = yaml.safe_load(duri.files[path])
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                if "container_cpu_utilisation" in target["expr"] or (
                    "container_memory_utilisation" in target["expr"]
                ):
                    assert "{{instance}}/{{name}}" in target["legendFormat"], panel["title"]
