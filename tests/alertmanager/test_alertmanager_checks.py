"""The Python routing checks: what amtool cannot see (inhibitions, time intervals, severity
coverage, unused receivers) is caught when alertmanager.yml is read back, and the matcher
form obsgen writes reads back exactly."""

from __future__ import annotations

import copy
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from generator.alertmanager import check_alertmanager
from generator.alertmanager.model import AMRoute
from generator.alertmanager.tree import gaps, matcher_text, parse_matcher, resolve, together
from generator.errors import SpecError
from generator.output import parse_outputs
from generator.pipeline import Build
from generator.plan import parse_spec
from generator.spec import load_text
from tests.conftest import DURI_OUT, DURI_SPEC, render_spec, run_cli

CONFIG = "alertmanager/alertmanager.yml"


@pytest.fixture(scope="module")
def duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


def _problems(build: Build, mutate: Callable[[dict[str, Any]], None]) -> list[str]:
    parsed, errors = parse_outputs(build.files)
    assert errors == []
    parsed = copy.deepcopy(parsed)
    mutate(parsed[CONFIG])
    plan = build.plan
    return check_alertmanager(
        plan.alertmanager, plan.alerts(), plan.prometheus.external_labels, parsed
    )


def _route(config: dict[str, Any], receiver: str, *matchers: str) -> dict[str, Any]:
    (found,) = [
        r
        for r in config["route"]["routes"]
        if r["receiver"] == receiver and set(matchers) <= set(r.get("matchers", []))
    ]
    return found


def test_the_generated_duri_config_passes_every_python_check(duri: Build) -> None:
    assert _problems(duri, lambda config: None) == []


def test_an_inhibition_whose_source_and_target_overlap_is_reported(duri: Build) -> None:
    def overlap(config: dict[str, Any]) -> None:
        config["inhibit_rules"][0]["target_matchers"] = ['tier="core"']

    problems = _problems(duri, overlap)
    assert f"{CONFIG}: inhibit_rules[0]: source and target matchers are not disjoint" in problems


def test_an_equal_label_some_matched_alerts_lack_is_reported(duri: Build) -> None:
    def equal_on_slo(config: dict[str, Any]) -> None:
        config["inhibit_rules"][0]["equal"] = ["service", "slo"]

    problems = _problems(duri, equal_on_slo)
    assert problems
    assert all("equal label(s) slo missing on {alertname=" in p for p in problems)


def test_an_equal_label_kept_from_the_series_is_not_required_on_every_alert(
    duri: Build,
) -> None:
    def equal_on_instance(config: dict[str, Any]) -> None:
        config["inhibit_rules"][0]["equal"] = ["alertname", "instance"]

    assert _problems(duri, equal_on_instance) == []


def test_an_inhibition_muting_the_watchdog_is_reported(duri: Build) -> None:
    def mute_watchdog(config: dict[str, Any]) -> None:
        rule = config["inhibit_rules"][0]
        rule["target_matchers"] = ['severity=~"none|warning"']

    assert f"{CONFIG}: inhibit_rules[0]: the target matches the Watchdog" in _problems(
        duri, mute_watchdog
    )


def test_a_severity_that_reaches_only_the_catch_all_route_is_reported(duri: Build) -> None:
    def drop_warning_route(config: dict[str, Any]) -> None:
        chat = _route(config, "duri-chat", 'severity=~"info|warning"')
        config["route"]["routes"].remove(chat)

    problems = _problems(duri, drop_warning_route)
    assert any(
        "alert(s) of severity 'warning' reach only the catch-all route, e.g. {alertname=" in p
        for p in problems
    )
    assert not any("severity 'critical'" in p for p in problems)


def test_evolution_criticals_left_without_an_out_of_hours_route_are_reported(
    duri: Build,
) -> None:
    def drop_out_of_hours(config: dict[str, Any]) -> None:
        chat = _route(config, "duri-chat", 'tier="evolution"')
        config["route"]["routes"].remove(chat)
        del _route(config, "duri-oncall", 'tier="evolution"')["continue"]

    problems = _problems(duri, drop_out_of_hours)
    assert any(
        'tier="evolution"} reaches no receiver outside business-hours' in p for p in problems
    )


def test_an_alert_reaching_one_receiver_twice_at_the_same_time_is_reported(
    duri: Build,
) -> None:
    def drop_chat_twin(config: dict[str, Any]) -> None:
        config["route"]["routes"].remove(_route(config, "duri-chat", 'tier="evolution"'))

    problems = _problems(duri, drop_chat_twin)
    assert any(
        "tier=\"evolution\"} reaches 'duri-oncall' twice (duplicate notifications)" in p
        for p in problems
    )


def test_a_receiver_no_alert_reaches_is_reported(duri: Build) -> None:
    def add_receiver(config: dict[str, Any]) -> None:
        config["receivers"].append({"name": "nobody", "webhook_configs": [{"url": "http://x/"}]})

    problems = _problems(duri, add_receiver)
    assert f"{CONFIG}: receivers: 'nobody' is reached by no row of the routing table" in problems


def test_deprecated_match_and_inline_secrets_and_inhibit_names_are_reported(
    duri: Build,
) -> None:
    def old_forms(config: dict[str, Any]) -> None:
        config["route"]["routes"][0]["match"] = {"alertname": "Watchdog"}
        config["receivers"][0]["webhook_configs"][0]["http_config"]["authorization"][
            "credentials"
        ] = "s3cr3t"
        config["inhibit_rules"][0]["name"] = "crit-mutes-warn"

    problems = _problems(duri, old_forms)
    assert f"{CONFIG}: route.routes[0]: unexpected key 'match' (deprecated: write matchers)" in (
        problems
    )
    assert any(
        "http_config.authorization.credentials: a secret written inline" in p for p in problems
    )


def test_a_routing_table_that_disagrees_with_the_config_is_reported(duri: Build) -> None:
    def page_warnings(config: dict[str, Any]) -> None:
        _route(config, "duri-chat", 'severity=~"info|warning"')["receiver"] = "duri-oncall"

    problems = _problems(duri, page_warnings)
    assert any("table says ['duri-chat'], config ['duri-oncall']" in p for p in problems)


def _table_problems(build: Build, mutate: Callable[[dict[str, Any]], None]) -> list[str]:
    parsed, errors = parse_outputs(build.files)
    assert errors == []
    parsed = copy.deepcopy(parsed)
    mutate(parsed["alertmanager/routing-table.yml"])
    plan = build.plan
    return check_alertmanager(
        plan.alertmanager, plan.alerts(), plan.prometheus.external_labels, parsed
    )


def test_an_alert_no_routing_table_row_stands_for_is_reported(duri: Build) -> None:
    def drop_a_window(table: dict[str, Any]) -> None:
        row = next(r for r in table["alerts"] if "long_window" in (r.get("covers") or {}))
        windows = row["covers"]["long_window"]
        windows.remove(next(w for w in windows if w != row["labels"]["long_window"]))

    problems = _table_problems(duri, drop_a_window)
    assert any("no row of its alerts stands for {" in p and "long_window" in p for p in problems)


def test_a_routing_table_routed_by_fewer_labels_than_the_matchers_read_is_reported(
    duri: Build,
) -> None:
    def forget_tier(table: dict[str, Any]) -> None:
        table["routed"].remove("tier")

    problems = _table_problems(duri, forget_tier)
    assert any("routed: ['alertname', 'severity'], but the matchers read" in p for p in problems)


@given(st.lists(st.text(alphabet="ab.|*()[]^$\\-: /@+", min_size=1), min_size=1, max_size=4))
def test_every_matcher_obsgen_writes_reads_back_as_the_same_values(values: list[str]) -> None:
    unique = sorted(set(values))
    assert parse_matcher(matcher_text("cluster", unique)) == ("cluster", tuple(unique))


@pytest.mark.parametrize(
    "text", ["severity=critical", 'severity!="x"', 'a=~".*"', 'a=~"b|c"x', "match: x"]
)
def test_matchers_in_other_forms_are_refused_on_read_back(text: str) -> None:
    with pytest.raises(ValueError, match="not"):
        parse_matcher(text)


def _tree() -> AMRoute:
    crit = (("severity", ("critical",)),)
    return AMRoute(
        receiver="root",
        routes=(
            AMRoute("a", crit, continue_=True, active=("day",), origin=(0,)),
            AMRoute("b", crit, muted=("day",), origin=(1,)),
            AMRoute(
                "c",
                (("tier", ("core",)),),
                routes=(AMRoute("d", (("service", ("db",)),), origin=(2, 0)),),
                origin=(2,),
            ),
        ),
    )


def test_resolve_follows_alertmanager_continue_and_falls_back_to_the_parent() -> None:
    root = _tree()
    assert [r.receiver for r in resolve(root, {"severity": "critical"})] == ["a", "b"]
    assert [r.receiver for r in resolve(root, {"tier": "core", "service": "db"})] == ["d"]
    assert [r.receiver for r in resolve(root, {"tier": "core", "service": "web"})] == ["c"]
    assert [r.receiver for r in resolve(root, {"severity": "info"})] == ["root"]


def test_an_active_route_and_its_muted_twin_cover_every_moment_but_never_together() -> None:
    a, b, _ = _tree().routes
    assert gaps([a, b]) == []
    assert gaps([a]) == [{"day": False}]
    assert not together(a, b)
    assert together(a, AMRoute("x"))


def test_the_routing_table_in_out_lists_labels_and_receivers(duri: Build) -> None:
    table = yaml.safe_load(duri.files["alertmanager/routing-table.yml"])
    assert table["config"] == "alertmanager.yml"
    watchdog = [r for r in table["alerts"] if r["labels"]["alertname"] == "Watchdog"]
    assert watchdog == [
        {
            "labels": {"alertname": "Watchdog", "service": "duri", "severity": "none"}
            | {"tier": "core"},
            "receivers": ["deadmans-switch"],
        }
    ]
    assert all("alertname" not in row["labels"] for row in table["combinations"])


@pytest.mark.skipif(not zoneinfo.available_timezones(), reason="no tz database here")
def test_a_time_zone_the_tz_database_does_not_know_is_a_spec_error() -> None:
    text = DURI_SPEC.read_text(encoding="utf-8")
    assert text.count("location: Asia/Seoul") == 1
    doc = load_text(text.replace("location: Asia/Seoul", "location: Asia/Sejong"), "duri.yaml")
    with pytest.raises(SpecError) as caught:
        parse_spec(doc)
    (line,) = caught.value.lines()
    assert line.endswith(
        "routing.time_intervals.business-hours[0].location: unknown time zone 'Asia/Sejong'"
    )


def test_a_route_only_absent_alert_names_match_is_reported_at_the_route_with_its_line(
    tmp_path: Path,
) -> None:
    """DuRi's regression route without `regression`: no alert of that name is generated.
    Found when the routes are planned, at the spec's line, and nothing is written."""
    text = DURI_SPEC.read_text(encoding="utf-8")
    start = text.index("regression:  ")
    end = text.index("\nbaseline:")
    spec = tmp_path / "spec.yaml"
    spec.write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    route = next(
        n
        for n, line in enumerate(spec.read_text(encoding="utf-8").splitlines(), 1)
        if "match: {alertname: [LatencyP95Regression" in line
    )
    out = tmp_path / "out"
    run = run_cli("generate", str(spec), "--out", str(out))
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines() == [
        f"{spec}:{route}:7: routing.routes[5]: no alert this spec generates, nor any service "
        "and severity of the routing table, reaches this route: its matchers (with its "
        "parents') fit none of them"
    ]
    assert not out.exists()


def test_a_routing_table_row_showing_no_generated_alert_is_reported(duri: Build) -> None:
    shown: dict[str, str] = {}

    def rename_one_service(table: dict[str, Any]) -> None:
        row = next(r for r in table["alerts"] if r["labels"].get("service") == "duri-core")
        row["labels"]["service"] = "duri-nowhere"  # the row still routes like its alerts
        shown.update(row["labels"])

    problems = _table_problems(duri, rename_one_service)
    shown_as = [i for i, p in enumerate(problems) if p.endswith("is no generated alert")]
    assert len(shown_as) == 1 and 'service="duri-nowhere"' in problems[shown_as[0]], problems
    # duri-core's alerts of that class lost their row: each reported, after the row
    strays = [i for i, p in enumerate(problems) if "no row of its alerts stands for" in p]
    assert strays and all('service="duri-core"' in problems[i] for i in strays)
    assert shown_as[0] < min(strays)
