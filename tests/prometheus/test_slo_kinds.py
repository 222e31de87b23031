"""The gauge and promql SLI kinds' own 5m rules (docs/slo.md), run by promtool on the rendered
rules of tests/fixtures/slo-kinds with series written here: what a sample at 0, an excluded
probe, a service without series, or a gRPC service without errors yet records."""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import promql_parser
import yaml

from generator.core import conventions as cv
from generator.output.tools import materialise
from generator.pipeline import Build, build
from tests.conftest import FIXTURES, render_spec, require_tool

KINDS = FIXTURES / "slo-kinds" / "spec.yaml"
GAUGE = {"service": "ledger", "slo": "probes", "tier": "batch"}
PROMQL = {"service": "payments", "slo": "grpc", "tier": "critical"}


@cache
def kinds() -> Build:
    return render_spec(KINDS, KINDS.parent / "out")


def recorded_expr(record: str, labels: dict[str, str]) -> str:
    doc = yaml.safe_load(kinds().files[cv.SLO_FILE])
    (rule,) = [
        r
        for g in doc["groups"]
        for r in g["rules"]
        if r.get("record") == record and r["labels"]["slo"] == labels["slo"]
    ]
    return str(rule["expr"])


def run_promtool(tmp_path: Path, series: list[dict[str, str]], checks: list[Any]) -> str:
    """promtool's output for a test of slo.yml over `series` (15 s apart) with `checks`."""
    materialise(kinds().files, tmp_path)
    test = {
        "rule_files": [f"../rules/{Path(cv.SLO_FILE).name}"],
        "evaluation_interval": "15s",
        "tests": [{"interval": "15s", "input_series": series, "promql_expr_test": checks}],
    }
    where = tmp_path / "prometheus" / "tests" / "kinds-by-hand.yml"
    where.write_text(yaml.safe_dump(test), encoding="utf-8")
    res = subprocess.run(
        [require_tool("promtool"), "test", "rules", where.name],
        cwd=where.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def probe(job: str, instance: str, module: str, values: str) -> dict[str, str]:
    """An input series of probe_success (15 s apart) of the service whose scrape job is
    `job`, as Prometheus stores it: that job puts the service's name and tier on it."""
    tier = kinds().spec.services[job].tier
    labels = f'job="{job}", instance="{instance}", module="{module}", service="{job}"'
    labels += f', tier="{tier}"'
    return {"series": f"probe_success{{{labels}}}", "values": values}


def grpc(job: str, method: str, code: str, values: str) -> dict[str, str]:
    """An input series of grpc_server_handled_total (15 s apart)."""
    labels = f'job="{job}", grpc_service="Pay", grpc_method="{method}", grpc_code="{code}"'
    return {"series": f"grpc_server_handled_total{{{labels}}}", "values": values}


def sample(record: str, labels: dict[str, str], value: float) -> dict[str, Any]:
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return {"labels": f"{record}{{{inner}}}", "value": value}


def expr_check(record: str, labels: dict[str, str], at: str, *values: float) -> dict[str, Any]:
    selector = f'{record}{{service="{labels["service"]}", slo="{labels["slo"]}"}}'
    return {
        "expr": selector,
        "eval_time": at,
        "exp_samples": [sample(record, labels, v) for v in values],
    }


def test_a_gauge_slo_counts_each_sample_as_an_event_and_a_probe_at_0_as_a_bad_one(
    tmp_path: Path,
) -> None:
    # two probes of ledger, 15 s apart from 0 s to 60 s: 10 samples by 1m, 3 of them at 0
    series = [
        probe("ledger", "a", "http_2xx", "1 0 1 0 1"),
        probe("ledger", "b", "http_2xx", "1 1 0 1 1"),
    ]
    checks = [
        expr_check(cv.slo_requests("5m"), GAUGE, "1m", 10 / 300),
        expr_check(cv.slo_errors("5m"), GAUGE, "1m", 3 / 300),
        expr_check(cv.slo_error_ratio("5m"), GAUGE, "1m", 3 / 10),
    ]
    run_promtool(tmp_path, series, checks)


def test_a_gauge_slo_leaves_excluded_probes_and_other_services_out_of_both_sides(
    tmp_path: Path,
) -> None:
    series = [
        probe("ledger", "a", "http_2xx", "1 1 1 1 1"),
        # a port check (`exclude: module=tcp_connect`) and payments' probe, both failing
        probe("ledger", "a", "tcp_connect", "0 0 0 0 0"),
        probe("payments", "a", "http_2xx", "0 0 0 0 0"),
    ]
    checks = [
        expr_check(cv.slo_requests("5m"), GAUGE, "1m", 5 / 300),
        expr_check(cv.slo_errors("5m"), GAUGE, "1m", 0),
    ]
    run_promtool(tmp_path, series, checks)


def test_a_gauge_slo_without_samples_records_nothing_never_good_samples(tmp_path: Path) -> None:
    # the probe stops after 1m: from 6m on (past [1m, 6m]) no sample is left in the window
    series = [
        probe("ledger", "a", "http_2xx", "1 1 1 1 1"),
    ]
    checks = [
        expr_check(cv.slo_requests("5m"), GAUGE, "6m15s"),
        expr_check(cv.slo_error_ratio("5m"), GAUGE, "6m15s"),
        expr_check(cv.slo_requests("5m"), GAUGE, "4m", 5 / 300),  # the last sample, 3m old
    ]
    run_promtool(tmp_path, series, checks)


def test_a_promql_slo_reads_absent_errors_as_0_while_its_total_has_series(
    tmp_path: Path,
) -> None:
    # only OK calls (no error series yet): 2 calls per second
    series = [
        grpc("payments", "Auth", "OK", "0+30x20"),
    ]
    checks = [
        expr_check(cv.slo_requests("5m"), PROMQL, "5m", 2),
        expr_check(cv.slo_errors("5m"), PROMQL, "5m", 0),
        expr_check(cv.slo_error_ratio("5m"), PROMQL, "5m", 0),
    ]
    run_promtool(tmp_path, series, checks)


def test_a_promql_slo_sums_its_expressions_to_one_series_per_service(tmp_path: Path) -> None:
    # two methods and an error code: total 3 calls/s, errors 0.5/s; another job is not read
    series = [
        grpc("payments", "Auth", "OK", "0+30x20"),
        grpc("payments", "Void", "OK", "0+7.5x20"),
        grpc("payments", "Void", "Unavailable", "0+7.5x20"),
        grpc("ledger", "Auth", "Internal", "0+90x20"),
    ]
    checks = [
        expr_check(cv.slo_requests("5m"), PROMQL, "5m", 3),
        expr_check(cv.slo_errors("5m"), PROMQL, "5m", 0.5),
    ]
    run_promtool(tmp_path, series, checks)


def test_a_promql_slo_without_any_series_records_nothing(tmp_path: Path) -> None:
    series = [
        probe("ledger", "a", "http_2xx", "1x20"),
    ]
    checks = [
        expr_check(cv.slo_requests("5m"), PROMQL, "5m"),
        expr_check(cv.slo_errors("5m"), PROMQL, "5m"),
    ]
    run_promtool(tmp_path, series, checks)


def test_selector_expands_in_promql_rules_and_gauge_rules_read_the_scraped_services() -> None:
    errors = recorded_expr(cv.slo_errors("5m"), PROMQL)
    assert errors.count('job="payments"') == 2  # the errors and the total it falls back on
    assert "$selector" not in errors
    assert errors.startswith("sum(rate(grpc_server_handled_total{")
    assert ") or 0 * sum(rate(grpc_server_handled_total{" in errors
    # a gauge reads the services its scrape jobs label, by tier (ledger: the batch tier's)
    gauge = recorded_expr(cv.slo_requests("5m"), GAUGE)
    assert gauge == (
        "sum by (service, tier) "
        '(count_over_time(probe_success{tier="batch", module!="tcp_connect"}[5m])) / 300'
    )


def test_a_quote_in_a_selector_value_cannot_change_a_promql_slis_expression(
    tmp_path: Path,
) -> None:
    hostile = 'pay"} or vector(1) #'
    text = KINDS.read_text(encoding="utf-8").replace(
        "selector: {job: payments}", "selector: {job: " + json.dumps(hostile) + "}"
    )
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    doc = yaml.safe_load(build(spec, tmp_path / "out").files[cv.SLO_FILE])
    (rule,) = [
        r
        for g in doc["groups"]
        for r in g["rules"]
        if r.get("record") == cv.slo_requests("5m") and r["labels"]["slo"] == "grpc"
    ]
    found: list[str] = []

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            found.extend(m.value for m in node.matchers.matchers if m.name == "job")
        return True

    promql_parser.walk(promql_parser.parse(rule["expr"]), visit)
    assert found == [hostile]  # one selector, the value whole: no `or vector(1)` leaked
