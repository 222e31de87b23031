"""The "Data health" row of the overview and infrastructure dashboards: every query is the
value a health alert compares (read here from the rendered health.yml, never retyped), its
lines are the alert's thresholds, and a `health:` number moved in the spec moves the alert
and the panel together."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.core import conventions as cv
from generator.grafana.checks import layout_problems
from generator.pipeline import Build
from tests.conftest import DURI_OUT, DURI_SPEC, render_spec, rules_as_services_see_them
from tests.grafana.test_grafana import dashboard, exprs, panel, panels, step_values, variant

BOARDS = ("overview", "infrastructure")
KEYS = (
    "health.targets",
    "health.alerts",
    "health.rule_failures",
    "health.notifications",
    "health.dropped",
    "health.disk_fill",
)


@pytest.fixture(scope="module")
def duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


def health_ids(build: Build, kind: str) -> set[int]:
    """The ids of the data health row and its panels on dashboard `kind`."""
    assert build.plan.grafana is not None
    board = build.plan.grafana.dashboard(kind)
    return {p.id for p in board.panels if p.key == "health" or p.key.startswith("health.")}


def health_rules(build: Build) -> dict[str, list[dict[str, Any]]]:
    """The rendered health alerts by name, a shared rule once per service it covers."""
    out: dict[str, list[dict[str, Any]]] = {}
    for _, rule in rules_as_services_see_them(build, cv.HEALTH_FILE):
        out.setdefault(rule["alert"], []).append(rule)
    return out


def only(build: Build, alert: str) -> dict[str, Any]:
    (rule,) = health_rules(build)[alert]
    return rule


def test_the_overview_and_infrastructure_dashboards_get_a_full_data_health_row(
    duri: Build,
) -> None:
    assert duri.plan.grafana is not None
    for kind in BOARDS:
        board = duri.plan.grafana.dashboard(kind)
        row = board.panel("health")
        assert (row.type, row.title) == ("row", "Data health")
        assert [p.key for p in board.panels if p.key.startswith("health.")] == list(KEYS)
        doc = dashboard(duri, kind)
        assert layout_problems(doc) == []
        # two lines of three panels, each line the full 24 columns
        lines: dict[int, int] = {}
        for p in panels(doc):
            if p["id"] in health_ids(duri, kind) and p["type"] != "row":
                lines[p["gridPos"]["y"]] = lines.get(p["gridPos"]["y"], 0) + p["gridPos"]["w"]
        assert list(lines.values()) == [24, 24]


def test_the_targets_table_reads_up_of_every_job_target_down_watches(duri: Build) -> None:
    # TargetDown watches `up{job="x"}` of each job (the services' in one shared rule, with
    # an absent() term each): the table reads that `up`, a job at a time
    (health,) = [f for f in duri.plan.rule_files if f.path == cv.HEALTH_FILE]
    down = [a for a in health.alerts() if a.alert == "TargetDown"]
    watched = [f'up{{job="{a.expr.args["selector"][0][2]}"}}' for a in down]
    rendered = [r["expr"] for r in health_rules(duri)["TargetDown"]]
    assert all(f"absent({w[:-1]}" in e for w, e in zip(watched, rendered, strict=True))
    jobs = [
        j["job_name"] for j in yaml.safe_load(duri.files[cv.PROMETHEUS_CONFIG])["scrape_configs"]
    ]
    assert sorted(re.findall(r'job="([^"]+)"', " ".join(watched))) == sorted(jobs)
    for kind in BOARDS:
        p = panel(duri, kind, "health.targets")
        (expr,) = exprs(p)
        assert expr.split(" or ") == watched
        assert p["targets"][0]["instant"] and p["targets"][0]["format"] == "table"
        # red at 0 (TargetDown's up == 0), green at 1
        assert step_values(p) == [None, Decimal(1)]
        assert [s["color"] for s in p["fieldConfig"]["defaults"]["thresholds"]["steps"]] == [
            "red",
            "green",
        ]
        organize = p["transformations"][0]["options"]
        assert organize["indexByName"] == {"job": 0, "instance": 1}
        assert organize["renameByName"] == {"Value": "up"}


def test_the_health_alerts_table_lists_exactly_the_planned_health_alerts(duri: Build) -> None:
    names = set(health_rules(duri))
    assert {"TargetDown", "MetricAbsent", "PrometheusRuleFailures"} <= names
    for kind in BOARDS:
        (expr,) = exprs(panel(duri, kind, "health.alerts"))
        (alternation,) = re.findall(r'alertname=~"([^"]+)"', expr)
        assert set(alternation.split("|")) == names
        assert 'alertstate="firing"' in expr
        assert expr.startswith("sum by (alertname, service, job, metric, severity) (ALERTS{")


def test_the_overview_health_alerts_follow_the_tier_picked_and_the_systems_services(
    duri: Build,
) -> None:
    (expr,) = exprs(panel(duri, "overview", "health.alerts"))
    assert 'tier=~"$tier"' in expr
    (services,) = re.findall(r'service=~"([^"]+)"', expr)
    carried = {r["labels"]["service"] for rules in health_rules(duri).values() for r in rules}
    assert all(re.fullmatch(services, s) for s in carried)
    assert not re.fullmatch(services, "checkout")


def test_failure_panels_read_what_their_alert_compares_with_zero(duri: Build) -> None:
    for key, alert in (
        ("health.rule_failures", "PrometheusRuleFailures"),
        ("health.dropped", "PrometheusNotificationsDropped"),
    ):
        rule = only(duri, alert)
        for kind in BOARDS:
            p = panel(duri, kind, key)
            (expr,) = exprs(p)
            assert f"{expr} > 0" == rule["expr"]
            assert step_values(p) == [None, Decimal(0)]  # the dashed line at 0
            assert f"{alert} fires above 0 for {rule['for']}" in p["description"]


def test_the_notifications_panel_reads_each_failed_share_against_its_threshold(
    duri: Build,
) -> None:
    rules = [
        only(duri, "PrometheusNotificationsFailing"),
        only(duri, "AlertmanagerNotificationsFailing"),
    ]
    p = panel(duri, "infrastructure", "health.notifications")
    lines = set()
    for rule, expr in zip(rules, exprs(p), strict=True):
        left, threshold = rule["expr"].rsplit(" > ", 1)
        assert expr == left
        lines.add(Decimal(threshold))
    assert step_values(p) == [None, *sorted(lines)]
    assert p["fieldConfig"]["defaults"]["unit"] == "percentunit"


def test_the_disk_panel_reads_the_alerts_prediction_and_draws_its_guard(duri: Build) -> None:
    rule = only(duri, "NodeFilesystemFillingUp")
    # predict_linear(avail[over], horizon) < 0 and avail / size < ratio
    prediction, guard = rule["expr"].split(" < 0 and ")
    ratio, guard_ratio = guard.rsplit(" < ", 1)
    p = panel(duri, "infrastructure", "health.disk_fill")
    predicted, now, line = exprs(p)
    assert predicted.startswith(f"{prediction} / node_filesystem_size_bytes{{")
    assert now == ratio
    assert line == f"vector({guard_ratio})"
    assert step_values(p) == [None, Decimal(0)]  # empty at the horizon: below the 0 line


def _disk_numbers(build: Build) -> tuple[str, str]:
    """(the alert's expression, the disk panel's queries)."""
    rule = only(build, "NodeFilesystemFillingUp")
    return rule["expr"], " ; ".join(exprs(panel(build, "overview", "health.disk_fill")))


@pytest.mark.parametrize(
    ("field", "value", "old", "new"),
    [
        ("below_percent", 25, "0.4", "0.25"),
        ("horizon", "48h", "86400", "172800"),
        ("over", "12h", "[6h]", "[12h]"),
    ],
)
def test_moving_a_disk_fill_number_moves_the_alert_and_the_panel_together(
    tmp_path: Path, duri: Build, field: str, value: Any, old: str, new: str
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data.setdefault("health", {}).setdefault("disk_fill", {})[field] = value

    before_alert, before_panel = _disk_numbers(duri)
    after_alert, after_panel = _disk_numbers(variant(tmp_path, edit))
    for before, after in ((before_alert, after_alert), (before_panel, after_panel)):
        assert old in before and old not in after
        assert new in after and new not in before


def test_moving_target_down_for_moves_the_alert_and_the_targets_panel_note(
    tmp_path: Path, duri: Build
) -> None:
    def edit(data: dict[str, Any]) -> None:
        data.setdefault("health", {})["target_down_for"] = "2m"

    moved = variant(tmp_path, edit)
    assert {r["for"] for r in health_rules(duri)["TargetDown"]} == {"5m"}
    assert {r["for"] for r in health_rules(moved)["TargetDown"]} == {"2m"}
    for build, wait in ((duri, "5m"), (moved, "2m")):
        note = panel(build, "overview", "health.targets")["description"]
        assert note.endswith(f"for {wait}.")


def test_a_spec_with_health_off_gets_no_data_health_row(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data.setdefault("health", {})["enabled"] = False

    off = variant(tmp_path, edit)
    assert cv.HEALTH_FILE not in off.files
    for kind in BOARDS:
        assert health_ids(off, kind) == set()
        titles = [p["title"] for p in panels(dashboard(off, kind))]
        assert "Data health" not in titles
