"""Environment overlays: a YAML file deep-merged over the spec (docs/environments.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.errors import SpecError
from generator.plan import read_spec
from generator.spec import EmailReceiver, Spec
from tests.conftest import DURI_SPEC, ROOT, run_cli


def with_overlays(tmp_path: Path, *texts: str) -> Spec:
    """DuRi's spec read with each text as an overlay file, applied in order."""
    layers = []
    for i, text in enumerate(texts):
        path = tmp_path / f"overlay-{i}.yaml"
        path.write_text(text)
        layers.append((path, f"overlay-{i}.yaml"))
    return read_spec(DURI_SPEC, "spec/duri.yaml", layers)[0]


def errors_of(tmp_path: Path, *texts: str) -> list[str]:
    with pytest.raises(SpecError) as err:
        with_overlays(tmp_path, *texts)
    return err.value.lines()


def test_a_mapping_merges_key_by_key_and_a_scalar_replaces(tmp_path: Path) -> None:
    base = read_spec(DURI_SPEC)[0]
    spec = with_overlays(
        tmp_path, "prometheus: {scrape_interval: 5s}\nservices: {duri-core: {tier: brain}}\n"
    )
    assert spec.prometheus.scrape_interval == "5s"
    assert spec.prometheus.alertmanagers == base.prometheus.alertmanagers
    assert spec.services["duri-core"].tier == "brain"
    assert spec.services["duri-core"].selector == base.services["duri-core"].selector
    assert spec.services["duri-brain"] == base.services["duri-brain"]


def test_a_list_is_replaced_whole_not_merged_item_by_item(tmp_path: Path) -> None:
    spec = with_overlays(tmp_path, "metrics: {http_requests_total: {labels: [status]}}\n")
    assert spec.metrics["http_requests_total"].labels == ("status",)
    assert spec.metrics["http_requests_total"].type == "counter"


def test_keys_the_spec_lacks_are_added(tmp_path: Path) -> None:
    spec = with_overlays(tmp_path, "prometheus: {external_labels: {env: staging}}\n")
    assert spec.prometheus.external_labels == {"env": "staging"}


def test_null_removes_a_key_so_its_default_applies(tmp_path: Path) -> None:
    spec = with_overlays(
        tmp_path,
        "routing:\n  receivers:\n    duri-tickets:\n"
        "      {auth_username: null, auth_password_file: null}\n"
        "    deadmans-switch: {send_resolved: null}\n"
        "datastores: {redis: null}\nalerts: {redis_memory: null}\n",
    )
    assert spec.routing is not None
    tickets = spec.routing.receivers["duri-tickets"]
    assert isinstance(tickets, EmailReceiver)
    assert (tickets.auth_username, tickets.auth_password_file) == (None, None)
    assert spec.routing.receivers["deadmans-switch"].send_resolved is True  # the default
    assert sorted(spec.datastores) == ["postgres"]


def test_overlays_apply_in_order_and_the_last_one_wins(tmp_path: Path) -> None:
    spec = with_overlays(
        tmp_path,
        "prometheus: {scrape_interval: 5s, evaluation_interval: 10s}\n",
        "prometheus: {scrape_interval: 1s}\n",
    )
    assert (spec.prometheus.scrape_interval, spec.prometheus.evaluation_interval) == ("1s", "10s")


def test_an_invalid_value_an_overlay_sets_is_reported_at_the_overlay_line(tmp_path: Path) -> None:
    assert errors_of(tmp_path, "# staging\nprometheus:\n  scrape_interval: 5x\n") == [
        "overlay-0.yaml:3:20: prometheus.scrape_interval: '5x' is not a duration; write it as "
        "Prometheus does, e.g. 30s, 5m, 1h30m, 1d"
    ]


def test_a_cross_field_error_points_at_the_overlay_value_that_caused_it(tmp_path: Path) -> None:
    text = "alerts:\n  latency:\n    warning: {threshold: 2}\n"
    assert errors_of(tmp_path, text) == [
        "overlay-0.yaml:3:26: alerts.latency.warning.threshold: the warning threshold (2) "
        "must be below the critical (1.0)"
    ]


def test_a_misspelt_field_in_an_overlay_gets_a_suggestion_at_its_line(tmp_path: Path) -> None:
    assert errors_of(tmp_path, "prometheus:\n  scrape_intervall: 5s\n") == [
        "overlay-0.yaml:2:3: prometheus.scrape_intervall: unknown field 'scrape_intervall'; "
        "did you mean 'scrape_interval'?"
    ]


def test_removing_a_key_the_spec_does_not_have_is_an_error_with_a_suggestion(
    tmp_path: Path,
) -> None:
    assert errors_of(tmp_path, "services:\n  duri-cor: null\n") == [
        "overlay-0.yaml:2:3: services.duri-cor: null removes a key, but the spec has no "
        "'duri-cor' here; did you mean 'duri-core'?"
    ]


def test_an_empty_overlay_is_an_error_and_braces_change_nothing(tmp_path: Path) -> None:
    assert errors_of(tmp_path, "# nothing yet\n") == [
        "overlay-0.yaml:1:1: the overlay is empty; write {} for an overlay that changes nothing"
    ]
    assert with_overlays(tmp_path, "{}\n") == read_spec(DURI_SPEC)[0]


def test_an_overlay_that_is_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    assert errors_of(tmp_path, "- prometheus\n") == [
        "overlay-0.yaml:1:1: an overlay must be a mapping of spec fields"
    ]


def test_an_overlay_applies_over_a_split_spec_directory(tmp_path: Path) -> None:
    overlay = tmp_path / "staging.yaml"
    overlay.write_text("services: {search: {targets: ['search.staging:9000']}}\n")
    spec, _ = read_spec(ROOT / "examples" / "split" / "spec", "spec", [(overlay, "staging.yaml")])
    assert spec.services["search"].targets == ("search.staging:9000",)
    assert sorted(spec.services) == ["checkout", "payments", "search"]


def test_generate_check_and_validate_take_overlays_and_headers_name_them(tmp_path: Path) -> None:
    overlay = tmp_path / "staging.yaml"
    overlay.write_text("prometheus: {alertmanagers: ['am.staging:9093']}\n")
    out = tmp_path / "out"
    spec = str(DURI_SPEC)  # absolute, outside the current directory: named as given
    here = {"cwd": tmp_path}  # the overlays as typed there: `staging.yaml`, `bad.yaml`
    generated = run_cli("generate", spec, "--overlay", overlay.name, "--out", "out", **here)
    assert generated.returncode == 0
    prometheus_yml = (out / "prometheus" / "prometheus.yml").read_text()
    config = yaml.safe_load(prometheus_yml)
    assert config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"] == [
        "am.staging:9093"
    ]
    header = prometheus_yml.splitlines()[0]
    assert f"generated by obsgen from {spec} + staging.yaml. Edit the spec" in header
    assert run_cli("check", spec, "--overlay", overlay.name, "--out", "out", **here).returncode == 0
    drift = run_cli("check", spec, "--out", "out", **here)
    assert drift.returncode == 1
    assert "'am.staging:9093' -> 'alertmanager:9093'" in drift.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("prometheus: {scrape_interval: 5x}\n")
    invalid = run_cli("validate", spec, "--overlay", bad.name, "--out", "out", **here)
    assert invalid.returncode == 2
    assert invalid.stderr.startswith("bad.yaml:1:31: prometheus.scrape_interval: '5x'")


def test_one_run_reports_a_removal_of_nothing_and_an_invalid_value_together(
    tmp_path: Path,
) -> None:
    assert errors_of(
        tmp_path, "services: {duri-cor: null}\n", "prometheus: {scrape_interval: 0s}\n"
    ) == [
        "overlay-0.yaml:1:12: services.duri-cor: null removes a key, but the spec has no "
        "'duri-cor' here; did you mean 'duri-core'?",
        "overlay-1.yaml:1:31: prometheus.scrape_interval: must be longer than zero",
    ]
