"""Grafana dashboards: what they show, where their numbers come from, and their form.

Numbers on panels are checked against the spec they came from (read here, never retyped),
and the central promise is tested by changing one spec number and watching both the alert
expression and the panel line move.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.core import conventions as cv
from generator.pipeline import Build
from generator.plan import build_plan
from tests.conftest import DURI_OUT, DURI_SPEC, FIXTURES, render_spec, rules_as_services_see_them

SHOP_SPEC = FIXTURES / "shop" / "spec.yaml"
Edit = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


@pytest.fixture(scope="module")
def shop() -> Build:
    return render_spec(SHOP_SPEC, SHOP_SPEC.parent / "out")


def variant(tmp_path: Path, edit: Edit, base: Path = DURI_SPEC) -> Build:
    """Render a copy of `base` after `edit` changed its data."""
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return render_spec(path, tmp_path / "out")


def dashboard(build: Build, kind: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(build.files[cv.dashboard_file(build.spec.name, kind)])
    return doc


def panels(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in doc["panels"]:
        yield item
        yield from item.get("panels", [])


def panel(build: Build, kind: str, key: str) -> dict[str, Any]:
    """The rendered panel the plan built for `key` (found by the planned id)."""
    assert build.plan.grafana is not None
    wanted = build.plan.grafana.dashboard(kind).panel(key).id
    return next(p for p in panels(dashboard(build, kind)) if p["id"] == wanted)


def step_values(p: dict[str, Any]) -> list[Decimal | None]:
    steps = p["fieldConfig"]["defaults"]["thresholds"]["steps"]
    return [None if s["value"] is None else Decimal(str(s["value"])) for s in steps]


def exprs(p: dict[str, Any]) -> list[str]:
    return [t["expr"] for t in p["targets"]]


def alert_exprs(build: Build, alert: str) -> list[str]:
    doc = yaml.safe_load(build.files[cv.ALERTS_FILE])
    return [r["expr"] for g in doc["groups"] for r in g["rules"] if r.get("alert") == alert]


def test_duri_gets_four_dashboards_and_two_provisioning_files(duri: Build) -> None:
    grafana = sorted(p for p in duri.files if p.startswith("grafana/"))
    kinds = ("overview", "service", "infrastructure", "datastores")
    assert grafana == sorted(
        [cv.dashboard_file("duri", k) for k in kinds]
        + [cv.grafana_datasources_file("duri"), cv.grafana_providers_file("duri")]
    )


def test_a_spec_without_datastores_gets_no_datastores_dashboard(shop: Build) -> None:
    assert not shop.spec.datastores
    assert cv.dashboard_file("shop", "datastores") not in shop.files
    assert cv.dashboard_file("shop", "overview") in shop.files


# (spec path, new value, alert name, dashboard kind, panel key, value the alert compares with)
MOVES = [
    (
        ("alerts", "latency", "warning", "threshold"),
        0.75,
        "LatencyP95High",
        "service",
        "latency",
        Decimal("0.75"),
    ),
    (
        ("alerts", "cpu", "warning", "threshold"),
        70,
        "ContainerCPUHigh",
        "infrastructure",
        "containers.cpu",
        Decimal("0.7"),
    ),
    (
        ("alerts", "throughput", "critical", "threshold"),
        20,
        "ThroughputLow",
        "overview",
        "services.requests",
        Decimal("20"),
    ),
    (
        ("alerts", "memory", "critical", "threshold"),
        97,
        "ContainerMemoryHigh",
        "service",
        "memory",
        Decimal("0.97"),
    ),
    (
        ("alerts", "node_filesystem", "warning", "threshold"),
        75,
        "NodeFilesystemUsageHigh",
        "infrastructure",
        "nodes.filesystem",
        Decimal("0.75"),
    ),
    (
        ("alerts", "postgres_connections", "warning", "threshold"),
        60,
        "PostgresConnectionsHigh",
        "datastores",
        "postgres.connections_used",
        Decimal("0.6"),
    ),
    (
        ("alerts", "redis_memory", "critical", "threshold"),
        90,
        "RedisMemoryHigh",
        "datastores",
        "redis.memory_used",
        Decimal("0.9"),
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "alert", "kind", "key", "compared"), MOVES, ids=lambda v: str(v)
)
def test_changing_a_spec_threshold_moves_the_alert_and_the_panel_line_together(
    tmp_path: Path,
    duri: Build,
    path: tuple[str, ...],
    value: float,
    alert: str,
    kind: str,
    key: str,
    compared: Decimal,
) -> None:
    def edit(data: dict[str, Any]) -> None:
        node = data
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    before, after = duri, variant(tmp_path, edit)
    assert compared not in step_values(panel(before, kind, key))
    assert not any(e.endswith(f" {compared}") for e in alert_exprs(before, alert))
    assert compared in step_values(panel(after, kind, key))
    assert any(e.endswith(f" {compared}") for e in alert_exprs(after, alert))


def test_changing_the_regression_threshold_moves_the_alert_factor_and_the_panel_line(
    tmp_path: Path, duri: Build
) -> None:
    after = variant(tmp_path, lambda d: d["regression"].update(threshold=35))
    for build, factor in ((duri, "1.2"), (after, "1.35")):
        expr = alert_exprs(build, "LatencyP95Regression")[0]
        assert f"> {factor} * (" in expr
        line = exprs(panel(build, "service", "regression.latency_p95"))[-1]
        assert line.startswith(f"{factor} * (")
        assert "offset 1d" in line


def test_throughput_steps_turn_red_below_critical_orange_below_warning(duri: Build) -> None:
    alert = duri.spec.alerts.throughput
    assert alert and alert.warning and alert.critical
    p = panel(duri, "service", "requests")
    steps = p["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [(s["color"], s["value"]) for s in steps] == [
        ("red", None),
        ("orange", float(alert.critical.threshold)),
        ("green", float(alert.warning.threshold)),
    ]
    assert p["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] != "off"


def test_latency_panel_draws_alert_lines_and_both_baselines(duri: Build) -> None:
    base, alert = duri.spec.baseline, duri.spec.alerts.latency
    assert base and alert and alert.warning and alert.critical
    p = panel(duri, "service", "latency")
    assert step_values(p) == [None, alert.warning.threshold, alert.critical.threshold]
    assert f"vector({base.latency_p95})" in exprs(p)
    assert f"vector({base.latency_p99})" in exprs(p)
    assert p["fieldConfig"]["defaults"]["unit"] == "s"


def test_target_and_baseline_lines_follow_the_spec(tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["targets"]["throughput"] = 150
        data["baseline"]["latency_p95"] = 0.3

    build = variant(tmp_path, edit)
    rate = panel(build, "service", "requests")
    assert "vector(150)" in exprs(rate)
    legends = [o["matcher"]["options"]["names"][0] for o in rate["fieldConfig"]["overrides"]]
    assert legends == ["target 150 req/s"]
    assert "vector(0.3)" in exprs(panel(build, "service", "latency"))
    assert "vector(0.3)" in exprs(panel(build, "service", "trend.latency"))


def test_a_spec_without_targets_or_baseline_draws_no_constant_lines(shop: Build) -> None:
    assert shop.spec.baseline is None and shop.spec.targets is None
    assert shop.plan.grafana is not None
    for planned in shop.plan.grafana.dashboard("service").panels:
        # burn-rate panels draw alert factors, not targets or baselines
        if planned.type != "row" and not planned.key.startswith("slo."):
            rendered = panel(shop, "service", planned.key)
            assert not any(e.startswith("vector(") for e in exprs(rendered)), planned.title


def test_shop_latency_lines_follow_its_p99_critical_only_alert(shop: Build) -> None:
    alert = shop.spec.alerts.latency
    assert alert and alert.critical and alert.warning is None
    assert panel(shop, "service", "now.latency")["title"] == "p99 latency"
    assert step_values(panel(shop, "service", "latency")) == [None, alert.critical.threshold]


def test_panels_without_an_alert_keep_only_the_base_step_and_draw_no_lines(shop: Build) -> None:
    assert shop.spec.alerts.cpu is None
    p = panel(shop, "infrastructure", "containers.cpu")
    assert step_values(p) == [None]
    assert p["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"] == "off"


def test_container_limit_lines_name_the_services_sharing_each_limit(shop: Build) -> None:
    p = panel(shop, "infrastructure", "containers.bytes")
    lines = {o["matcher"]["options"]["names"][0] for o in p["fieldConfig"]["overrides"]}
    # checkout 256Mi (binary), catalog 2G (SI): each in the unit it was written in
    assert lines == {"limit 256MiB (checkout)", "limit 2GB (catalog)"}
    assert {"vector(268435456)", "vector(2000000000)"} <= set(exprs(p))


def test_datastore_panels_draw_their_limits(duri: Build) -> None:
    postgres, redis = duri.spec.datastores["postgres"], duri.spec.datastores["redis"]
    assert postgres.kind == "postgres" and redis.kind == "redis"
    assert f"vector({postgres.max_connections})" in exprs(
        panel(duri, "datastores", "postgres.connections")
    )
    assert f"vector({redis.maxmemory})" in exprs(panel(duri, "datastores", "redis.memory"))
    assert panel(duri, "datastores", "postgres.tuples")["fieldConfig"]["defaults"]["unit"] == (
        "rowsps"
    )


def test_regression_panels_compare_today_with_the_compare_window(duri: Build) -> None:
    reg = duri.spec.regression
    assert reg is not None
    keys = [f"regression.{m.value}" for m in reg.metrics]
    for key in keys:
        now, before, line = exprs(panel(duri, "service", key))
        assert before == f"{now} offset {reg.compare}"
        assert line.endswith(f"({now} offset {reg.compare})")


def test_trend_panels_cover_the_trend_range_in_step_means(duri: Build, shop: Build) -> None:
    for build, window, step in ((duri, "7d", "1h"), (shop, "14d", "6h")):
        assert build.plan.grafana is not None
        planned = build.plan.grafana.dashboard("service").panels
        ids = {p.id for p in planned if p.key.startswith("trend.")}
        trend = [p for p in panels(dashboard(build, "service")) if p["id"] in ids]
        assert len(trend) == 4
        for p in trend:
            assert (p["timeFrom"], p["interval"]) == (window, step)
            assert all(
                e.startswith("avg_over_time(") and e.endswith("[$__interval])")
                for e in exprs(p)
                if not e.startswith("vector(")
            )


def test_spec_durations_become_single_unit_grafana_ranges(shop: Build) -> None:
    doc = dashboard(shop, "overview")
    assert doc["time"] == {"from": "now-26h", "to": "now"}  # time_range: 1d2h
    assert doc["refresh"] == "30s"


def test_service_dashboard_is_templated_by_every_service(duri: Build) -> None:
    doc = dashboard(duri, "service")
    variable = next(v for v in doc["templating"]["list"] if v["name"] == "service")
    assert [o["value"] for o in variable["options"]] == sorted(duri.spec.services)
    for p in panels(doc):
        for e in exprs(p) if p["type"] != "row" else []:
            if not e.startswith("vector(") and "ALERTS" not in e:
                assert 'service="$service"' in e, (p["title"], e)


def test_every_panel_and_query_reads_the_datasource_variable(duri: Build, shop: Build) -> None:
    ref = {"type": "prometheus", "uid": "${datasource}"}
    for build in (duri, shop):
        for path, text in build.files.items():
            if not path.endswith(".json"):
                continue
            doc = json.loads(text)
            picker = [v for v in doc["templating"]["list"] if v["type"] == "datasource"]
            assert [(v["name"], v["label"], v["query"]) for v in picker] == [
                ("datasource", "Data source", "prometheus")
            ]
            for p in panels(doc):
                assert p["datasource"] == ref, (path, p["title"])
                assert all(t["datasource"] == ref for t in p.get("targets", []))


def test_datasource_variable_defaults_to_the_provisioned_source(duri: Build, shop: Build) -> None:
    for build, uid, name in (
        (duri, "duri-prometheus", "DuRi Prometheus"),
        (shop, "shop-metrics", "shop Prometheus"),
    ):
        provisioned = yaml.safe_load(build.files[cv.grafana_datasources_file(build.spec.name)])
        (source,) = provisioned["datasources"]
        assert (source["uid"], source["name"], source["type"]) == (uid, name, "prometheus")
        assert source["jsonData"]["timeInterval"] == build.spec.prometheus.scrape_interval
        picker = dashboard(build, "overview")["templating"]["list"][0]
        assert picker["current"] == {"text": name, "value": uid}


def test_dashboard_provider_points_at_the_configured_folder_and_path(shop: Build) -> None:
    doc = yaml.safe_load(shop.files[cv.grafana_providers_file("shop")])
    (provider,) = doc["providers"]
    assert provider["options"]["path"] == "/etc/grafana/dashboards/shop"
    assert (provider["folder"], provider["folderUid"]) == ("shop", "shop-dashboards")
    assert provider["allowUiUpdates"] is False


def test_uids_derive_from_names_and_stay_within_40_characters(tmp_path: Path) -> None:
    long_name = "a" + "-very-long-system-name" * 2 + "-x"
    build = variant(tmp_path, lambda d: d.update(name=long_name), SHOP_SPEC)
    uids = [dashboard(build, k)["uid"] for k in ("overview", "service", "infrastructure")]
    assert len(set(uids)) == 3
    assert all(len(u) <= 40 and u.startswith(long_name[:20]) for u in uids)
    (tmp_path / "again").mkdir()
    again = variant(tmp_path / "again", lambda d: d.update(name=long_name), SHOP_SPEC)
    assert uids == [dashboard(again, k)["uid"] for k in ("overview", "service", "infrastructure")]
    assert dashboard(render_spec(DURI_SPEC, DURI_OUT), "overview")["uid"] == "duri-overview"


def test_a_row_left_out_does_not_renumber_the_panels_after_it(duri: Build) -> None:
    # planned directly: the rule files without regression alerts are all that matters here;
    # the route only regression alerts reach goes with them (an unreached route is an error)
    routing = duri.spec.routing
    assert routing is not None
    routes = [r for r in routing.routes if "ThroughputRegression" not in (r.match.alertname or ())]
    assert len(routes) == len(routing.routes) - 1
    spec = duri.spec.model_copy(
        update={"regression": None, "routing": routing.model_copy(update={"routes": routes})}
    )
    without = build_plan(spec, "spec.yaml")
    assert duri.plan.grafana is not None and without.grafana is not None
    ids = {p.key: p.id for p in duri.plan.grafana.dashboard("service").panels}
    ids_without = {p.key: p.id for p in without.grafana.dashboard("service").panels}
    assert "regression" in ids and "regression" not in ids_without
    assert set(ids_without) < set(ids)
    assert {k: ids[k] for k in ids_without} == ids_without


def test_panel_ids_and_ref_ids_are_unique_and_ordered(duri: Build) -> None:
    for path, text in duri.files.items():
        if path.endswith(".json"):
            ids = [p["id"] for p in panels(json.loads(text))]
            assert ids == sorted(set(ids)), path
            for p in panels(json.loads(text)):
                refs = [t["refId"] for t in p.get("targets", [])]
                assert refs == [chr(ord("A") + i) for i in range(len(refs))]


def test_units_match_what_each_panel_measures(duri: Build) -> None:
    expected = {
        ("service", "requests"): "reqps",
        ("service", "errors"): "percentunit",
        ("service", "latency"): "s",
        ("service", "network"): "Bps",
        ("infrastructure", "containers.bytes"): "bytes",
        ("infrastructure", "nodes.cpu"): "percentunit",
        ("datastores", "redis.memory"): "bytes",
    }
    for (kind, key), unit in expected.items():
        assert panel(duri, kind, key)["fieldConfig"]["defaults"]["unit"] == unit, key


def test_only_the_five_allowed_panel_types_are_emitted(duri: Build, shop: Build) -> None:
    for build in (duri, shop):
        for path, text in build.files.items():
            if path.endswith(".json"):
                types = {p["type"] for p in panels(json.loads(text))}
                assert types <= {"timeseries", "stat", "gauge", "table", "row"}, path


def test_dashboard_json_is_sorted_indented_and_ends_with_one_newline(duri: Build) -> None:
    for path, text in duri.files.items():
        if path.endswith(".json"):
            doc = json.loads(text)
            assert text == json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_overview_lists_firing_alerts_from_alerts_series(duri: Build) -> None:
    table = panel(duri, "overview", "alerts.table")
    (expr,) = exprs(table)
    assert expr.startswith("sum by (alertname, service, severity, tier) (ALERTS{")
    assert 'alertstate="firing"' in expr
    assert table["targets"][0]["instant"] is True
    assert table["transformations"][0]["options"]["excludeByName"] == {"Time": True, "Value": True}


def slo_alert_exprs(build: Build, alert: str, service: str, long_window: str) -> list[str]:
    return [
        r["expr"]
        for _, r in rules_as_services_see_them(build, cv.SLO_FILE)
        if r.get("alert") == alert
        and r["labels"]["service"] == service
        and r["labels"]["long_window"] == long_window
    ]


def test_overview_slo_tables_turn_red_below_each_tiers_objective(duri: Build) -> None:
    latency = duri.spec.slos["latency"]
    assert latency is not None
    # the system's services: its own, its datastores, the node and cAdvisor exporters, and the
    # system itself (the Watchdog's and the health alerts of the monitoring)
    system = "|".join(
        sorted({*duri.spec.services, *duri.spec.datastores, "node", "cadvisor", "duri"})
    )
    mine = f'service=~"{system}", tier=~"$tier"'
    for tier_name, tier in duri.spec.tiers.items():
        table = panel(duri, "overview", f"slo.availability.{tier_name}")
        assert table["type"] == "table"
        assert step_values(table) == [None, tier.availability / 100]
        selector = f'{mine}, tier="{tier_name}", slo="availability"'
        assert exprs(table) == [f"1 - slo:sli_errors:ratio_rate_period{{{selector}}}"]
        assert step_values(panel(duri, "overview", f"slo.latency.{tier_name}")) == [
            None,
            latency.objective / 100,
        ]
    budget = panel(duri, "overview", "slo.budget")
    assert exprs(budget) == [f"slo:error_budget_remaining:ratio{{{mine}}}"]


def test_overview_slo_panels_do_not_grow_with_the_number_of_services(tmp_path: Path) -> None:
    def many(data: dict[str, Any]) -> None:
        template = next(iter(data["services"].values()))
        tiers = sorted(data["tiers"])
        data["services"] = {
            f"svc-{i:03d}": {
                **template,
                "tier": tiers[i % len(tiers)],
                "selector": {"job": f"svc-{i:03d}"},
                "container": {"name": f"svc_{i:03d}"},
                "targets": [f"svc-{i:03d}:8080"],
            }
            for i in range(120)  # more than the 99 panels a row may hold
        }

    build = variant(tmp_path, many)
    slo_panels = [p for p in panels(dashboard(build, "overview")) if p["id"] // 100 == 2]
    four = [p for p in panels(dashboard(render_spec(DURI_SPEC, DURI_OUT), "overview"))]
    assert len(slo_panels) == len([p for p in four if p["id"] // 100 == 2])


def test_changing_a_tier_objective_moves_the_page_alert_and_the_overview_line(
    tmp_path: Path, duri: Build
) -> None:
    after = variant(tmp_path, lambda d: d["tiers"]["core"].update(availability=99.5))
    alert = "AvailabilityErrorBudgetBurn"
    # 2 % of a 30-day budget in 1h is a 14.4x burn: error ratio 14.4 x (1 - objective)
    for build, objective in ((duri, Decimal("99.9")), (after, Decimal("99.5"))):
        page = Decimal("0.02") * 30 * 24 * (100 - objective) / 100
        (expr,) = slo_alert_exprs(build, alert, "duri-core", "1h")
        assert f"> {page.normalize()} and" in expr
        table = panel(build, "overview", "slo.availability.core")
        assert step_values(table) == [None, objective / 100]


def test_burn_rate_lines_are_the_alert_factors_of_each_slo_period(duri: Build, shop: Build) -> None:
    # budget share x period / window: 2 % of 30d over 1h; 10 % of 7d over 3d (no decimal)
    assert "vector(14.4)" in exprs(panel(duri, "service", "slo.burn.1h"))
    assert "vector(0.7 / 3)" in exprs(panel(shop, "service", "slo.burn.3d"))
    overview = panel(shop, "overview", "slo.burn.1h")
    legends = [o["matcher"]["options"]["names"][0] for o in overview["fieldConfig"]["overrides"]]
    assert "page at 13.44x over 1h (availability)" in legends  # 28d availability period
    assert "page at 3.36x over 1h (latency)" in legends  # 7d latency period


def test_error_ratio_panel_draws_the_error_budget_of_the_selected_service(duri: Build) -> None:
    assert 'slo:error_budget:ratio{service="$service", slo="availability"}' in exprs(
        panel(duri, "service", "errors")
    )


def test_container_reservations_are_drawn_and_move_with_the_spec(tmp_path: Path) -> None:
    def lines(spec_text: str) -> dict[str, str]:
        spec = tmp_path / "spec.yaml"
        spec.write_text(spec_text)
        infra = json.loads(
            render_spec(spec, tmp_path / "out").files["grafana/dashboards/duri-infrastructure.json"]
        )
        return {
            t["legendFormat"].split(" (")[0]: t["expr"]
            for p in infra["panels"]
            for t in p.get("targets", [])
            if t.get("legendFormat", "").startswith("reservation")
        }

    text = DURI_SPEC.read_text()
    assert lines(text) == {
        "reservation 0.5 CPU": "vector(0.5)",
        "reservation 512MiB": "vector(536870912)",
    }
    moved = text.replace(
        "reservations: {cpu: 0.5, memory: 512Mi}", "reservations: {cpu: 0.75, memory: 256Mi}"
    )
    assert lines(moved) == {
        "reservation 0.75 CPU": "vector(0.75)",
        "reservation 256MiB": "vector(268435456)",
    }
