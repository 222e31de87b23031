"""Dashboards a second organisation can use as they are: the overview reads only its own
system (filterable by tier), SLIs are coloured against each service's own objective, legends
carry last and max, overview rows link to the service dashboard, every SLO has a budget
burndown over its period, and panels fill their rows."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from generator.core import conventions as cv
from generator.grafana.checks import layout_problems
from generator.grafana.model import Grid, Panel
from generator.grafana.panels import Layout
from generator.pipeline import Build
from tests.conftest import DURI_OUT, DURI_SPEC, fixture_specs, render_spec
from tests.grafana.test_grafana import dashboard, exprs, panel, panels, step_values
from tests.grafana.test_grafana_health import health_ids

SERVICE_REGEX = re.compile(r'service=~"([^"]*)"')


@pytest.fixture(scope="module")
def duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


def data_panels(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in panels(doc) if p["type"] != "row"]


def own_services(build: Build) -> set[str]:
    """Every `service` label value the system's series and alerts carry: its services, its
    datastores, the node exporter's and the Watchdog's (the system's name)."""
    spec = build.spec
    return {*spec.services, *spec.datastores, "node", spec.name}


def test_every_overview_query_selects_only_this_systems_services_and_the_picked_tiers(
    duri: Build,
) -> None:
    checked = 0
    # the data health row selects the system by its scrape jobs (test_grafana_health.py)
    health = health_ids(duri, "overview")
    for p in data_panels(dashboard(duri, "overview")):
        if p["id"] in health:
            continue
        for expr in exprs(p):
            if expr.startswith("vector("):
                continue  # a constant line
            checked += 1
            (pattern,) = SERVICE_REGEX.findall(expr)
            assert all(re.fullmatch(pattern, s) for s in own_services(duri)), expr
            for other in ("checkout", "duri-core-canary", "nodes"):
                assert not re.fullmatch(pattern, other), (other, expr)
            assert 'tier=~"$tier"' in expr
    assert checked >= 15  # ALERTS, every SLO table and burn rate, every service signal


def test_the_overview_has_a_tier_variable_whose_all_matches_every_tier(duri: Build) -> None:
    variables = dashboard(duri, "overview")["templating"]["list"]
    tier = next(v for v in variables if v["name"] == cv.TIER_VARIABLE)
    assert [o["value"] for o in tier["options"]] == ["$__all", *sorted(duri.spec.tiers)]
    assert tier["current"] == {"text": "All", "value": "$__all"}
    assert tier["includeAll"] is True
    assert all(re.fullmatch(tier["allValue"], t) for t in duri.spec.tiers)


def test_the_sli_stat_colours_each_service_against_its_own_tiers_objective(
    duri: Build,
) -> None:
    stat = panel(duri, "service", "slo.sli")
    overrides = {
        o["matcher"]["options"]["names"][0]: o["properties"][0]["value"]
        for o in stat["fieldConfig"]["overrides"]
    }
    latency = duri.spec.slos["latency"]
    assert latency is not None
    for name, service in duri.spec.services.items():
        objectives = {
            "availability": duri.spec.tiers[service.tier].availability,
            "latency": latency.objective,
        }
        for kind, objective in objectives.items():
            # the queries of this SLO that return data when $service is this service
            hits = [
                t
                for t in stat["targets"]
                if f'slo="{kind}"' in t["expr"]
                and all(re.fullmatch(p, name) for p in SERVICE_REGEX.findall(t["expr"]))
            ]
            assert len(hits) == 1, (name, kind, hits)
            steps = overrides[hits[0]["legendFormat"]]["steps"]
            assert steps == [
                {"color": "red", "value": None},
                {"color": "green", "value": float(objective / 100)},
            ]


def test_every_time_series_legend_is_a_table_with_last_and_max(duri: Build) -> None:
    builds = [duri] + [render_spec(s, s.parent / "out") for s in fixture_specs()]
    seen = 0
    for build in builds:
        for path, text in build.files.items():
            if path.startswith("grafana/dashboards/"):
                for p in data_panels(json.loads(text)):
                    if p["type"] == "timeseries":
                        seen += 1
                        legend = p["options"]["legend"]
                        assert legend["calcs"] == ["lastNotNull", "max"], p["title"]
                        assert legend["displayMode"] == "table"
    assert seen > 30


def _links(p: dict[str, Any]) -> list[dict[str, Any]]:
    links: list[dict[str, Any]] = p["fieldConfig"]["defaults"].get("links", [])
    return links


def test_overview_rows_and_series_of_a_service_link_to_its_service_dashboard(
    duri: Build,
) -> None:
    service_uid = dashboard(duri, "service")["uid"]
    linked = {}
    for p in data_panels(dashboard(duri, "overview")):
        for link in _links(p):
            url = urlsplit(link["url"])
            assert url.path == f"/d/{service_uid}"
            query = parse_qs(url.query, keep_blank_values=True)
            value = query["var-service"][0]
            # a table row names its service in a column, a series in a label
            assert value == (
                "${__data.fields.service}" if p["type"] == "table" else "${__field.labels.service}"
            )
            assert "${datasource:queryparam}" in link["url"]
            assert "${__url_time_range}" in link["url"]
            linked[p["title"]] = p["type"]
    slo_tables = [
        p["title"]
        for p in data_panels(dashboard(duri, "overview"))
        if p["type"] == "table" and "service" in str(p.get("transformations"))
        # rows of node, the Watchdog or the monitoring itself have no service page
        if p["title"] not in ("Firing alerts", "Health alerts firing")
    ]
    assert set(slo_tables) <= set(linked) and len(slo_tables) == 9
    assert sum(1 for kind in linked.values() if kind == "timeseries") == 5


def test_each_slo_has_an_error_budget_burndown_over_its_period(duri: Build) -> None:
    doc = dashboard(duri, "service")
    burndowns = [p for p in data_panels(doc) if "burndown" in p["title"]]
    expected = {(s.slo, s.period) for s in duri.plan.slos}
    assert len(burndowns) == len(expected) == 2
    for p in burndowns:
        kind = next(k for k, _ in expected if p["title"].lower().startswith(k))
        period = next(per for k, per in expected if k == kind)
        assert p["timeFrom"] == period
        assert exprs(p) == [f'slo:error_budget_remaining:ratio{{service="$service", slo="{kind}"}}']
        assert step_values(p) == [None, Decimal(0)]  # red below 0: the budget overspent


def test_every_dashboard_line_spans_the_whole_grid() -> None:
    builds = [render_spec(DURI_SPEC, DURI_OUT)] + [
        render_spec(s, s.parent / "out") for s in fixture_specs()
    ]
    for build in builds:
        assert build.plan.grafana is not None
        for board in build.plan.grafana.dashboards:
            assert layout_problems(json.loads(build.files[board.path])) == [], board.path


def _bare(w: int) -> Panel:
    return Panel(id=0, type="stat", title="t", grid=Grid(0, 0, w, 4))


def test_layout_shares_spare_columns_out_from_the_left_on_every_line() -> None:
    layout = Layout()
    layout.row("r", "r", 1)
    layout.add(*[_bare(6) for _ in range(5)])  # the fifth wraps: 6 + 8 + 8 leaves 2 spare
    layout.add(_bare(8), _bare(8))
    layout.row("s", "s", 2)
    layout.add(_bare(7), _bare(7), _bare(7))
    placed = [(p.grid.x, p.grid.w, p.grid.y) for p in layout.done() if p.type != "row"]
    assert placed == [
        (0, 6, 1),
        (6, 6, 1),
        (12, 6, 1),
        (18, 6, 1),
        (0, 7, 5),
        (7, 9, 5),
        (16, 8, 5),
        (0, 8, 10),
        (8, 8, 10),
        (16, 8, 10),
    ]
