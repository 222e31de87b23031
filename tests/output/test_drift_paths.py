"""`check` names what drifted by name (`groups[duri-core.alerts].rules[LatencyP95High...]`),
pairs named items by name, reports a change of their order, and on a folder generated with
`--target` says which `--target` to pass."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.output import compare, write_outputs
from generator.output.drift_paths import keyed, path_text
from generator.pipeline import Build
from tests.conftest import DURI_OUT, DURI_SPEC, ROOT, render_spec

ALERTS = "prometheus/rules/alerts.yml"
RECORDING = "prometheus/rules/recording.yml"


@pytest.fixture(scope="module")
def duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


def _drift(tmp_path: Path, duri: Build, path: str, edit: str) -> list[str]:
    """The drift lines of `path` after `edit` (old => new, once) of its copy in out/."""
    out = tmp_path / "out"
    write_outputs(out, duri.files)
    old, new = edit.split(" => ")
    text = (out / path).read_text(encoding="utf-8")
    assert text.count(old) >= 1
    (out / path).write_text(text.replace(old, new, 1), encoding="utf-8")
    (drift,) = compare(out, duri.files)
    assert (drift.path, drift.status) == (path, "changed")
    return drift.changes


def test_a_changed_rule_is_named_by_its_group_and_alert(tmp_path: Path, duri: Build) -> None:
    every = 'p95_rate5m{tier=~"brain|control|core|evolution"} > 0.5'
    changes = _drift(tmp_path, duri, ALERTS, f"{every} => {every}5")
    shown = "service:http_request_duration_seconds:" + every.removesuffix(" > 0.5")
    assert changes == [
        'groups[duri-services.alerts].rules[LatencyP95High{severity="warning"}].expr: '
        f"'{shown} > 0.55' -> '{shown} > 0.5'"
    ]


def test_a_rule_missing_in_the_middle_of_a_group_is_one_line_not_a_cascade(
    tmp_path: Path, duri: Build
) -> None:
    doc = yaml.safe_load(duri.files[RECORDING])
    rules = doc["groups"][0]["rules"]
    gone = rules[1]["record"]
    start = duri.files[RECORDING].index(f"      - record: {gone}")
    end = duri.files[RECORDING].index("      - record:", start + 1)
    block = duri.files[RECORDING][start:end]
    changes = _drift(tmp_path, duri, RECORDING, f"{block} => ")
    group = doc["groups"][0]["name"]
    assert changes == [f"groups[{group}].rules[{gone}]: added in the spec's rendering"]


def test_named_items_in_another_order_are_a_change_not_formatting(
    tmp_path: Path, duri: Build
) -> None:
    doc = yaml.safe_load(duri.files[RECORDING])
    group = doc["groups"][0]
    first, second = group["rules"][0]["record"], group["rules"][1]["record"]
    group["rules"][0], group["rules"][1] = group["rules"][1], group["rules"][0]
    out = tmp_path / "out"
    write_outputs(out, duri.files)
    (out / RECORDING).write_text(yaml.safe_dump(doc), encoding="utf-8")
    (drift,) = compare(out, duri.files)
    assert drift.status == "changed"
    assert drift.changes == [
        f"groups[{group['name']}].rules: order changed: the spec renders {first} "
        f"where out/ has {second}"
    ]


def test_paths_write_keys_names_and_positions_readably() -> None:
    data = keyed(
        {
            "scrape_configs": [{"job_name": "node", "static_configs": [{"targets": ["a:1"]}]}],
            "odd key": {"x.y": 1},
        }
    )
    job = next(iter(data["scrape_configs"]))
    assert path_text(["scrape_configs", job, "static_configs", 0, "targets", 0]) == (
        "scrape_configs[node].static_configs[0].targets[0]"
    )
    assert path_text(["odd key", "x.y"]) == '["odd key"]["x.y"]'


def test_items_sharing_a_name_and_labels_are_told_apart_by_order() -> None:
    rules = keyed([{"alert": "A", "labels": {"s": "1"}}, {"alert": "A", "labels": {"s": "1"}}])
    assert [path_text([k]) for k in rules] == ["[A#1]", "[A#2]"]


def test_check_without_target_on_a_target_folder_names_the_targets_to_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "deploy"
    runner = CliRunner()
    args = ["spec/duri.yaml", "--out", str(out), "--target", "kubernetes", "--target", "mimir"]
    assert runner.invoke(cli, ["generate", *args]).exit_code == 0
    res = runner.invoke(cli, ["check", "spec/duri.yaml", "--out", str(out)])
    assert res.exit_code == 1
    lines = res.output.splitlines()
    assert lines[-1] == (
        f"{out.as_posix()}/ was generated with --target kubernetes --target mimir; "
        "check it with the same: obsgen check ... --target kubernetes --target mimir"
    )
    assert "run `obsgen generate`" not in res.output
    stale = lines.index("  kubernetes/alertmanager-secret.yaml: stale")
    assert lines[stale + 1] == "    rendered by --target kubernetes, which this check was not given"
    assert runner.invoke(cli, ["check", *args]).exit_code == 0
