"""alertmanager.yml: amtool accepts it, every routing-table row routes as amtool resolves it,
and DuRi's on-call policy (written out here, not read from the code) holds."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.alertmanager.plan import subjects
from generator.output import tools
from generator.pipeline import Build
from generator.plan import Plan
from tests.conftest import DURI_OUT, DURI_SPEC, ROOT, fixture_specs, render_spec, require_tool

EXAMPLE = ROOT / "examples" / "payments"  # the second, non-DuRi example spec
SPECS = [(DURI_SPEC, DURI_OUT)] + [(s, s.parent / "out") for s in fixture_specs()]
SPECS.append((EXAMPLE / "spec.yaml", EXAMPLE / "out"))
IDS = ["duri"] + [s.parent.name for s in fixture_specs()] + ["example-payments"]


@pytest.fixture(scope="module", params=SPECS, ids=IDS)
def built(request: pytest.FixtureRequest) -> Build:
    spec, out = request.param
    return render_spec(spec, out)


@pytest.fixture(scope="module")
def duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


def _am(plan: Plan) -> Any:
    assert plan.alertmanager is not None
    return plan.alertmanager


def _config(build: Build) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(build.files[_am(build.plan).path])
    return loaded


def _amtool_receivers(build: Build, tmp_path: Path, labels: dict[str, str]) -> list[str]:
    """What amtool itself resolves for a label set (no expectation passed in)."""
    amtool = require_tool("amtool")
    config = tmp_path / "alertmanager.yml"
    config.write_text(build.files[_am(build.plan).path])
    pairs = [f'{k}="{v}"' for k, v in sorted(labels.items())]
    res = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={config}", *pairs],
        capture_output=True,
        text=True,
        check=True,
    )
    return res.stdout.strip().split(",")


def test_amtool_check_config_accepts_the_generated_alertmanager_yml(built: Build) -> None:
    require_tool("amtool")
    assert tools.check_alertmanager_config(built.files, _am(built.plan).path) == []


def _sent(plan: Plan) -> list[dict[str, str]]:
    """Every alert's labels as Prometheus sends them (external labels, its own, its name)."""
    external = dict(plan.prometheus.external_labels)
    return [{**external, **dict(a.labels), "alertname": a.alert} for a in plan.alerts()]


def test_every_routing_table_row_reaches_exactly_its_receivers_in_amtool(built: Build) -> None:
    require_tool("amtool")
    am = _am(built.plan)
    sent = _sent(built.plan)
    classes = {tuple(labels.get(n, "") for n in am.routed) for labels in sent}
    rows_with_alerts = [r for r in am.rows if r.alert]
    # one row per distinct values of the routed labels among the generated alerts, each
    # showing one of them, plus the severity x service combinations
    assert len(rows_with_alerts) == len(classes)
    shown = {tuple(sorted(labels.items())) for labels in sent}
    assert all(r.labels in shown for r in rows_with_alerts)
    assert len(am.rows) > len(rows_with_alerts)
    assert tools.check_alertmanager(built.files, am) == []


def test_every_generated_alert_is_accounted_for_by_exactly_one_routing_table_row(
    built: Build,
) -> None:
    am = _am(built.plan)
    rows = [r for r in am.rows if r.alert]
    for labels in _sent(built.plan):
        assert len([r for r in rows if r.stands_for(labels, am.routed)]) == 1, labels


def test_the_routed_labels_are_those_route_and_inhibit_matchers_read(built: Build) -> None:
    config = _config(built)
    read = set()
    routes = [config["route"]]
    while routes:
        route = routes.pop()
        read |= {m.split("=", 1)[0] for m in route.get("matchers") or []}
        routes += route.get("routes") or []
    for rule in config.get("inhibit_rules") or []:
        for m in (*rule["source_matchers"], *rule["target_matchers"]):
            read.add(m.split("=", 1)[0])
    assert list(_am(built.plan).routed) == sorted(read)


def test_every_generated_alert_is_about_a_subject_the_routing_checks_enumerate(
    built: Build,
) -> None:
    spec_subjects = {(s.service, s.tier) for s in subjects(built.spec)}
    for alert in built.plan.alerts():
        if alert.alert != "Watchdog":
            assert (alert.label("service"), alert.label("tier")) in spec_subjects, alert.alert


def test_a_wrong_expectation_is_reported_by_the_amtool_route_test(duri: Build) -> None:
    require_tool("amtool")
    labels = {"alertname": "LatencyP95High", "service": "duri-core", "severity": "critical"}
    labels["tier"] = "core"
    folder = {p.removeprefix("alertmanager/"): t for p, t in duri.files.items()}
    problems = tools.verify_routes(folder, "alertmanager.yml", [(labels, ["duri-chat"])])
    assert len(problems) == 1
    assert "expected receivers ['duri-chat'], amtool says duri-oncall" in problems[0]


# DuRi's policy, per the issue: (labels, receivers amtool must resolve, when each notifies).
DURI_POLICY = [
    ({"severity": "critical", "tier": "core", "service": "duri-core"}, ["duri-oncall"], None),
    ({"severity": "critical", "tier": "control", "service": "duri-control"}, ["duri-oncall"], None),
    ({"severity": "critical", "tier": "brain", "service": "duri-brain"}, ["duri-oncall"], None),
    (
        {"severity": "critical", "tier": "evolution", "service": "duri-evolution"},
        ["duri-oncall", "duri-chat"],
        ["in business-hours", "outside business-hours"],
    ),
    ({"severity": "warning", "tier": "core", "service": "duri-core"}, ["duri-chat"], None),
    ({"severity": "warning", "tier": "core", "service": "postgres"}, ["duri-chat"], None),
    (
        {"alertname": "Watchdog", "severity": "none", "tier": "core", "service": "duri"},
        ["deadmans-switch"],
        None,
    ),
]


@pytest.mark.parametrize(("labels", "receivers", "when"), DURI_POLICY)
def test_duri_alerts_reach_the_receivers_the_on_call_policy_names(
    duri: Build,
    tmp_path: Path,
    labels: dict[str, str],
    receivers: list[str],
    when: list[str] | None,
) -> None:
    assert _amtool_receivers(duri, tmp_path, labels) == receivers
    am = _am(duri.plan)
    (row,) = [r for r in am.rows if r.stands_for(labels, am.routed)]
    # the routing table agrees, and says when each receiver notifies
    assert list(row.receivers) == receivers
    assert list(row.when) == (when or [])


def test_core_and_control_criticals_page_sooner_than_the_default_group_wait(duri: Build) -> None:
    route = _config(duri)["route"]
    paging = [
        r
        for r in route["routes"]
        if 'severity="critical"' in r["matchers"] and 'tier=~"control|core"' in r["matchers"]
    ]
    assert len(paging) == 1
    assert paging[0]["receiver"] == "duri-oncall"
    assert _seconds(paging[0]["group_wait"]) < _seconds(route["group_wait"])


def test_watchdog_goes_first_to_the_dead_mans_switch_with_a_short_repeat(duri: Build) -> None:
    first = _config(duri)["route"]["routes"][0]
    assert first["matchers"] == ['alertname="Watchdog"']
    assert first["receiver"] == "deadmans-switch"
    assert _seconds(first["repeat_interval"]) <= 300
    receiver = next(r for r in _config(duri)["receivers"] if r["name"] == "deadmans-switch")
    assert "webhook_configs" in receiver


def test_critical_inhibits_the_warning_of_the_same_alert_and_service(duri: Build) -> None:
    rules = _config(duri)["inhibit_rules"]
    assert rules == [
        {
            "source_matchers": ['severity="critical"'],
            "target_matchers": ['severity="warning"'],
            "equal": ["alertname", "service"],
        }
    ]


def test_output_uses_only_forms_alertmanager_0_25_and_current_releases_accept(
    built: Build,
) -> None:
    text = built.files[_am(built.plan).path]
    config = _config(built)
    for deprecated in ("match:", "match_re:", "source_match:", "target_match:"):
        assert deprecated not in text
    assert "mute_time_intervals" not in config  # the top-level form; time_intervals replaces it
    for rule in config.get("inhibit_rules", []):
        assert set(rule) == {"source_matchers", "target_matchers", "equal"}  # no `name`
    for route in _routes(config["route"]):
        for matcher in route.get("matchers", []):
            assert matcher.endswith('"') and ('="' in matcher or '=~"' in matcher), matcher


def test_receivers_name_secret_files_and_never_a_secret(built: Build) -> None:
    for receiver in _config(built)["receivers"]:
        (key,) = [k for k in receiver if k.endswith("_configs")]
        for notifier in receiver[key]:
            secrets = {k for k in notifier if k in ("routing_key", "api_url", "auth_password")}
            assert not secrets, receiver["name"]
            for name, value in notifier.items():
                if name.endswith("_file"):
                    assert value.startswith("/"), (receiver["name"], name)
            auth = notifier.get("http_config", {}).get("authorization", {})
            assert set(auth) <= {"type", "credentials_file"}


def test_watchdog_alert_always_fires_with_severity_none(duri: Build, tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    # only the Watchdog's group, as rendered: promtool then evaluates one rule, not all
    groups = yaml.safe_load(duri.files["prometheus/rules/alerts.yml"])["groups"]
    mine = [g for g in groups if any(r.get("alert") == "Watchdog" for r in g["rules"])]
    assert [g["name"] for g in mine] == ["duri-watchdog.alerts"]
    (tmp_path / "alerts.yml").write_text(yaml.safe_dump({"groups": mine}))
    (watchdog,) = [a for a in duri.plan.alerts() if a.alert == "Watchdog"]
    case = {
        "rule_files": ["alerts.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [],
                "alert_rule_test": [
                    {
                        "eval_time": t,
                        "alertname": "Watchdog",
                        "exp_alerts": [
                            {
                                "exp_labels": dict(watchdog.labels),
                                "exp_annotations": dict(watchdog.annotations),
                            }
                        ],
                    }
                    for t in ("0m", "1d")
                ],
            }
        ],
    }
    (tmp_path / "watchdog_test.yml").write_text(yaml.safe_dump(case))
    res = subprocess.run(
        [promtool, "test", "rules", "watchdog_test.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert dict(watchdog.labels) == {"service": "duri", "severity": "none", "tier": "core"}


def _routes(route: dict[str, Any]) -> list[dict[str, Any]]:
    return [route] + [r for child in route.get("routes", []) for r in _routes(child)]


def _seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(duration[:-1]) * units[duration[-1]]


def test_a_route_matching_on_service_splits_the_routing_table_rows_per_service(
    duri: Build, tmp_path: Path
) -> None:
    # DuRi's routes read alertname, severity and tier: services of one tier share a row
    am = _am(duri.plan)
    assert "service" not in am.routed
    shared = [
        r for r in am.rows if r.alert and dict(r.labels)["alertname"] == "TargetDown" and r.covers
    ]
    assert shared and all("service" in dict(r.covers) for r in shared)
    # a route naming postgres makes routing read `service`: a row per service again
    text = DURI_SPEC.read_text(encoding="utf-8")
    route = "    - match: {severity: critical, tier: [core, control]}   # 99.9 % tiers"
    assert text.count(route) == 1
    narrow = "    - match: {severity: critical, service: postgres}\n      receiver: duri-chat\n"
    (tmp_path / "duri.yaml").write_text(text.replace(route, narrow + route), encoding="utf-8")
    split = render_spec(tmp_path / "duri.yaml", tmp_path / "out")
    am = _am(split.plan)
    assert "service" in am.routed
    assert all("service" not in dict(r.covers) for r in am.rows)
    down = [r for r in am.rows if r.alert and dict(r.labels)["alertname"] == "TargetDown"]
    services = {a.label("service") for a in split.plan.alerts() if a.alert == "TargetDown"}
    assert sorted(dict(r.labels)["service"] for r in down) == sorted(services)
    (postgres,) = [r for r in down if dict(r.labels)["service"] == "postgres"]
    assert postgres.receivers == ("duri-chat",)
    assert tools.check_alertmanager(split.files, am) == []
