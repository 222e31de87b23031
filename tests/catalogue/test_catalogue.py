"""The alert catalogue (out/ALERTS.md): rows, receivers, inhibitions and SLO figures agree
with the outputs they summarise, and the figures are the ones the generated tests prove."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.core.markdown import md_code, md_text, md_url
from generator.core.numbers import parse_duration
from generator.pipeline import Build
from tests.conftest import DURI_OUT, DURI_SPEC, FIXTURES, render_spec

SHOP_SPEC = FIXTURES / "shop" / "spec.yaml"
COLUMNS = [
    "alert",
    "service",
    "tier",
    "severity",
    "fires",
    "reaches",
    "inhibited",
    "budget",
    "outage",
    "runbook",
]


@pytest.fixture(scope="module")
def duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


@pytest.fixture(scope="module")
def shop() -> Build:
    return render_spec(SHOP_SPEC, SHOP_SPEC.parent / "out")


def split_row(line: str) -> list[str]:
    """Cells of a Markdown table row (escaped pipes stay inside their cell)."""
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [c.strip() for c in cells]


def alert_rows(build: Build) -> list[dict[str, str]]:
    text = build.files["ALERTS.md"]
    table = text.split("\n## Alerts\n", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in table.splitlines() if ln.startswith("| ")]
    assert split_row(lines[0])[0] == "Alert"
    return [dict(zip(COLUMNS, split_row(ln), strict=True)) for ln in lines[1:]]


def per_service(build: Build) -> list[dict[str, str]]:
    """The alert table with a row per service each row names (a row lists the services whose
    alerts are alike in every other column)."""
    return [
        {**row, "service": service}
        for row in alert_rows(build)
        for service in row["service"].split(", ")
    ]


def _stands_for(row: dict[str, Any], labels: dict[str, str], routed: list[str]) -> bool:
    """Whether a routing-table row (as rendered) stands for an alert with these labels."""
    shown, covers = row["labels"], row.get("covers") or {}
    return all(shown.get(n, "") == labels.get(n, "") for n in routed) and all(
        v in covers[n] if n in covers else shown.get(n) == v
        for n, v in labels.items()
        if n not in routed
    )


def test_every_alert_of_every_service_is_in_a_row_and_the_intro_counts_rules_and_rows(
    duri: Build, shop: Build
) -> None:
    for build in (duri, shop):
        listed = {(r["alert"], r["service"], r["severity"]) for r in per_service(build)}
        rules = {(a.alert, a.label("service"), a.label("severity")) for a in build.plan.alerts()}
        assert listed == rules
        loaded = sum(len(f.rules_alerting()) for f in build.plan.rule_files)
        rows = len(alert_rows(build))
        assert (
            f"\n{loaded} alerting rules in the rule files, shown as {rows} rows:"
            in (build.files["ALERTS.md"])
        )
    # DuRi's rules are shared by its services: fewer rules than alerts, fewer rows than alerts
    assert len(alert_rows(duri)) < len(duri.plan.alerts())


def test_rows_are_merged_only_when_every_column_but_service_and_tier_is_equal(
    duri: Build, shop: Build
) -> None:
    for build in (duri, shop):
        rows = alert_rows(build)
        rest = [tuple(v for k, v in r.items() if k not in ("service", "tier")) for r in rows]
        assert len(set(rest)) == len(rest)  # rows alike but for service and tier are one row
        for r in rows:
            services = r["service"].split(", ")
            assert len(set(services)) == len(services)
    rows = alert_rows(duri)

    def row_of(alert: str, service: str, severity: str, fires: str = "") -> dict[str, str]:
        (row,) = [
            r
            for r in rows
            if (r["alert"], r["severity"]) == (alert, severity)
            and service in r["service"].split(", ")
            and fires in r["fires"]
        ]
        return row

    # the same threshold, routing and inhibitions: one row, services in spec order
    shared = row_of("LatencyP95High", "duri-core", "warning")
    assert shared["service"] == "duri-core, duri-control, duri-brain, duri-evolution"
    assert shared["tier"] == "core, control, brain, evolution"
    # the evolution tier pages in business hours only: its own row
    page = row_of("LatencyP95High", "duri-core", "critical")
    assert page["service"] == "duri-core, duri-control, duri-brain"
    assert row_of("LatencyP95High", "duri-evolution", "critical")["service"] == "duri-evolution"
    # another objective: other figures, another row
    burn = row_of("AvailabilityErrorBudgetBurn", "duri-core", "critical", "over both 1h")
    assert burn["service"] == "duri-core, duri-control"
    brain = row_of("AvailabilityErrorBudgetBurn", "duri-brain", "critical", "over both 1h")
    assert brain["service"] == "duri-brain" and brain["outage"] != burn["outage"]


def test_receivers_and_time_intervals_are_those_of_the_rendered_routing_table(
    duri: Build, shop: Build
) -> None:
    for build in (duri, shop):
        doc = yaml.safe_load(build.files["alertmanager/routing-table.yml"])
        external = dict(build.plan.prometheus.external_labels)
        rows = alert_rows(build)
        for entry, row in zip(build.plan.catalogue.alerts, rows, strict=True):  # type: ignore[union-attr]
            for own in entry.labels:  # every alert the row stands for
                labels = {**external, **dict(own), "alertname": entry.alert}
                (found,) = [r for r in doc["alerts"] if _stands_for(r, labels, doc["routed"])]
                when = found.get("when") or ["always"] * len(found["receivers"])
                shown = [
                    receiver if w == "always" else f"{receiver} ({w})"
                    for receiver, w in zip(found["receivers"], when, strict=True)
                ]
                assert row["reaches"] == "; ".join(md_text(s) for s in shown), row["alert"]


def test_an_evolution_tier_page_reaches_the_oncall_in_business_hours_and_chat_otherwise(
    duri: Build,
) -> None:
    row = next(
        r
        for r in per_service(duri)
        if r["alert"] == "LatencyP95High"
        and r["service"] == "duri-evolution"
        and r["severity"] == "critical"
    )
    assert row["reaches"] == "duri-oncall (in business-hours); duri-chat (outside business-hours)"


def test_a_warning_lists_the_critical_alert_that_inhibits_it(duri: Build, shop: Build) -> None:
    rows = per_service(duri)
    warning = next(
        r
        for r in rows
        if (r["alert"], r["service"], r["severity"]) == ("ContainerCPUHigh", "duri-core", "warning")
    )
    assert warning["inhibited"] == "ContainerCPUHigh critical (same alertname, service)"
    critical = next(
        r
        for r in rows
        if (r["alert"], r["service"], r["severity"])
        == ("ContainerCPUHigh", "duri-core", "critical")
    )
    assert critical["inhibited"] == "—"
    throughput = next(
        r for r in per_service(shop) if (r["alert"], r["service"]) == ("ThroughputLow", "checkout")
    )
    assert throughput["inhibited"] == "LatencyP99High critical (same service)"


def test_conditions_state_threshold_and_for_in_words(duri: Build) -> None:
    rows = {(r["alert"], r["service"], r["severity"]): r for r in per_service(duri)}
    assert rows[("LatencyP95High", "duri-core", "warning")]["fires"] == (
        "p95 latency above 500ms, for 5m"
    )
    page = next(
        r
        for r in per_service(duri)
        if r["alert"] == "AvailabilityErrorBudgetBurn" and r["service"] == "duri-core"
    )
    assert page["fires"] == (
        "availability error ratio above 0.0144 (14.4x the 0.001 budget) over both 1h and 5m, "
        "with at least 1000 requests in 1h, at once (no `for`)"
    )


def _outage_evals(build: Build) -> dict[str, int]:
    """Per service: seconds into the outage at which the generated outage test expects its
    fastest page firing (read from the rendered test file, not from the plan)."""
    doc = yaml.safe_load(build.files["prometheus/tests/slo.yml"])
    group = next(g for g in doc["tests"] if g["name"].startswith("total outage"))
    start = parse_duration(re.search(r"after (\w+) clean", group["name"])[1]) // 1000  # type: ignore[index]
    found = {}
    for check in group["alert_rule_test"]:
        for alert in check["exp_alerts"]:
            labels = alert["exp_labels"]
            if labels.get("long_window") == "1h" and labels["slo"] == "availability":
                found[labels["service"]] = parse_duration(check["eval_time"]) // 1000 - start
    return found


@pytest.mark.parametrize("which", ["duri", "shop"])
def test_total_outage_time_is_the_eval_time_the_generated_outage_test_checks(
    which: str, request: pytest.FixtureRequest
) -> None:
    build: Build = request.getfixturevalue(which)
    proven = _outage_evals(build)
    assert proven, "the outage test checks no page"
    # a service whose availability page rule is shared with a tested one is proved by it
    # (the mapping test proves its series reach that rule)
    (slo,) = [f for f in build.plan.rule_files if f.path == "prometheus/rules/slo.yml"]
    for rule in slo.rules_alerting():
        names = [v.label("service") for v in rule.views]
        tested = [n for n in names if n in proven]
        if tested and rule.views[0].label("slo") == "availability":
            proven |= {n: proven[tested[0]] for n in names}
    marked = {r["service"]: r["outage"] for r in per_service(build) if r["outage"].endswith("✓")}
    assert sorted(marked) == sorted(proven)
    for service, seconds in proven.items():
        assert marked[service].startswith(f"{seconds // 60}m (")


def test_budget_figures_follow_from_windows_factors_and_period(duri: Build, shop: Build) -> None:
    core = [
        r
        for r in per_service(duri)
        if r["alert"] == "AvailabilityErrorBudgetBurn" and r["service"] == "duri-core"
    ]
    assert [r["budget"] for r in core] == [
        "2% of the 30d budget (14.4x for 1h)",
        "5% of the 30d budget (6x for 6h)",
        "10% of the 30d budget (3x for 1d)",
        "10% of the 30d budget (1x for 3d)",
    ]
    # 4 minutes of a total outage on a 0.1 % budget over 30 days: 240 / (0.001 * 2592000)
    assert core[0]["outage"] == "4m (9.26% of the budget) ✓"
    checkout = [
        r
        for r in per_service(shop)
        if r["alert"] == "AvailabilityErrorBudgetBurn" and r["service"] == "checkout"
    ]
    # a 28-day period scales the factors: 2 % of 28 d in 1 h is 13.44x; 3 d gets 2.8/3
    assert checkout[0]["budget"] == "2% of the 28d budget (13.44x for 1h)"
    assert checkout[3]["budget"] == "10% of the 28d budget (2.8/3x for 3d)"


def _rate_tables(build: Build) -> dict[tuple[str, str], list[list[str]]]:
    """Per (service, SLO): the rows of the one time-to-fire table whose heading names it."""
    text = build.files["ALERTS.md"].split("\n## SLO burn-rate alerts", 1)[1]
    tables: dict[tuple[str, str], list[list[str]]] = {}
    for section in text.split("\n### ")[1:]:
        services, slo = section.split(":", 1)[0].rsplit(" ", 1)
        rows = [split_row(ln) for ln in section.splitlines() if ln.startswith("| ")]
        for service in services.split(", "):
            assert (service, slo) not in tables
            tables[(service, slo)] = rows[1:]  # the header row (the rule line starts "|---")
    return tables


def _seconds(cell: str) -> float:
    return float("inf") if cell == "never" else parse_duration(cell) / 1000


def test_time_to_fire_shrinks_as_the_error_rate_grows_and_is_never_below_the_threshold(
    duri: Build,
) -> None:
    tables = _rate_tables(duri)
    assert len(tables) == len(duri.plan.slos)
    for slo in duri.plan.slos:
        rows = tables[(md_text(slo.service), md_text(slo.slo))]
        rates = [Decimal(r[0].removesuffix("%")) / 100 for r in rows]
        assert rates == sorted(rates, reverse=True) and rates[0] == 1
        for column, burn in enumerate(slo.burns, start=1):
            times = [_seconds(r[column]) for r in rows]
            assert times == sorted(times), (slo.service, slo.slo, burn.long)
            for rate, time in zip(rates, times, strict=True):
                if rate <= burn.threshold:
                    assert time == float("inf")


def test_services_share_a_time_to_fire_table_only_when_its_figures_are_theirs(
    duri: Build,
) -> None:
    text = duri.files["ALERTS.md"]
    headings = re.findall(r"\n### (.+?):", text)
    assert "duri-core, duri-control availability" in headings  # both 99.9 %
    assert "duri-brain availability" in headings and "duri-evolution availability" in headings
    # every service a heading names has the objective, period and budget it states
    for heading in re.findall(r"\n### (.+)\n", text):
        m = re.fullmatch(r"(.+) (\w+): ([\d.]+)% over (\w+) \(error budget ([\d.]+)\)", heading)
        assert m, heading
        for service in m[1].split(", "):
            (plan,) = [s for s in duri.plan.slos if (s.service, s.slo) == (service, m[2])]
            assert (plan.objective, plan.period, plan.budget) == (
                Decimal(m[3]),
                m[4],
                Decimal(m[5]),
            )


def test_each_slo_section_links_its_tiers_plot_which_says_where_it_comes_from(
    duri: Build,
) -> None:
    text = duri.files["ALERTS.md"]
    sections = text.split("\n## SLO burn-rate alerts", 1)[1].split("\n### ")[1:]
    for slo in duri.plan.slos:
        (section,) = [
            s
            for s in sections
            if s.split(":", 1)[0].rsplit(" ", 1)[1] == slo.slo
            and slo.service in s.split(":", 1)[0].rsplit(" ", 1)[0].split(", ")
        ]
        path = f"plots/{slo.tier}-{slo.slo}.svg"
        assert f"]({path})" in section
        svg = duri.files[path]
        assert svg.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
        assert "DO NOT EDIT: generated by obsgen from spec/duri.yaml" in svg.split("\n")[1]


def test_catalogue_without_routing_says_alerts_reach_no_receiver(tmp_path: Path) -> None:
    spec = SHOP_SPEC.read_text(encoding="utf-8")
    cut = spec.index("\nrouting:\n")
    (tmp_path / "spec.yaml").write_text(spec[: cut + 1], encoding="utf-8")
    build = render_spec(tmp_path / "spec.yaml", tmp_path / "out")
    rows = alert_rows(build)
    assert {r["reaches"] for r in rows} == {"no routing in the spec"}
    assert {r["inhibited"] for r in rows} == {"—"}


@pytest.mark.parametrize(
    "hostile",
    ["a|b", "x`y``z", "[link](http://evil)", "<script>", "*bold* _it_ ~s~", "line\nbreak"],
)
def test_spec_text_cannot_change_the_markdown_structure(hostile: str) -> None:
    text = md_text(hostile)
    assert "\n" not in text
    assert re.search(r"(?<!\\)[|`\[\]<>*_~]", text) is None
    code = md_code(hostile)
    fence = re.match(r"`+", code)[0]  # type: ignore[index]
    assert code.endswith(fence) and fence not in code[len(fence) : -len(fence)].strip()
    assert re.search(r"(?<!\\)\|", code) is None
    assert re.fullmatch(r"[A-Za-z0-9:/?#@!$&'*+,;=%._~-]*", md_url("http://x/" + hostile))
