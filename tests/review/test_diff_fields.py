"""`obsgen diff` sees a change of every kind of spec field: each case edits one field of
tests/fixtures/diff/every_field.yaml and names lines the report must hold, the alerts whose
behaviour the edit changes among them; `--exit-code` exits 1 for each."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import cli
from tests.conftest import FIXTURES

BASE = (FIXTURES / "diff" / "every_field.yaml").read_text(encoding="utf-8")
CHECKOUT = 'service="checkout"'
BURN_1H = 'long_window="1h", {s}, severity="critical", short_window="5m", slo="{slo}"}}'

# (what changes, text in the base spec, its replacement, lines the report must hold)
CASES = [
    (
        "the latency SLO threshold (a bucket boundary) moves",
        "latency: {objective: 99, threshold: 0.3}",
        "latency: {objective: 99, threshold: 0.05}",
        [
            '  ~ slo:sli_errors:rate5m{service="checkout", slo="latency"}',
            '      slo_bucket_excess good: {tier="gold", le="0.3"} -> {tier="gold", le="0.05"}',
            "      changes alert LatencyErrorBudgetBurn{"
            + BURN_1H.format(s=CHECKOUT, slo="latency"),
        ],
    ),
    (
        "the error matcher of the availability SLO changes",
        'errors: [{label: code, op: "=~", value: "5.."}]',
        'errors: [{label: code, op: "=~", value: "5..|429"}]',
        [
            "  ~ service:api_requests_errors:rate5m{}",  # the rule every service shares
            '      sum_rate_or_zero_while selector: {tier="gold", code=~"5.."} -> '
            '{tier="gold", code=~"5..|429"}',
            '      changes alert ErrorRateRegression{service="checkout", severity="warning"}',
            "      changes alert AvailabilityErrorBudgetBurn{"
            + BURN_1H.format(s=CHECKOUT, slo="availability"),
        ],
    ),
    (
        "a service's selector changes",
        "selector: {job: checkout}",
        "selector: {job: shop-checkout}",
        [  # the recorded signals read the service's label, put on by its (renamed) job
            "  + scrape job shop-checkout",
            "  - scrape job checkout",
            '  ~ TargetDown{service="checkout", severity="critical"}',
            '      expression: target_down(selector={job="checkout"}) -> '
            'target_down(selector={job="shop-checkout"})',
        ],
    ),
    (
        "a service's container labels change",
        "container: {pod: checkout}",
        "container: {pod: checkout-main}",
        [  # which container series are the service's is cAdvisor's relabelling (the rules,
            # MetricAbsent's too, read the service's label it puts on them)
            "  ~ scrape job kubelet",
            "      series relabelled: service=checkout where pod matches checkout, "
            "tier=gold where service matches checkout -> service=checkout where pod matches "
            "checkout-main, tier=gold where service matches checkout",
        ],
    ),
    (
        "a CPU limit changes",
        "limits: {cpu: 0.5,",
        "limits: {cpu: 1,",
        [
            "  ~ service:container_cpu_utilisation:ratio{}",
            "      divide by: 0.5 -> 1",
            '      changes alert ContainerCPUHigh{service="checkout", severity="warning"}',
        ],
    ),
    (
        "a memory limit changes",
        "memory: 256Mi}}",
        "memory: 1Gi}}",
        [
            "      divide by: 268435456 -> 1073741824",
            '      changes alert ContainerMemoryHigh{service="checkout", severity="warning"}',
        ],
    ),
    (
        "Postgres max_connections changes",
        "max_connections: 200",
        "max_connections: 500",
        [
            '  ~ instance:pg_connections_utilisation:ratio{service="db"}',
            "      divide by: 200 -> 500",
            '      changes alert PostgresConnectionsHigh{service="db", severity="critical"}',
            "  ~ shop / Datastores / Connections (db.connections)",
            "max_connections 200: constant(value=200) -> {{instance}}: "
            'series(selector={service="db"}, series=instance:pg_connections:sum), '
            "max_connections 500: constant(value=500)",
        ],
    ),
    (
        "Redis maxmemory changes",
        "maxmemory: 512Mi",
        "maxmemory: 1gb",
        [
            '  ~ instance:redis_memory_utilisation:ratio{service="cache"}',
            "      sum_by_divide denominator: 536870912 -> 1073741824",
            '      changes alert RedisMemoryHigh{service="cache", severity="critical"}',
        ],
    ),
    (
        "a datastore's selector changes",
        "selector: {job: postgres}",
        "selector: {job: pg}",
        [
            '      sum_by selector: {job="postgres"} -> {job="pg"}',
            '      changes alert PostgresConnectionsHigh{service="db", severity="critical"}',
        ],
    ),
    (
        "the node exporter's selector changes",
        "node: {selector: {job: node}",
        "node: {selector: {job: node-exporter}",
        [
            '      idle_complement selector: {job="node", mode="idle"} -> '
            '{job="node-exporter", mode="idle"}',
            '      changes alert NodeCPUHigh{service="node", severity="critical"}',
        ],
    ),
    (
        "a tier's availability objective changes",
        "gold: {availability: 99.95}",
        "gold: {availability: 99.9}",
        [
            "Thresholds and `for` changed (4)",
            "      fires when: availability error ratio above 0.0072 (14.4x the 0.0005 budget)",
        ],
    ),
    (
        "an SLO's period changes",
        "latency: {objective: 99, threshold: 0.3}",
        "latency: {objective: 99, threshold: 0.3, period: 7d}",
        ["(0.7x the 0.01 budget) over both 1d and 2h"],
    ),
    (
        "the SLO minimum of events changes",
        "  latency: {objective: 99, threshold: 0.3}\n",
        "  latency: {objective: 99, threshold: 0.3}\n  min_events: 50\n",
        ["with at least 1000 requests in 1h -> ", "with at least 50 requests in 1h"],
    ),
    (
        "an alert threshold and its `for` change",
        "critical: {threshold: 0.3, for: 10m}",
        "critical: {threshold: 0.2, for: 5m}",
        [
            "      fires when: p99 latency above 300ms -> p99 latency above 200ms",
            "      for: 10m -> 5m",
        ],
    ),
    (
        "the latency alert's percentile changes",
        "percentile: 99",
        "percentile: 95",
        ["Alerts added (1)", '  + LatencyP95High{service="checkout", severity="critical"}'],
    ),
    (
        "the regression threshold changes",
        "  threshold: 20\n",
        "  threshold: 30\n",
        ["error ratio 20% higher than 1d ago", "error ratio 30% higher than 1d ago"],
    ),
    (
        "the regression comparison period changes",
        "compare: 1d",
        "compare: 7d",
        ["higher than 7d ago"],
    ),
    (
        "the regression minimum request rate changes",
        "min_request_rate: 1",
        "min_request_rate: 5",
        ["with at least 5 req/s now and 1d ago"],
    ),
    (
        "the error-ratio regression floor changes",
        "  min_request_rate: 1\n",
        "  min_request_rate: 1\n  error_rate_floor: 2\n",
        [
            '  ~ ErrorRateRegression{service="checkout", severity="warning"}',
            "higher than 1d ago and above 1%, with at least 1 req/s now and 1d ago -> ",
            "higher than 1d ago and above 2%, with at least 1 req/s now and 1d ago",
        ],
    ),
    (
        "the regression `for` changes",
        "  for: 30m\n",
        "  for: 1h\n",
        [
            '  ~ ThroughputRegression{service="checkout", severity="warning"}',
            "      for: 30m -> 1h",
        ],
    ),
    (
        "the runbook base changes",
        "runbook_url: https://wiki.shop.example/runbooks",
        "runbook_url: https://runbooks.shop.example",
        [
            "      runbook: https://wiki.shop.example/runbooks#throughputlow -> "
            "https://runbooks.shop.example#throughputlow",
        ],
    ),
    (
        "a service's scrape targets change",
        'targets: ["10.0.0.5:9000"]',
        'targets: ["10.0.0.5:9000", "10.0.0.6:9000"]',
        ["  ~ scrape job checkout", "      targets: 10.0.0.5:9000 -> 10.0.0.5:9000, 10.0.0.6:9000"],
    ),
    (
        "the cAdvisor exporter's selector changes its scrape job",
        "cadvisor: {selector: {job: kubelet}",
        "cadvisor: {selector: {job: cadvisor}",
        ["  + scrape job cadvisor", "  - scrape job kubelet"],
    ),
    (
        "the scrape interval changes",
        "scrape_interval: 30s",
        "scrape_interval: 15s",
        ["  ~ prometheus", "      scrape interval: 30s -> 15s"],
    ),
    (
        "the evaluation interval changes",
        "evaluation_interval: 1m",
        "evaluation_interval: 30s",
        ["      evaluation interval: 1m -> 30s"],
    ),
    (
        "the Alertmanager addresses change",
        'alertmanagers: ["am:9093"]',
        'alertmanagers: ["am:9093", "am-2:9093"]',
        ["      alertmanagers: am:9093 -> am:9093, am-2:9093"],
    ),
    (
        "a receiver's address changes",
        "to: ops@shop.example",
        "to: oncall@shop.example",
        [
            "Receivers changed (1)",
            "  ~ ops-mail",
            "      to: ops@shop.example -> oncall@shop.example",
        ],
    ),
    (
        "the routing's repeat interval changes, inherited by every route",
        "  routes:\n",
        "  repeat_interval: 2h\n  routes:\n",
        [
            "Notification timing changed (4)",
            "  ~ route root\n      repeat_interval: 4h -> 2h",
            '  ~ route root > {severity="critical"}\n      repeat_interval: 4h -> 2h',
        ],
    ),
    (
        "a route's receiver changes",
        "      receiver: ops-mail\n",
        "      receiver: pager\n",
        ["      reaches: ops-mail -> pager"],
    ),
]


def _diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, after: str) -> tuple[int, str]:
    (tmp_path / "before.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "after.yaml").write_text(after, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(
        cli, ["diff", "before.yaml", "after.yaml", "--exit-code"], catch_exceptions=False
    )
    return res.exit_code, res.output


@pytest.mark.parametrize(
    ("old", "new", "lines"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_change_of_each_kind_of_field_is_reported_with_what_it_changes(
    old: str, new: str, lines: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert BASE.count(old) == 1, f"the base spec must hold {old!r} once"
    code, output = _diff(tmp_path, monkeypatch, BASE.replace(old, new))
    assert (code, output.splitlines()[0]) == (1, "Behavioural changes: before.yaml -> after.yaml")
    for line in lines:
        assert line in output, output


def test_a_service_moved_to_another_tier_is_reported_as_a_tier_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = BASE.replace(
        "  gold: {availability: 99.95}\n",
        "  gold: {availability: 99.95}\n  silver: {availability: 99.9}\n",
    )
    (tmp_path / "base.yaml").write_text(base, encoding="utf-8")
    moved = base.replace(
        "    tier: gold\n    selector: {job: checkout}",
        "    tier: silver\n    selector: {job: checkout}",
    )
    assert moved != base
    (tmp_path / "moved.yaml").write_text(moved, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["diff", "base.yaml", "moved.yaml", "--exit-code"])
    assert res.exit_code == 1
    assert (
        '  ~ ThroughputLow{service="checkout", severity="warning"}\n      tier: gold -> silver'
        in res.output
    )


def test_the_base_spec_compared_with_itself_reports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = _diff(tmp_path, monkeypatch, BASE)
    assert (code, output) == (0, "No behavioural changes: before.yaml -> after.yaml\n")
