"""Named SLOs (spec version 2, docs/slo.md): version 1 specs read as the same SLOs, each
SLO's objective, period, scope, alerting and guard reach its rules, `exclude` leaves events
out of both sides, and mistakes are reported at the line that holds them."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.core import conventions as cv
from generator.errors import SpecError
from generator.pipeline import Build
from generator.plan import read_spec
from generator.promtest import slo_context
from generator.promtest.slo_rounds import slo_rounds
from tests.conftest import DURI_SPEC, FIXTURES, render_spec, rules_as_services_see_them

KINDS = FIXTURES / "slo-kinds" / "spec.yaml"
SHOP = FIXTURES / "shop" / "spec.yaml"


@cache
def kinds() -> Build:
    return render_spec(KINDS, KINDS.parent / "out")


def rules(build: Build) -> list[dict[str, Any]]:
    return [r for _, r in rules_as_services_see_them(build, cv.SLO_FILE)]


def recorded(build: Build, record: str, service: str, slo: str) -> str:
    (rule,) = [
        r
        for r in rules(build)
        if r.get("record") == record
        and r["labels"]["service"] == service
        and r["labels"]["slo"] == slo
    ]
    return str(rule["expr"])


def alerts(build: Build, slo: str) -> list[dict[str, Any]]:
    return [r for r in rules(build) if "alert" in r and r["labels"]["slo"] == slo]


def test_a_version_1_spec_reads_as_the_named_availability_and_latency_slos() -> None:
    spec = read_spec(SHOP, "shop.yaml")[0]
    assert sorted(spec.slos) == ["availability", "latency"]
    availability, latency = spec.slos["availability"], spec.slos["latency"]
    assert availability.sli.ratio is not None and availability.objective is None  # the tier's
    assert [m.value for m in availability.sli.ratio.errors or ()] == ["5..|429"]
    assert (availability.period, latency.period) == ("28d", "7d")
    assert latency.sli.latency is not None and str(latency.sli.latency.threshold) == "0.3"
    assert latency.objective == 99
    assert availability.min_events == latency.min_events == 1000
    assert availability.services == latency.services == "all"


def test_a_version_1_mistake_is_reported_at_its_own_line_and_path(tmp_path: Path) -> None:
    text = SHOP.read_text(encoding="utf-8").replace("threshold: 0.3", "threshold: 0.25")
    spec = tmp_path / "shop.yaml"
    spec.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    threshold: 0.25") + 1
    with pytest.raises(SpecError) as caught:
        read_spec(spec, "shop.yaml")
    (problem,) = caught.value.problems
    assert (problem.location.line, problem.field) == (line, "slos.latency.threshold")


def test_exclude_leaves_health_checks_out_of_both_sides_of_a_ratio() -> None:
    errors = recorded(kinds(), cv.slo_errors("5m"), "payments", "availability")
    total = recorded(kinds(), cv.slo_requests("5m"), "payments", "availability")
    assert errors.count('uri!~"/actuator/health.*"') == 2  # the bad events and the guard
    assert 'status=~"5.."' in errors
    assert total.count('uri!~"/actuator/health.*"') == 1


def test_a_good_ratio_counts_every_event_not_matched_as_good_as_bad() -> None:
    errors = recorded(kinds(), cv.slo_errors("5m"), "payments", "success")
    # every event less the good ones, per service (read through its scrape job's labels)
    assert errors.startswith("sum by (service, tier) (rate(http_server_requests_seconds_count{")
    assert " - (sum by (service, tier) (rate(http_server_requests_seconds_count{" in errors
    assert 'outcome="SUCCESS"' in errors


def test_a_latency_sli_with_exclude_reads_its_own_buckets_without_them() -> None:
    errors = recorded(kinds(), cv.slo_errors("5m"), "payments", "latency")
    own = 'http_server_requests_seconds_bucket{tier="critical", uri!~"/actuator/health.*", le='
    assert errors.count(own) == 2  # all events and those within the threshold, both kept
    assert 'le="0.3"' in errors and 'le="+Inf"' in errors


def test_each_slo_covers_only_its_services_with_its_own_objective_and_guard() -> None:
    plans = {(s.service, s.slo): s for s in kinds().plan.slos}
    assert set(plans) == {
        ("ledger", "availability"),
        ("ledger", "latency-report"),
        ("payments", "availability"),
        ("payments", "latency"),
        ("payments", "latency-report"),
        ("payments", "success"),  # teams: [payments]
        ("ledger", "probes"),  # tiers: [batch]
        ("payments", "grpc"),  # services: [payments]
    }
    assert plans[("payments", "availability")].objective == Decimal("99.9")  # the tier's
    assert plans[("ledger", "availability")].objective == 99
    assert plans[("payments", "latency")].objective == 99  # its own
    assert plans[("payments", "availability")].period == "28d"
    assert plans[("payments", "success")].min_events == 500
    assert plans[("ledger", "probes")].min_events == 100
    assert (plans[("ledger", "probes")].kind, plans[("payments", "grpc")].kind) == (
        "gauge",
        "promql",
    )


def test_alerting_picks_page_ticket_or_no_burn_alerts() -> None:
    severities = {
        slo: sorted({a["labels"]["severity"] for a in alerts(kinds(), slo)})
        for slo in ("availability", "success", "latency", "latency-report")
    }
    assert severities == {
        "availability": ["critical", "warning"],
        "success": ["warning"],
        "latency": ["critical"],
        "latency-report": [],
    }
    # an SLO without alerts still records its SLI and budget for the dashboards
    assert recorded(kinds(), cv.SLO_BUDGET_REMAINING, "ledger", "latency-report")
    assert all(" >= 500" in a["expr"] for a in alerts(kinds(), "success"))


def test_duri_is_a_version_2_spec_with_its_guide_comments() -> None:
    text = DURI_SPEC.read_text(encoding="utf-8")
    assert "\nversion: 2\n" in text
    assert "guide: error rate = 5xx_requests / total_requests" in text
    assert "guide §성능 목표: ... < 500ms (a bucket boundary)" in text


def test_the_slo_tests_feed_excluded_events_all_bad_and_predict_alerts_without_them() -> None:
    tests = yaml.safe_load(kinds().files[cv.test_file("slo")])
    fed = {s["series"] for g in tests["tests"] for s in g["input_series"]}
    # the health checks fail throughout, yet the no-traffic scenario expects no ratio at all
    assert any('uri="/actuator/health' in s and 'status="500"' in s for s in fed)
    assert any('uri="/actuator/health' in s and "_bucket{" in s for s in fed)


def test_two_slos_reading_one_counter_are_proved_in_separate_rounds() -> None:
    rounds = [set(r) for r in slo_rounds(slo_context(kinds().spec), kinds().plan.slos)]
    # gauge and promql SLOs read other metrics: they share the first round
    assert {"availability", "grpc", "latency", "probes"} <= rounds[0]
    # success counts the availability SLO's counter, latency-report (an SLO without alerts)
    # reads the latency SLO's histogram: each in another round than the SLO it shares with
    assert not any({"success", "availability"} <= r for r in rounds)
    assert not any({"latency-report", "latency"} <= r for r in rounds)
    # the tests name each round's SLOs
    tests = yaml.safe_load(kinds().files[cv.test_file("slo")])
    names = [g["name"] for g in tests["tests"]]
    assert any(n.startswith("SLOs latency-report, success: steady burn 1") for n in names)


def _refused(tmp_path: Path, old: str, new: str) -> tuple[int, int, str, str]:
    """(line, column, field path, message) of the one problem of the slo-kinds fixture with
    `old` replaced by `new`, and the line `new` is on."""
    text = KINDS.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new)
    spec = tmp_path / "spec.yaml"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        read_spec(spec, "spec.yaml")
    (problem,) = caught.value.problems
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if new.strip() in ln)
    assert problem.location.line == line
    return problem.location.line, problem.location.column, problem.field, problem.message


def test_a_promql_sli_reading_an_unknown_metric_is_refused_at_its_line(tmp_path: Path) -> None:
    _, column, field, message = _refused(
        tmp_path,
        "total: 'rate(grpc_server_handled_total{$selector}[5m])'",
        "total: 'rate(grpc_server_calls_total{$selector}[5m])'",
    )
    assert field == "slos.grpc.sli.promql.total"
    assert column == 16  # the expression, after `total: `
    assert "grpc_server_calls_total" in message and "not in the metric catalogue" in message


def test_a_promql_sli_without_selector_is_refused_as_the_same_sli_for_every_service(
    tmp_path: Path,
) -> None:
    _, _, field, message = _refused(
        tmp_path,
        "total: 'rate(grpc_server_handled_total{$selector}[5m])'",
        "total: 'rate(grpc_server_handled_total[5m])'",
    )
    assert field == "slos.grpc.sli.promql.total"
    assert message.startswith("does not use $selector: every covered service would get the same")


def test_a_promql_sli_that_makes_events_out_of_nothing_is_refused(tmp_path: Path) -> None:
    _, _, field, message = _refused(
        tmp_path,
        "total: 'rate(grpc_server_handled_total{$selector}[5m])'",
        "total: 'sum(rate(grpc_server_handled_total{$selector}[5m])) or vector(0)'",
    )
    assert field == "slos.grpc.sli.promql.total"
    assert "vector()" in message and "missing data" in message


def test_a_gauge_sli_needs_a_gauge_of_the_catalogue(tmp_path: Path) -> None:
    _, _, field, message = _refused(
        tmp_path, "metric: probe_success", "metric: http_server_requests_seconds_count"
    )
    assert field == "slos.probes.sli.gauge.metric"
    assert message.endswith("is a counter; a gauge SLI needs a gauge")


def test_a_gauge_slis_exclude_matcher_names_a_label_of_its_metric(tmp_path: Path) -> None:
    _, _, field, message = _refused(
        tmp_path,
        'exclude: [{label: module, op: "=", value: tcp_connect}]',
        'exclude: [{label: uri, op: "=", value: tcp_connect}]',
    )
    assert field == "slos.probes.sli.gauge.exclude[0].label"
    assert "not a label of 'probe_success'" in message


def test_gauge_and_promql_slos_record_their_events_by_kind() -> None:
    gauge = recorded(kinds(), cv.slo_errors("5m"), "ledger", "probes")
    kept = 'probe_success{tier="batch", module!="tcp_connect"}[5m]'
    assert gauge == (
        f"(sum by (service, tier) (count_over_time({kept})) "
        f"- sum by (service, tier) (sum_over_time({kept}))) / 300"
    )
    total = recorded(kinds(), cv.slo_requests("5m"), "payments", "grpc")
    assert total == 'sum(rate(grpc_server_handled_total{job="payments"}[5m]))'
    # the gauge SLO covers the batch tier only, the promql one the listed service
    assert {r["labels"]["service"] for r in alerts(kinds(), "probes")} == {"ledger"}
    assert {r["labels"]["service"] for r in alerts(kinds(), "grpc")} == {"payments"}


def test_alert_texts_name_what_a_kinds_events_are() -> None:
    probes = alerts(kinds(), "probes")[0]
    assert "99% of probe_success samples read 1" in probes["annotations"]["description"]
    grpc = next(r for r in alerts(kinds(), "grpc") if r["labels"]["long_window"] == "1h")
    assert "99.5% of events succeed" in grpc["annotations"]["description"]
