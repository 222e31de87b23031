"""examples/payments: the second, non-DuRi example spec. Its committed out/ is what the spec
renders (promtool and amtool prove that out/ in tests/promtest, tests/prometheus and
tests/alertmanager), and it uses what a payments company needs (issue 14)."""

from __future__ import annotations

from functools import cache

import yaml

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
    low = {r["labels"]["service"] for r in _alert_rules(built()) if r["alert"] == "ThroughputLow"}  # type: ignore[index]
    assert low == {"payments-api", "card-auth", "ledger", "merchant-portal", "fraud-scoring"}


def test_health_checks_are_excluded_from_both_sides_of_every_slo() -> None:
    slo = built().files["prometheus/rules/slo.yml"]
    raw = [
        line
        for line in slo.splitlines()
        if "http_server_requests_seconds" in line and "expr" in line
    ]
    reads_raw = [line for line in raw if "{" in line.split("expr", 1)[1] and "job=" in line]
    # bad and total side of each SLO: 3 core services x 3 SLOs, 3 standard x 2, 3 batch x 1
    assert len(reads_raw) == 2 * (3 * 3 + 3 * 2 + 3 * 1)
    assert all('uri!~"/actuator/health.*"' in line for line in reads_raw)


def test_latency_slo_covers_the_core_tier_and_success_slo_only_tickets() -> None:
    rules = [
        r
        for r in yaml.safe_load(built().files["prometheus/rules/slo.yml"])["groups"]
        for r in r["rules"]
        if "alert" in r
    ]
    latency = {r["labels"]["service"] for r in rules if r["labels"]["slo"] == "latency"}
    assert latency == {"payments-api", "card-auth", "ledger"}
    success = {r["labels"]["severity"] for r in rules if r["labels"]["slo"] == "success"}
    assert success == {"warning"}


def test_card_auth_is_scraped_over_https_at_the_actuator_path() -> None:
    doc = yaml.safe_load(built().files["prometheus/prometheus.yml"])
    job = next(j for j in doc["scrape_configs"] if j["job_name"] == "card-auth")
    assert (job["scheme"], job["metrics_path"]) == ("https", "/actuator/prometheus")
