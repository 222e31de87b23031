"""Custom alerts: one rule per covered service with `$selector` expanded, the labels their
alerts carry read from the expression, and a generated firing and silent case each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import yaml

from generator.pipeline import Build
from generator.prometheus import output_labels
from generator.prometheus.custom_labels import LabelsUnknown, parse_series
from generator.promtest import example_tests
from generator.promtest.custom import segments
from generator.promtest.model import Segment
from tests.conftest import FIXTURES, ROOT, render_spec, run_cli

PAYMENTS = FIXTURES / "payments" / "spec.yaml"
SERIES = [
    parse_series('q{app="a", queue="in"}'),
    parse_series('q{app="a", queue="out"}'),
    parse_series('q{app="b", queue="in"}'),
]


@cache
def payments() -> Build:
    return render_spec(PAYMENTS, PAYMENTS.parent / "out")


def _labels(expr: str) -> list[dict[str, str]]:
    return [dict(s) for s in output_labels(expr, SERIES)]


def test_a_selector_compared_with_a_number_keeps_every_label_but_the_name() -> None:
    assert _labels('q{app="a"} > 1') == [{"app": "a", "queue": "in"}, {"app": "a", "queue": "out"}]


def test_an_aggregation_keeps_only_its_grouping_labels() -> None:
    assert _labels('max by (queue) (q{app="a"}) > 1') == [{"queue": "in"}, {"queue": "out"}]
    assert _labels('max(q{app="a"}) > 1') == [{}]
    assert _labels("sum without (queue) (q) > 1") == [{"app": "a"}, {"app": "b"}]


def test_one_to_one_matching_on_labels_keeps_only_those_labels() -> None:
    assert _labels('q{app="a"} / on(queue) q{app="b"} > 1') == [{"queue": "in"}]


def test_an_expression_whose_labels_cannot_be_told_is_refused() -> None:
    for expr in ('label_replace(q, "x", "y", "", "")', "q * on(queue) group_left q"):
        try:
            output_labels(expr, SERIES)
        except LabelsUnknown:
            continue
        raise AssertionError(f"{expr} was not refused")


def test_expanding_notation_reads_as_promtool_reads_it() -> None:
    assert segments("0+100x30 500x5 7 10-2x3") == (
        Segment(0, 100, 30),
        Segment(500, 0, 5),
        Segment(7, 0, 0),
        Segment(10, -2, 3),
    )


def test_each_covered_service_gets_a_rule_with_its_own_selector() -> None:
    rules = [a for f in payments().plan.rule_files for a in f.alerts()]
    mine = {a.label("service"): a for a in rules if a.alert == "PaymentQueueBacklog"}
    # services: {teams: [payments]}: accounts (team customers) is not covered
    assert sorted(mine) == ["gateway", "ledger", "settlement"]
    assert mine["ledger"].expr.args["text"] == (
        'max by (queue) (payment_queue_depth{app="ledger"}) > 1000'
    )
    assert dict(mine["settlement"].labels) == {
        "service": "settlement",
        "severity": "warning",
        "tier": "batch",
    }


def test_the_generated_test_expects_the_example_to_fire_and_the_variation_to_stay_silent() -> None:
    tests = yaml.safe_load(payments().files["prometheus/tests/alerts.yml"])["tests"]
    checks = [
        c
        for g in tests
        for c in g.get("alert_rule_test", ())
        if c["alertname"] == "PaymentQueueBacklog"
    ]
    assert len(checks) == 2
    firing, silent = sorted(checks, key=lambda c: not c["exp_alerts"])
    assert firing["eval_time"] == "20m"
    assert sorted(a["exp_labels"]["service"] for a in firing["exp_alerts"]) == [
        "gateway",
        "ledger",
        "settlement",
    ]
    assert {a["exp_labels"]["queue"] for a in firing["exp_alerts"]} == {"inbound"}
    assert firing["exp_alerts"][0]["exp_annotations"]["summary"] == (
        "Queue inbound: over 1000 payments waiting"
    )
    assert silent["exp_alerts"] == []


def test_custom_alerts_reach_the_catalogue_and_the_routing_table() -> None:
    assert "| PaymentQueueBacklog | ledger | core | warning |" in payments().files["ALERTS.md"]
    table = yaml.safe_load(payments().files["alertmanager/routing-table.yml"])
    rows = [r for r in table["alerts"] if r["labels"]["alertname"] == "PaymentQueueBacklog"]
    assert {r["labels"]["service"]: r["receivers"] for r in rows}["ledger"] == ["payments-chat"]


def test_the_service_dashboard_shows_the_custom_alerts_firing_for_the_service() -> None:
    board = json.loads(payments().files["grafana/dashboards/payments-service.json"])
    panels = {p["title"]: p for p in board["panels"]}
    assert "Custom alerts" in panels  # the row
    query = panels["Custom alerts firing"]["targets"][0]["expr"]
    assert query == (
        'ALERTS{alertname=~"PaymentQueueBacklog", alertstate="firing", service="$service"}'
    )


def test_each_custom_alert_example_gets_a_test_file_with_one_group_per_part() -> None:
    build = payments()
    tests = example_tests(build.spec, build.plan.rule_files)
    assert [t.alert for t in tests] == sorted(build.spec.custom_alerts)
    for test in tests:
        names = [g.name for g in test.file.groups]
        assert names == [
            f"{test.alert}: the example fires",
            f"{test.alert}: the variation stays silent",
        ]
        assert test.file.groups[0].alerts[0].expected, "the input part expects alerts"
        assert not test.file.groups[1].alerts[0].expected, "the variation expects none"


def test_without_promtool_generate_writes_and_says_the_examples_were_not_run(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    res = subprocess.run(
        [sys.executable, "-m", "generator", "generate", str(PAYMENTS), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "prometheus" / "rules" / "alerts.yml").exists()
    assert res.stderr.splitlines() == [
        "note: custom alert examples not run (promtool not found); "
        "`obsgen validate --require-tools` runs them"
    ]


def test_a_passing_example_is_run_by_generate_and_leaves_no_note(tmp_path: Path) -> None:
    res = run_cli("generate", str(PAYMENTS), "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
