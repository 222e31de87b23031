"""SLO rules (docs/slo.md): exact factors and thresholds, 5m-only raw reads, ratio-of-sums
windows, slow groups inside the lookback, the low-traffic guard, labels and annotations."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.core.numbers import parse_duration
from generator.pipeline import Build
from tests.conftest import DURI_OUT, DURI_SPEC, FIXTURES, render_spec, rules_as_services_see_them

SHOP_SPEC = FIXTURES / "shop" / "spec.yaml"


@cache
def duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


@cache
def shop() -> Build:
    return render_spec(SHOP_SPEC, SHOP_SPEC.parent / "out")


def slo_rules(build: Build) -> list[tuple[str, dict[str, Any]]]:
    """(group name, rule) of every rule in the rendered slo.yml, as each service sees it."""
    return rules_as_services_see_them(build, cv.SLO_FILE)


def alerts_of(build: Build, service: str, slo: str) -> dict[str, dict[str, Any]]:
    """The SLO's burn alerts by long window."""
    return {
        r["labels"]["long_window"]: r
        for _, r in slo_rules(build)
        if "alert" in r and r["labels"]["service"] == service and r["labels"]["slo"] == slo
    }


def threshold_text(expr: str) -> str:
    """The literal the long-window ratio is compared with: `ratio{...} > <this> and ...`."""
    match = re.match(r"^\S+\{[^}]*\} > (.+?) and ", expr)
    assert match, expr
    return match.group(1)


def matrix_selectors(expr: str) -> list[tuple[str, int]]:
    """(series, range in seconds) of every range selector of an expression."""
    found: list[tuple[str, int]] = []

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.MatrixSelector):
            found.append((node.vector_selector.name, int(node.range.total_seconds())))
        return True

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found


@pytest.mark.parametrize(
    ("period", "factors"),
    [
        ("30d", [Fraction("14.4"), Fraction(6), Fraction(3), Fraction(1)]),
        ("28d", [Fraction("13.44"), Fraction("5.6"), Fraction("2.8"), Fraction(14, 15)]),
        ("7d", [Fraction("3.36"), Fraction("1.4"), Fraction("0.7"), Fraction(7, 30)]),
    ],
)
def test_burn_factors_are_budget_share_times_period_over_long_window(
    period: str, factors: list[Fraction]
) -> None:
    assert [sm.burn_factor(w, period) for w in sm.BURN_WINDOWS] == factors


def test_duri_core_thresholds_are_the_workbook_factors_times_its_budget_printed_exactly() -> None:
    alerts = alerts_of(duri(), "duri-core", cv.SLO_AVAILABILITY)
    shown = {w: threshold_text(a["expr"]) for w, a in alerts.items()}
    assert shown == {"1h": "0.0144", "6h": "0.006", "1d": "0.003", "3d": "0.001"}
    assert {
        w: (a["labels"]["severity"], a["labels"]["short_window"]) for w, a in alerts.items()
    } == {
        "1h": ("critical", "5m"),
        "6h": ("critical", "30m"),
        "1d": ("warning", "2h"),
        "3d": ("warning", "6h"),
    }


def test_a_28_day_period_scales_thresholds_and_writes_non_decimal_ones_as_exact_quotients() -> None:
    # shop checkout: tier gold 99.95 % over 28d, so the budget is 0.0005
    alerts = alerts_of(shop(), "checkout", cv.SLO_AVAILABILITY)
    shown = {w: threshold_text(a["expr"]) for w, a in alerts.items()}
    assert shown == {"1h": "0.00672", "6h": "0.0028", "1d": "0.0014", "3d": "0.0014 / 3"}
    assert Fraction("0.0014") / 3 == Fraction(14, 15) * Fraction("0.0005")


def test_no_number_in_the_slo_rules_carries_float_noise() -> None:
    for build in (duri(), shop()):
        text = build.files[cv.SLO_FILE]
        assert not re.search(r"\d\.\d{9,}|\de-\d", text)


def test_raw_series_are_read_only_over_5m_and_slo_windows_only_average_recorded_5m_rates() -> None:
    build = duri()
    raw = build.plan.metrics
    for rule_file in build.plan.rule_files:
        doc = yaml.safe_load(build.files[rule_file.path])
        for group in doc["groups"]:
            for rule in group["rules"]:
                for series, span in matrix_selectors(rule["expr"]):
                    # health.yml reads a disk's 6h trend and 3h of TSDB compactions: one
                    # series per filesystem or per Prometheus, not per-service request data
                    if series in raw and rule_file.path != cv.HEALTH_FILE:
                        assert span == 300, (rule_file.path, rule["expr"])
                    if rule_file.path == cv.SLO_FILE:
                        assert series in {cv.slo_errors("5m"), cv.slo_requests("5m")}, rule


def test_every_window_is_the_ratio_of_the_two_averaged_rates_over_the_same_span() -> None:
    rules = {
        r["record"]: r["expr"]
        for _, r in slo_rules(duri())
        if "record" in r
        and r["labels"] == {"service": "duri-core", "slo": "availability", "tier": "core"}
    }
    spans = {w: w for w in sm.WINDOWS[1:]} | {cv.SLO_PERIOD: "30d"}
    for window, span in spans.items():
        seconds = parse_duration(span) // 1000
        assert matrix_selectors(rules[cv.slo_errors(window)]) == [(cv.slo_errors("5m"), seconds)]
        assert matrix_selectors(rules[cv.slo_requests(window)]) == [
            (cv.slo_requests("5m"), seconds)
        ]
        tree = promql_parser.parse(rules[cv.slo_error_ratio(window)])
        assert isinstance(tree, promql_parser.BinaryExpr)
        assert str(tree.op) == "/"
        assert tree.lhs.name == cv.slo_errors(window)
        # the denominator is filtered to requests > 0: no request, no ratio (never NaN)
        assert re.fullmatch(r"\(\S+ > 0\)", str(tree.rhs)) or "> 0" in str(tree.rhs)


def test_slow_groups_evaluate_less_often_but_inside_the_5m_lookback() -> None:
    doc = yaml.safe_load(duri().files[cv.SLO_FILE])
    intervals = {g["name"]: g.get("interval") for g in doc["groups"]}
    assert intervals["duri-services.slo-fast"] is None  # pages: every global evaluation (30s)
    assert intervals["duri-services.slo-medium"] == "1m"
    assert intervals["duri-services.slo-slow"] == "4m"
    for interval in filter(None, intervals.values()):
        assert parse_duration(interval) < parse_duration("5m")
    slow = next(g for g in doc["groups"] if g["name"] == "duri-services.slo-slow")
    assert {r.get("record") for r in slow["rules"]} >= {
        cv.slo_errors("1d"),
        cv.slo_errors("3d"),
        cv.slo_errors(cv.SLO_PERIOD),
    }


def test_every_burn_alert_needs_min_events_in_its_long_window() -> None:
    for build, min_events in ((duri(), 1000), (shop(), 1000)):
        for _, rule in slo_rules(build):
            if "alert" in rule:
                long = rule["labels"]["long_window"]
                seconds = parse_duration(long) // 1000
                assert f" and {cv.slo_requests(long)}{{" in rule["expr"]
                assert rule["expr"].endswith(f" * {seconds} >= {min_events}")


def test_slo_alerts_carry_routing_labels_and_annotations_and_camel_case_names() -> None:
    for _, rule in slo_rules(duri()):
        if "alert" not in rule:
            continue
        assert re.fullmatch(r"(?:[A-Z][a-z0-9]*)+", rule["alert"])
        assert set(rule["labels"]) == {
            "severity",
            "service",
            "tier",
            "slo",
            "long_window",
            "short_window",
        }
        assert rule["labels"]["severity"] in {"critical", "warning"}
        assert set(rule["annotations"]) == {"summary", "description", "runbook_url"}
        assert rule["annotations"]["runbook_url"].endswith("#" + rule["alert"].lower())
        assert rule["for"] == "0s"


def test_info_series_carries_objective_period_and_latency_threshold() -> None:
    infos = [r["labels"] for _, r in slo_rules(duri()) if r.get("record") == cv.SLO_INFO]
    core = [i for i in infos if i["service"] == "duri-core"]
    assert {i["slo"]: (i["objective"], i["period"], i.get("threshold")) for i in core} == {
        "availability": ("99.9", "30d", None),
        "latency": ("95", "30d", "0.5"),
    }
    shop_infos = [r["labels"] for _, r in slo_rules(shop()) if r.get("record") == cv.SLO_INFO]
    assert {(i["slo"], i["period"]) for i in shop_infos} == {
        ("availability", "28d"),
        ("latency", "7d"),
    }


def test_latency_slo_counts_requests_above_the_threshold_bucket() -> None:
    errors = next(
        r["expr"]
        for _, r in slo_rules(duri())
        if r.get("record") == cv.slo_errors("5m") and r["labels"]["slo"] == "latency"
    )
    assert 'le="+Inf"' in errors
    assert 'le="0.5"' in errors


def test_a_whole_number_threshold_matches_both_ways_clients_print_its_bucket(
    tmp_path: Path,
) -> None:
    text = DURI_SPEC.read_text(encoding="utf-8")
    assert text.count("    threshold: 0.5 ") == 1
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace("    threshold: 0.5 ", "    threshold: 1   "), encoding="utf-8")
    build = render_spec(spec, tmp_path / "out")
    assert 'le=~"1|1\\\\.0"' in build.files[cv.SLO_FILE]
