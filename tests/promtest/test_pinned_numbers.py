"""The generated tests catch a rule changed in one place: each case below edits one rule of
DuRi's rendered rule files (a matcher dropped, a guard or window moved) and promtool must
fail the generated test file that proves it, while the unedited rules pass (see
test_promtool_tests.py)."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.mutation.pieces import Reads, split
from generator.output.tools import materialise
from generator.pipeline import Build
from tests.conftest import DURI_OUT, DURI_SPEC, render_spec, require_tool


@cache
def _duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


# (rule file, rule name, a label the rule carries or "", text in its expr, its replacement,
#  the test file that must fail)
EDITS = [
    # monitoring gauges and counters: other jobs' series fail from the start
    (
        "health.yml",
        "PrometheusConfigReloadFailed",
        "",
        '{job="prometheus"}',
        "",
        "health.yml",
    ),
    (
        "health.yml",
        "PrometheusTSDBCompactionsFailing",
        "",
        '{job="prometheus"}',
        "",
        "health.yml",
    ),
    # a gauge just under its threshold fires; a counter's window pinned by when it resolves
    ("health.yml", "AlertmanagerConfigReloadFailed", "", "< 1", "< 0.99", "health.yml"),
    ("health.yml", "PrometheusNotificationsDropped", "", "[5m]", "[2m30s]", "health.yml"),
    ("health.yml", "PrometheusTSDBCompactionsFailing", "", "[3h]", "[6h]", "health.yml"),
    # MetricAbsent: other jobs' metrics present, their targets up in both timelines; the
    # services' rules guard on their job up, a container's on cAdvisor's
    (
        "health.yml",
        "MetricAbsent",
        "http_requests_total",
        " == 1) unless",
        ") unless",
        "health.yml",
    ),
    (
        "health.yml",
        "MetricAbsent",
        "container_cpu_usage_seconds_total",
        'up{job="cadvisor"}',
        "up",
        "health.yml",
    ),
    # datastore series no alert reads: only their own job's, over 5m
    (
        "recording.yml",
        "instance:pg_connections:sum",
        "",
        '{job="postgres"}',
        "",
        "alerts.yml",
    ),
    (
        "recording.yml",
        "instance_datname:pg_stat_database_tup_fetched:rate5m",
        "",
        "[5m]",
        "[2m30s]",
        "alerts.yml",
    ),
    (
        "recording.yml",
        "instance:redis_keyspace_hits:ratio_rate5m",
        "",
        '{job="redis"}[5m])) /',
        "[5m])) /",
        "alerts.yml",
    ),
    # the Redis misses' window: misses change with the hits
    (
        "recording.yml",
        "instance:redis_keyspace_hits:ratio_rate5m",
        "",
        'misses_total{job="redis"}[5m]',
        'misses_total{job="redis"}[2m30s]',
        "alerts.yml",
    ),
    # node CPU: the same CPU's user seconds beside its idle ones
    ("recording.yml", "instance:node_cpu_utilisation:ratio", "", ', mode="idle"', "", "alerts.yml"),
    # the errors rate's `or 0 * ...` fallback: no 0 recorded for another job's requests
    (
        "recording.yml",
        "service:http_requests_errors:rate5m",
        "",
        "0 * sum by (service, tier) (rate(http_requests_total"
        '{tier=~"brain|control|core|evolution"}',
        "0 * sum by (service, tier) (rate(http_requests_total",
        "alerts.yml",
    ),
    # a failed share's two windows: the traffic triples and falls back while firing
    ("health.yml", "PrometheusNotificationsFailing", "", "[5m]) >", "[10m]) >", "health.yml"),
    # the disk trend's window: a burst, then flat for the window
    ("health.yml", "NodeFilesystemFillingUp", "", "[6h]", "[12h]", "health.yml"),
    # regression guards, one rule each for the four services: straddled at 0.995 and 1.005
    # req/s on the service standing for it
    ("alerts.yml", "LatencyP95Regression", "", ">= 1 and", ">= 0.99 and", "regression"),
    (
        "alerts.yml",
        "ErrorRateRegression",
        "",
        "offset 1d) >= 1",
        "offset 1d) >= 1.01",
        "regression",
    ),
    ("alerts.yml", "ThroughputRegression", "", ">= 1", ">= 0.99", "regression"),
    # the traffic guard's own offset: a period ago, not half of one
    (
        "alerts.yml",
        "LatencyP95Regression",
        "",
        "offset 1d) >= 1",
        "offset 12h) >= 1",
        "regression",
    ),
    # the 2h window only the 1d ticket reads: errors and requests windows, by value
    ("slo.yml", "slo:sli_errors:rate2h", "latency", "[2h]", "[4h]", "short windows"),
    ("slo.yml", "slo:sli_requests:rate2h", "availability", "[2h]", "[1h]", "short windows"),
    ("slo.yml", "slo:sli_errors:rate2h", "availability", "[2h]", "[1h]", "short windows"),
    ("slo.yml", "slo:sli_requests:rate2h", "latency", "[2h]", "[4h]", "short windows"),
]


def _edit(doc: dict[str, Any], name: str, label: str, old: str, new: str) -> tuple[int, int]:
    """Replace `old` once in the first rule of that name (carrying `label`) that has it;
    returns the rule's (group, rule) index."""
    for g, group in enumerate(doc["groups"]):
        for r, rule in enumerate(group["rules"]):
            mine = name in (rule.get("alert"), rule.get("record"))
            carries = not label or label in (rule.get("labels") or {}).values()
            if mine and carries and old in rule["expr"]:
                rule["expr"] = rule["expr"].replace(old, new, 1)
                return g, r
    raise AssertionError(f"no rule {name} with {old!r}")


@pytest.mark.parametrize(
    ("rules", "name", "label", "old", "new", "tests"),
    EDITS,
    ids=[f"{e[1]}{{{e[2]}}}:{e[3]}->{e[4]}" for e in EDITS],
)
def test_a_rule_edited_in_one_place_fails_its_generated_tests(
    rules: str, name: str, label: str, old: str, new: str, tests: str, tmp_path: Path
) -> None:
    promtool = require_tool("promtool")
    materialise(_duri().files, tmp_path)
    folder = tmp_path / "prometheus" / "rules"
    docs = {p.name: yaml.safe_load(p.read_text()) for p in sorted(folder.glob("*.yml"))}
    edited = (rules, *_edit(docs[rules], name, label, old, new))
    (folder / rules).write_text(yaml.safe_dump(docs[rules], sort_keys=False, width=10**6))
    test_file = {"regression": "alerts-regression.yml", "short windows": "slo-windows.yml"}.get(
        tests, tests
    )
    # only the groups some check of which reads the edited rule (the mutation bench's pieces,
    # named `<stem>.<group index>.<...>`), whole: a piece cut per service expects that
    # service's alerts only, which the untrimmed rule files would contradict
    where = tmp_path / "prometheus" / "tests" / test_file
    doc = yaml.safe_load(where.read_text())
    reads = Reads(docs)
    reading = {
        int(p.name.split(".")[1])
        for p in split(where.stem, doc, reads)
        if edited in reads.closure(p.roots, reads.edges)
    }
    doc["tests"] = [g for k, g in enumerate(doc["tests"]) if k in reading]
    if tests == "short windows":  # the 46-day groups read the 2h windows too, for minutes
        doc["tests"] = [g for g in doc["tests"] if tests in g["name"]]
    assert doc["tests"]
    where.write_text(yaml.safe_dump(doc, sort_keys=False, width=10**6))
    res = subprocess.run(
        [promtool, "test", "rules", test_file],
        cwd=tmp_path / "prometheus" / "tests",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode != 0 and "FAILED" in res.stdout + res.stderr, res.stdout[-2000:]
