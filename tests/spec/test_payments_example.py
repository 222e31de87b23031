"""examples/payments: the second, non-DuRi example spec. Its committed out/ is what the spec
renders (promtool and amtool prove that out/ in tests/promtest, tests/prometheus and
tests/alertmanager), and it uses what a payments company needs (issue 14)."""

from __future__ import annotations

import re
from functools import cache

import yaml

from generator.core import conventions as cv
from generator.pipeline import Build
from tests.conftest import ROOT, render_spec, run_cli

EXAMPLE = ROOT / "examples" / "payments"


@cache
def built() -> Build:
    return render_spec(EXAMPLE / "spec.yaml", EXAMPLE / "out")


def _alert_rules(build: Build) -> list[dict[str, object]]:
    doc = yaml.safe_load(build.files["prometheus/rules/alerts.yml"])
    return [r for g in doc["groups"] for r in g["rules"] if "alert" in r]


def test_payments_example_out_is_its_committed_golden() -> None:
    # generated in examples/payments, so its headers name the spec `spec.yaml`
    res = run_cli("check", "spec.yaml", "--out", "out", cwd=EXAMPLE)
    assert res.returncode == 0, res.stdout + res.stderr


def test_batch_jobs_and_notifications_have_no_throughput_alert() -> None:
    # per service, as each fires (a shared rule stands for several)
    low = {a.label("service") for a in built().plan.alerts() if a.alert == "ThroughputLow"}
    assert low == {"payments-api", "card-auth", "ledger", "merchant-portal", "fraud-scoring"}


def test_health_checks_are_excluded_from_both_sides_of_every_slo() -> None:
    (slo_file,) = [f for f in built().plan.rule_files if f.path == cv.SLO_FILE]
    fives = (cv.slo_errors("5m"), cv.slo_requests("5m"))
    text = yaml.safe_load(built().files[cv.SLO_FILE])
    reads = [
        (r["labels"]["slo"], r["record"], r["expr"])
        for g in text["groups"]
        for r in g["rules"]
        if r.get("record") in fives and "http_server_requests_seconds" in r["expr"]
    ]
    # the bad and the total side of each SLO on the requests: one rule each, read raw
    assert sorted((slo, record) for slo, record, _ in reads) == [
        (slo, record) for slo in ("availability", "latency", "success") for record in sorted(fives)
    ]
    selectors = re.findall(r"http_server_requests_seconds_\w+\{[^}]*\}", str(reads))
    assert len(selectors) == 10  # errors: selected and present; latency: two buckets
    assert all('uri!~"/actuator/health.*"' in s for s in selectors)
    # every service each covers: 3 core services x 3 SLOs, 3 standard x 2, 3 batch x 1
    requests = ("availability", "latency", "success")
    covered = {
        (dict(v.labels)["service"], dict(v.labels)["slo"])
        for r in slo_file.records()
        if r.record in fives and dict(r.labels).get("slo") in requests
        for v in r.views
    }
    assert len(covered) == 3 * 3 + 3 * 2 + 3 * 1


def test_latency_slo_covers_the_core_tier_and_success_slo_only_tickets() -> None:
    # per service, as each fires (a shared rule stands for several)
    alerts = [a for a in built().plan.alerts() if "slo" in dict(a.labels)]
    latency = {a.label("service") for a in alerts if a.label("slo") == "latency"}
    assert latency == {"payments-api", "card-auth", "ledger"}
    success = {a.label("severity") for a in alerts if a.label("slo") == "success"}
    assert success == {"warning"}


def test_card_auth_is_scraped_over_https_at_the_actuator_path() -> None:
    doc = yaml.safe_load(built().files["prometheus/prometheus.yml"])
    job = next(j for j in doc["scrape_configs"] if j["job_name"] == "card-auth")
    assert (job["scheme"], job["metrics_path"]) == ("https", "/actuator/prometheus")


def _slo_rules(slo: str) -> list[dict[str, object]]:
    doc = yaml.safe_load(built().files["prometheus/rules/slo.yml"])
    return [r for g in doc["groups"] for r in g["rules"] if r["labels"]["slo"] == slo]  # type: ignore[index]


def test_settlements_probe_is_a_gauge_slo_of_samples_with_port_checks_left_out() -> None:
    rules = _slo_rules("probes")
    assert {r["labels"]["service"] for r in rules} == {"settlement"}  # type: ignore[index]
    total = next(r for r in rules if r.get("record") == "slo:sli_requests:rate5m")
    probes = 'probe_success{service="settlement", module!="tcp_connect"}[5m]'
    assert total["expr"] == f"sum by (service, tier) (count_over_time({probes})) / 300"
    alerts = [r for r in rules if "alert" in r]
    assert {r["labels"]["severity"] for r in alerts} == {"warning"}  # type: ignore[index]
    guards = {str(r["expr"]).rsplit(" * ", 1)[1] for r in alerts}
    assert guards == {"86400 >= 100", "259200 >= 100"}  # min_events in samples, 1d and 3d
    catalogue = built().files["ALERTS.md"]
    assert "with at least 100 samples in 1d" in catalogue


def test_fraud_scorings_grpc_calls_are_a_promql_slo_without_health_checks() -> None:
    rules = _slo_rules("scoring")
    assert {r["labels"]["service"] for r in rules} == {"fraud-scoring"}  # type: ignore[index]
    errors = next(r for r in rules if r.get("record") == "slo:sli_errors:rate5m")["expr"]
    total = next(r for r in rules if r.get("record") == "slo:sli_requests:rate5m")["expr"]
    health = 'grpc_service!="grpc.health.v1.Health"'
    assert str(total).startswith('sum(rate(grpc_server_handled_total{job="fraud-scoring", ')
    assert health in str(total) and str(errors).count(health) == 2  # errors, and the total
    assert 'grpc_code=~"Unknown|DeadlineExceeded|Internal|Unavailable|DataLoss"' in str(errors)
    objective = next(r for r in rules if r.get("record") == "slo:objective:info")
    assert objective["labels"]["objective"] == "99.9"  # type: ignore[index]
