"""The mutation bench's pieces (bench/mutation/pieces.py): a generated test group cut by the
rules its checks read, so a mutant runs only what can notice it, against trimmed rule files
that still hold everything those checks read."""

from __future__ import annotations

from typing import Any

from bench.mutation.pieces import Reads, split, trimmed


def _record(name: str, expr: str, service: str) -> dict[str, Any]:
    return {"record": name, "expr": expr, "labels": {"service": service}}


def _alert(name: str, expr: str, service: str | None) -> dict[str, Any]:
    labels = {"severity": "critical"} | ({"service": service} if service else {})
    return {"alert": name, "expr": expr, "for": "1m", "labels": labels}


RULES = {
    "recording.yml": {
        "groups": [
            {
                "name": "rec",
                "rules": [
                    _record("svc:rate5m", 'sum(rate(x_total{job="a"}[5m]))', "a"),
                    _record("svc:rate5m", 'sum(rate(x_total{job="b"}[5m]))', "b"),
                    _record("svc:ratio", 'svc:rate5m{service="a"} / 2', "a"),
                ],
            }
        ]
    },
    "alerts.yml": {
        "groups": [
            {"name": "a", "rules": [_alert("High", 'svc:ratio{service="a"} > 1', "a")]},
            {"name": "b", "rules": [_alert("High", 'svc:rate5m{service="b"} > 1', "b")]},
            {"name": "c", "rules": [_alert("Any", "svc:rate5m > 1", None)]},
        ]
    },
}


def test_a_selector_reads_only_rules_whose_static_labels_it_can_match() -> None:
    reads = Reads(RULES)
    assert reads.read_by('svc:rate5m{service="b"}') == {("recording.yml", 0, 1)}
    assert reads.read_by("svc:rate5m") == {("recording.yml", 0, 0), ("recording.yml", 0, 1)}
    assert reads.read_by('svc:rate5m{service=~"a|b"}') == reads.read_by("svc:rate5m")
    assert reads.read_by('sum(x_total{job="a"}) and "svc:rate5m"') == frozenset()


def test_an_alert_reads_the_recorded_names_it_selects_through_every_level() -> None:
    reads = Reads(RULES)
    read = reads.closure([("alerts.yml", 0, 0)], reads.edges)
    assert read == {("alerts.yml", 0, 0), ("recording.yml", 0, 2), ("recording.yml", 0, 0)}


def test_a_dropped_matcher_makes_the_mutated_rule_read_every_service() -> None:
    reads = Reads(RULES)
    edges = {**reads.edges, ("alerts.yml", 1, 0): reads.read_by("svc:rate5m > 1")}
    read = reads.closure([("alerts.yml", 1, 0)], edges)
    assert {("recording.yml", 0, 0), ("recording.yml", 0, 1)} <= read


def _tests(exp: list[dict[str, Any]]) -> dict[str, Any]:
    group = {
        "interval": "1m",
        "input_series": [],
        "alert_rule_test": [{"eval_time": "5m", "alertname": "High", "exp_alerts": exp}],
        "promql_expr_test": [
            {"expr": 'svc:ratio{service="a"}', "eval_time": "5m", "exp_samples": []},
            {"expr": "svc:rate5m", "eval_time": "5m", "exp_samples": []},
        ],
    }
    return {"rule_files": [], "evaluation_interval": "1m", "tests": [group]}


def test_alert_checks_split_per_service_each_expecting_its_own_alerts() -> None:
    expected = [{"exp_labels": {"service": s, "severity": "critical"}} for s in ("a", "b")]
    pieces = split("alerts", _tests(expected), Reads(RULES))
    by_name = {p.name: p for p in pieces}
    a = by_name["alerts.000.High.a"]
    assert a.roots == {("alerts.yml", 0, 0)}
    checks = a.test["tests"][0]["alert_rule_test"]
    assert [e["exp_labels"]["service"] for e in checks[0]["exp_alerts"]] == ["a"]
    assert "promql_expr_test" not in a.test["tests"][0]
    values = [p for p in pieces if ".values" in p.name]
    assert [p.roots for p in values] == [
        {("recording.yml", 0, 2)},
        {("recording.yml", 0, 0), ("recording.yml", 0, 1)},
    ]


def test_an_alert_without_a_static_service_is_not_split() -> None:
    rules = {
        **RULES,
        "alerts.yml": {"groups": [{"name": "c", "rules": [_alert("High", "1", None)]}]},
    }
    pieces = split("alerts", _tests([]), Reads(rules))
    assert [p.name for p in pieces if "High" in p.name] == ["alerts.000.High"]


def test_trimmed_files_keep_rule_order_and_drop_what_is_not_read() -> None:
    keep = frozenset({("recording.yml", 0, 2), ("recording.yml", 0, 0), ("alerts.yml", 1, 0)})
    cut = trimmed(RULES, keep)
    assert [r["expr"] for r in cut["recording.yml"]["groups"][0]["rules"]] == [
        'sum(rate(x_total{job="a"}[5m]))',
        'svc:rate5m{service="a"} / 2',
    ]
    assert [g["name"] for g in cut["alerts.yml"]["groups"]] == ["b"]
    assert trimmed(RULES, frozenset({("alerts.yml", 2, 0)})).keys() == {"alerts.yml"}
