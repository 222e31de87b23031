"""The generated `promtool test rules` files: promtool passes them, every alert of every rule
file has a firing case (and, unless it is constant, a silent one), no test file names a rule
file that does not exist, and the SLO cases the issue requires are there with the numbers it
states, read back from the input series themselves."""

from __future__ import annotations

import copy
import subprocess
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
import yaml

from generator.core import conventions as cv
from generator.core.numbers import parse_duration
from generator.output.tools import materialise
from generator.pipeline import Build
from generator.promtest import check_rule_tests
from generator.promtest.model import rule_key
from tests.conftest import (
    DURI_OUT,
    DURI_SPEC,
    FIXTURES,
    ROOT,
    render_spec,
    require_tool,
    rules_as_services_see_them,
    set_members,
)

SPECS = {
    "duri": (DURI_SPEC, DURI_OUT),
    "shop": (FIXTURES / "shop" / "spec.yaml", None),
    "payments": (FIXTURES / "payments" / "spec.yaml", None),  # overrides, off, p99.9
    "slo-kinds": (FIXTURES / "slo-kinds" / "spec.yaml", None),
    "e2e": (FIXTURES / "e2e" / "spec.yaml", None),  # scraped every second (test_dense_inputs)
    # the second example: batch tier, health checks excluded, a custom alert, replicas
    "example-payments": (
        ROOT / "examples" / "payments" / "spec.yaml",
        ROOT / "examples" / "payments" / "out",
    ),
}


@cache
def build(name: str) -> Build:
    spec, out = SPECS[name]
    return render_spec(spec, out or spec.parent / "out")


def generated_tests(name: str) -> dict[str, Any]:
    """Every generated test file of a spec, parsed."""
    return {t.path: yaml.safe_load(build(name).files[t.path]) for t in build(name).plan.tests}


CASES = [(name, t.path) for name in SPECS for t in build(name).plan.tests]


@pytest.fixture(scope="module")
def promtool_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    """`promtool test rules` on every generated file, two at a time (each takes seconds)."""
    promtool = require_tool("promtool")
    roots = {}
    for name in SPECS:
        roots[name] = tmp_path_factory.mktemp(name)
        materialise(build(name).files, roots[name])

    def run(case: tuple[str, str]) -> subprocess.CompletedProcess[str]:
        where = roots[case[0]] / case[1]
        return subprocess.run(
            [promtool, "test", "rules", where.name],
            cwd=where.parent,
            capture_output=True,
            text=True,
            timeout=900,  # a guard against a hung run, not a limit: a busy machine is slow
            check=False,
        )

    # the biggest files first (they take longest), so the two runs end together
    order = sorted(CASES, key=lambda case: -len(build(case[0]).files[case[1]]))
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(order, pool.map(run, order), strict=True))


@pytest.mark.parametrize(("spec", "path"), CASES, ids=[f"{s}:{p}" for s, p in CASES])
def test_generated_test_file_passes_promtool_test_rules(
    spec: str, path: str, promtool_runs: dict[tuple[str, str], Any]
) -> None:
    res = promtool_runs[(spec, path)]
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS" in res.stdout
    assert "WARNING" not in res.stderr  # e.g. a rule file that does not exist


@pytest.mark.parametrize("spec", list(SPECS))
def test_every_alert_of_every_rule_file_has_a_firing_case(spec: str) -> None:
    b = build(spec)
    parsed = {p: yaml.safe_load(t) for p, t in b.files.items() if p.endswith(".yml")}
    assert check_rule_tests(b.plan.rule_files, parsed) == []
    assert len(b.plan.alerts()) > 20


@pytest.mark.parametrize("spec", list(SPECS))
def test_every_alert_but_constant_ones_has_a_silent_case(spec: str) -> None:
    """Each rule is driven on the services chosen to stand for it (every view of a shared
    rule on one of them at least), and every service a shared rule covers is counted firing
    by the mapping test."""
    plan = build(spec).plan
    checks = [c for f in plan.tests for g in f.groups for c in g.alerts]
    fired = {k for c in checks for k in c.firing}
    silent = {k for c in checks for k in c.silent}
    for alert in (a for f in plan.rule_files for a in f.representatives()):
        assert rule_key(alert) in fired, rule_key(alert)
        if alert.kind != "watchdog":
            assert rule_key(alert) in silent, rule_key(alert)
    firing = [
        ({k: v for k, op, v in e.selector if op == "=" and k != "alertstate"}, members)
        for f in plan.tests
        for g in f.groups
        for e in g.exprs
        if e.series == "ALERTS" and e.each is not None
        for members in [set_members(g, e.each)]
    ]
    for rule in (r for f in plan.rule_files for r in f.rules_alerting() if r.views):
        for view in rule.views:
            labels = {"alertname": view.alert, **dict(view.labels)}
            assert any(
                {"alertname", "severity"} <= set(alert)
                and all(labels.get(k) == v for k, v in alert.items())
                and any(  # a member of the set the check expects firing: + the job it reads
                    {"service", "tier"} <= set(m)
                    and all(labels.get(k, v) == v for k, v in m.items())
                    for m in members
                )
                for alert, members in firing
            ), rule_key(view)


def test_a_missing_firing_case_or_rule_file_is_reported() -> None:
    b = build("duri")
    parsed = {p: yaml.safe_load(t) for p, t in b.files.items() if p.endswith(".yml")}
    broken = copy.deepcopy(parsed)
    broken[cv.test_file("slo")]["rule_files"].append("../rules/gone.yml")
    for path in (cv.test_file("slo"), cv.test_file("slo-windows")):
        for group in broken[path]["tests"]:
            for case in group.get("alert_rule_test") or []:
                case["exp_alerts"] = [
                    a for a in case.get("exp_alerts") or [] if a["exp_labels"]["slo"] != "latency"
                ]
    problems = check_rule_tests(b.plan.rule_files, broken)
    assert (
        f"{cv.test_file('slo')}: names rule file ../rules/gone.yml, which obsgen does not write"
        in problems
    )
    missing = [p for p in problems if "has no firing test" in p]
    # the latency SLO's 4 burn alert rules, one per window pair, each shared by every service
    assert len(missing) == 4
    assert all(p.startswith(f"{cv.SLO_FILE}: alert ") and "slo=latency" in p for p in missing)


@pytest.mark.parametrize("spec", list(SPECS))
def test_every_test_file_and_group_sets_its_intervals(spec: str) -> None:
    for doc in generated_tests(spec).values():
        assert doc["evaluation_interval"]
        assert doc["group_eval_order"]
        for group in doc["tests"]:
            assert group["interval"]


# --- the SLO cases the issue requires, read back from duri's slo test file ------------------


def expand(values: str) -> list[Decimal]:
    """promtool's expanding notation 'a+bxN ...' -> the sample values."""
    out: list[Decimal] = []
    for part in values.split():
        start, rest = part.split("+", 1)
        step, count = rest.split("x")
        out += [Decimal(start) + Decimal(step) * i for i in range(int(count) + 1)]
    return out


def requests(group: dict[str, Any], service: str) -> dict[str, list[Decimal]]:
    """A service's request counters of a test group, by status."""
    out = {}
    for s in group["input_series"]:
        if s["series"].startswith("http_requests_total{") and f'job="{service}"' in s["series"]:
            out[s["series"].split('status="')[1].split('"')[0]] = expand(s["values"])
    return out


def standing() -> list[str]:
    """The services DuRi's SLO tests drive: those chosen to stand for the shared SLO rules
    (duri-control for duri-core, alike in tier objective; the mapping test maps the other)."""
    (slo,) = [f for f in build("duri").plan.rule_files if f.path == cv.SLO_FILE]
    return sorted(slo.chosen())


def slo_groups() -> list[dict[str, Any]]:
    return generated_tests("duri")[cv.test_file("slo")]["tests"]


def availability_checks(group: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in group["alert_rule_test"] if c["alertname"] == "AvailabilityErrorBudgetBurn"]


def steady_shares(group: dict[str, Any]) -> dict[str, Decimal] | None:
    """Each service's share of failing requests in a steady group (None: not steady)."""
    shares = {}
    for service in standing():
        counters = requests(group, service)
        if set(counters) != {"200", "500"}:
            return None
        good, bad = (counters[k][1] - counters[k][0] for k in ("200", "500"))
        if good + bad == 0:
            return None
        if any(
            counters[k][-1] != counters[k][0] + (len(counters[k]) - 1) * d
            for k, d in (("200", good), ("500", bad))
        ):
            return None
        shares[service] = bad / (good + bad)
    return shares


def availability_thresholds() -> dict[tuple[str, str], Decimal]:
    """(service, long window) -> the error ratio its availability burn alert fires over, as
    the rendered rule file states it, for each service the tests drive."""
    out = {}
    for _, rule in rules_as_services_see_them(build("duri"), cv.SLO_FILE):
        labels = rule.get("labels") or {}
        if rule.get("alert") == "AvailabilityErrorBudgetBurn" and labels["service"] in standing():
            number = rule["expr"].split(" > ")[1].split(" ")[0]
            out[(labels["service"], labels["long_window"])] = Decimal(number)
    return out


def test_steady_burns_straddle_every_availability_threshold_within_one_percent() -> None:
    """Each burn alert is proved silent at a steady share under 1 % below its threshold and
    firing at one under 1 % above, read back from the input series."""
    below: dict[tuple[str, str], bool] = {}
    above: dict[tuple[str, str], bool] = {}
    for group in slo_groups():
        shares = steady_shares(group)
        if shares is None:
            continue
        fired = {
            (a["exp_labels"]["service"], a["exp_labels"]["long_window"])
            for c in availability_checks(group)
            for a in c["exp_alerts"]
        }
        for (service, window), limit in availability_thresholds().items():
            share = shares[service]
            if limit * Decimal("0.99") < share < limit:
                below[(service, window)] = (service, window) not in fired
            elif limit < share < limit * Decimal("1.01"):
                above[(service, window)] = (service, window) in fired
    assert set(below) == set(above) == set(availability_thresholds())
    assert all(below.values()) and all(above.values())


def test_a_total_outage_on_a_99_9_slo_pages_within_4_minutes() -> None:
    group = next(g for g in slo_groups() if g["name"].startswith("total outage"))
    interval = parse_duration(group["interval"]) // 1000
    errors = requests(group, "duri-control")["500"]
    first = next(i for i in range(1, len(errors)) if errors[i] > errors[i - 1])
    outage_s = (first - 1) * interval  # errors counted from this sample's interval on
    checks = availability_checks(group)
    before = [c for c in checks if parse_duration(c["eval_time"]) // 1000 < outage_s]
    assert before and all(c["exp_alerts"] == [] for c in before)
    paged = [
        parse_duration(c["eval_time"]) // 1000
        for c in checks
        for a in c["exp_alerts"]
        if a["exp_labels"]["service"] == "duri-control"
        and a["exp_labels"]["severity"] == "critical"
        and a["exp_labels"]["long_window"] == "1h"
    ]
    assert paged and min(paged) - outage_s <= 240


def test_every_threshold_alert_is_silent_one_evaluation_before_it_fires() -> None:
    """`for` pinned on both sides: for every alerting rule with a `for`, some check sees it
    firing and the check one evaluation earlier sees it silent."""
    doc = generated_tests("duri")[cv.test_file("alerts")]
    step = parse_duration(doc["evaluation_interval"])
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], set[int]] = {}
    silent: dict[str, list[tuple[int, list[dict[str, str]]]]] = {}
    for group in doc["tests"]:
        for case in group.get("alert_rule_test") or []:
            when = parse_duration(case["eval_time"])
            labels = [a["exp_labels"] for a in case.get("exp_alerts") or []]
            silent.setdefault(case["alertname"], []).append((when, labels))
            for lab in labels:
                key = (case["alertname"], tuple(sorted(lab.items())))
                seen.setdefault(key, set()).add(when)
    rules = yaml.safe_load(build("duri").files[cv.test_file("alerts").replace("tests", "rules")])
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") not in silent or parse_duration(rule.get("for", "0s")) == 0:
                continue
            mine = rule["labels"]
            times = {
                t
                for (n, lab), ts in seen.items()
                for t in ts
                if n == rule["alert"] and all(dict(lab).get(k) == v for k, v in mine.items())
            }
            quiet = {
                t
                for t, labels in silent[rule["alert"]]
                if not any(all(lab.get(k) == v for k, v in mine.items()) for lab in labels)
            }
            assert any(t - step in quiet for t in times), f"{rule['alert']} {mine}"


def test_low_traffic_with_errors_does_not_page() -> None:
    group = next(g for g in slo_groups() if g["name"].startswith("low traffic"))
    interval = parse_duration(group["interval"]) // 1000
    counters = requests(group, "duri-control")
    bad_rate = (counters["500"][1] - counters["500"][0]) / interval
    assert counters["200"][-1] == 0 and bad_rate > 0  # every request fails
    assert bad_rate * 6 * 3600 < 1000  # below min_events over the longest page window
    fired = [a["exp_labels"] for c in availability_checks(group) for a in c["exp_alerts"]]
    assert fired and all(a["severity"] == "warning" for a in fired)


def test_no_traffic_fires_nothing_leaves_ratios_absent_and_the_budget_whole() -> None:
    group = next(g for g in slo_groups() if g["name"] == "no traffic")
    assert all(c["exp_alerts"] == [] for c in group["alert_rule_test"])
    exprs = group["promql_expr_test"]
    ratios = [e for e in exprs if e["expr"].startswith(cv.slo_error_ratio("1h") + "{")]
    budgets = [e for e in exprs if e["expr"].startswith(cv.SLO_BUDGET_REMAINING + "{")]
    assert len(ratios) == len(budgets) == 2 * len(standing())  # 2 SLOs each
    assert all(e["exp_samples"] == [] for e in ratios)
    assert all([s["value"] for s in e["exp_samples"]] == [1] for e in budgets)


def window_groups() -> list[dict[str, Any]]:
    return generated_tests("duri")[cv.test_file("slo-windows")]["tests"]


@pytest.mark.parametrize(("side", "fires"), [("just under", False), ("just over", True)])
def test_the_1h_pages_min_events_guard_is_straddled_within_one_percent(
    side: str, fires: bool
) -> None:
    """Every request failing at a rate read back from the inputs that puts just under (or
    just over) 1000 requests in an hour: the 1h pages stay silent (or fire)."""
    group = next(
        g
        for g in window_groups()
        if g["name"].startswith(f"every request bad, traffic {side} 1000 requests in 1h")
    )
    interval = parse_duration(group["interval"]) // 1000
    errors = requests(group, "duri-control")["500"]
    per_hour = (errors[1] - errors[0]) / interval * 3600
    assert Decimal(990) < per_hour < Decimal(1010) and (per_hour >= 1000) == fires
    paged = {
        a["exp_labels"]["service"]
        for c in availability_checks(group)
        for a in c["exp_alerts"]
        if a["exp_labels"]["long_window"] == "1h"
    }
    assert paged == (set(standing()) if fires else set())


def test_a_burst_proves_the_1h_window_by_when_its_page_fires_and_resolves() -> None:
    """Silent, firing, still firing after the burst, silent: four checks in that order, the
    firing ones while the errors flow or just after."""
    group = next(g for g in slo_groups() if g["name"] == "burst proving the 1h windows")
    states = [
        (
            parse_duration(c["eval_time"]),
            any(
                a["exp_labels"]["long_window"] == "1h"
                and a["exp_labels"]["service"] == "duri-brain"
                for a in c["exp_alerts"]
            ),
        )
        for c in availability_checks(group)
    ]
    assert [on for _, on in sorted(states)] == [False, True, True, False]
