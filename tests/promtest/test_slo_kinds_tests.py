"""The generated tests of gauge and promql SLOs (docs/slo.md, "Gauge and promql SLIs"): the
recorded 5m rates fed in their place are what a raw recording rule would write, at each
evaluation only; their raw metrics are fed in no test group holding those stand-ins; every
scenario proves their alerts; and a gauge SLO's own rules are checked from raw samples at
counts both Prometheus versions agree on."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest
import yaml

from generator.core import conventions as cv
from generator.pipeline import Build
from generator.plan import read_spec
from generator.prometheus import slo_plans
from generator.promtest import standing_slos
from generator.promtest.cases import Ctx
from generator.promtest.model import RuleTestGroup, Segment
from generator.promtest.slo_gauge_model import Samples, agreed
from generator.promtest.slo_rounds import slo_rounds
from generator.promtest.slo_sim import Model
from generator.promtest.slo_sim import Traffic as SimTraffic
from generator.promtest.slo_stand_in import sparse_segments, stand_in_feed
from tests.conftest import FIXTURES, ROOT, promtool_test, render_spec

KINDS = FIXTURES / "slo-kinds" / "spec.yaml"
PAYMENTS = ROOT / "examples" / "payments"


@cache
def kinds() -> Build:
    return render_spec(KINDS, KINDS.parent / "out")


@cache
def payments() -> Build:
    return render_spec(PAYMENTS / "spec.yaml", PAYMENTS / "out")


def groups(build: Build) -> list[RuleTestGroup]:
    return [g for t in build.plan.tests for g in t.groups]


def expand(segments: tuple[Segment, ...]) -> list[Decimal | None]:
    """Sample values of promtool's notation, None where a sample is missing."""
    out: list[Decimal | None] = []
    for seg in segments:
        if seg.missing:
            out += [None] * (seg.count + 1)
        else:
            out += [seg.start + seg.step * k for k in range(seg.count + 1)]
    return out


def test_a_stand_in_holds_the_raw_rules_5m_rate_at_each_evaluation_and_nothing_between() -> None:
    build = kinds()
    (plan,) = [s for s in build.plan.slos if s.slo == "grpc"]
    ctx = Ctx(build.spec, 30, 60)
    phases = [(0, Decimal(10), Decimal("0.01")), (900, Decimal(20), Decimal("0.5"))]
    errors, total = stand_in_feed(ctx, plan, phases, 1800)
    assert (errors.metric, total.metric) == (cv.slo_errors("5m"), cv.slo_requests("5m"))
    assert dict(errors.labels) == {"service": "payments", "slo": "grpc", "tier": "critical"}
    model = Model(SimTraffic(((0, 10.0, 0.01), (900, 20.0, 0.5))), 60, 30)
    for series, bad in ((errors, True), (total, False)):
        values = expand(series.values)
        assert len(values) == 1800 // 30 + 1
        for slot, value in enumerate(values):
            second = slot * 30
            if second % 60 or second == 0:  # no raw 5m rate at 0, none between evaluations
                assert value is None, second
            else:
                assert value is not None
                assert float(value) == pytest.approx(model.rate5m(second, bad), rel=1e-12)


def test_sparse_segments_compress_consecutive_runs_and_write_gaps() -> None:
    samples = [(2, Fraction(1)), (3, Fraction(2)), (4, Fraction(3)), (7, Fraction(1, 3))]
    segments = sparse_segments(samples)
    assert expand(segments)[:7] == [None, None, Decimal(1), Decimal(2), Decimal(3), None, None]
    assert segments[-1].start == Decimal("0.333333333333333")
    assert len(segments) == 4  # gap, 1+1x2, gap, 1/3


READS = {"grpc": "grpc_server_handled_total", "scoring": "grpc_server_handled_total"}
READS |= {"probes": "probe_success"}


def test_no_test_group_feeds_a_raw_metric_read_by_an_slo_it_feeds_recorded_rates() -> None:
    stood_in = set()
    for build in (kinds(), payments()):
        for group in groups(build):
            fed = {s.metric for s in group.series}
            recorded = {dict(s.labels)["slo"] for s in group.series if s.metric.startswith("slo:")}
            for slo in recorded & set(READS):
                stood_in.add(slo)
                assert READS[slo] not in fed, (group.name, slo)
    assert stood_in == set(READS)


def test_every_gauge_and_promql_burn_alert_is_proved_firing_and_silent() -> None:
    for build, names in ((kinds(), ("Grpc", "Probes")), (payments(), ("Scoring", "Probes"))):
        rules = {
            f"{a.alert}{{{','.join(f'{k}={v!r}' for k, v in a.labels)}}}"
            for f in build.plan.rule_files
            for a in f.alerts()
            if a.alert.startswith(names)
        }
        firing = {k for g in groups(build) for c in g.alerts for k in c.firing}
        silent = {k for g in groups(build) for c in g.alerts for k in c.silent}
        keys = {r.replace("'", '"') for r in rules}
        assert keys and keys <= firing and keys <= silent


def test_a_promql_slo_reading_another_slos_raw_metric_is_proved_in_another_round(
    tmp_path: Path,
) -> None:
    ctx = Ctx(kinds().spec, 30, 60)
    assert any({"availability", "grpc"} <= set(r) for r in slo_rounds(ctx, kinds().plan.slos))
    text = KINDS.read_text(encoding="utf-8").replace(
        "rate(grpc_server_handled_total{$selector}[5m])",
        "rate(http_server_requests_seconds_count{$selector}[5m])",
    )
    (tmp_path / "spec.yaml").write_text(text, encoding="utf-8")
    spec = read_spec(tmp_path / "spec.yaml")[0]
    rounds = slo_rounds(Ctx(spec, 30, 60), slo_plans(spec))
    assert not any({"availability", "grpc"} <= set(r) for r in rounds)
    assert any("grpc" in r for r in rounds)


def test_gauge_counts_differ_between_prometheus_versions_only_by_the_sample_at_the_start() -> None:
    probe = Samples((1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1), 30)
    assert probe.counts(300, 300, 2) == (11, 2)  # [0s, 300s]: slots 0 to 10
    assert probe.counts(300, 300, 3) == (10, 2)  # (0s, 300s]: the sample at 0s was a 1
    assert probe.counts(330, 300, 2) == (11, 2)
    assert probe.counts(330, 300, 3) == (10, 1)  # the sample at 30s, a 0, is left out
    assert agreed([probe], 300, 300) == (None, 2)
    assert agreed([probe], 330, 300) == (None, None)
    assert agreed([probe], 60, 300) == (3, 1)  # before 5m: no sample at the start


def test_the_counted_gauge_scenario_feeds_excluded_probes_at_0_and_1_and_a_foreign_one_at_0() -> (
    None
):
    """An excluded probe at 0 proves the count leaves it out, one at 1 the sum of values
    (at 0 only, an exclusion lost from the sum would change nothing); the foreign probe,
    another job's, is left out of both."""
    (group,) = [g for g in groups(kinds()) if "gauge SLI probes: probe_success samples" in g.name]
    probes = {
        tuple(sorted(dict(s.labels).items())): expand(s.values)
        for s in group.series
        if s.metric == "probe_success"
    }
    excluded = [v for k, v in probes.items() if ("module", "tcp_connect") in k]
    foreign = [v for k, v in probes.items() if ("job", "not-ledger") in k]
    kept = [
        v
        for k, v in probes.items()
        if ("job", "ledger") in k and ("module", "tcp_connect") not in k
    ]
    assert len(excluded) == 2 and len(foreign) == 1 and len(kept) == 2
    assert {frozenset(v) for v in excluded} == {frozenset({Decimal(0)}), frozenset({Decimal(1)})}
    assert set(foreign[0]) == {Decimal(0)}
    assert {Decimal(0), Decimal(1)} == set(kept[0]) | set(kept[1])
    exprs = [e for e in group.exprs if ("slo", "=", "probes") in e.selector]
    absent = [e for e in exprs if not e.samples and e.within is None]
    assert {e.series for e in absent} == {cv.slo_requests("5m"), cv.slo_error_ratio("5m")}
    exact = [e for e in exprs if e.within is not None and e.series == cv.slo_errors("5m")]
    assert len(exact) >= 2 and any(e.within == (Decimal(0), Decimal(0)) for e in exact)


def test_windows_no_burn_alert_of_the_slo_reads_are_proved_by_value() -> None:
    """An SLO that tickets only, or has no alerts, still records the page windows: each is
    checked by value a fraction of a window after a change of rate and share, where a window
    half or twice as long reads another ratio (the ticket-only `success` of payments, the
    alert-less `latency-report` of slo-kinds)."""
    for build, slo in ((payments(), "success"), (kinds(), "latency-report")):
        (rules,) = [f for f in build.plan.rule_files if f.path == cv.SLO_FILE]
        # the services driven: those standing for the shared rules (the mapping maps the rest)
        plans = [p for p in standing_slos(rules, slo_plans(build.spec)) if p.slo == slo]
        assert plans and all(not any(b.long in ("1h", "6h") for b in p.burns) for p in plans)
        checked = {
            (dict((k, v) for k, _, v in c.selector)["service"], c.series)
            for g in groups(build)
            for c in g.exprs
            if "half or twice as long" in c.proves and ("slo", "=", slo) in c.selector
        }
        for p in plans:
            for window in ("30m", "1h", "2h", "6h"):
                assert (p.service, cv.slo_error_ratio(window)) in checked, (p.service, window)


def test_a_ratio_slo_from_raw_series_reads_nothing_from_left_out_events_then_zero() -> None:
    """payments' availability SLI excludes health checks, so it computes its own 5m rates
    from the raw series: its missing-data group feeds each service it drives excluded events
    and other jobs' events first (errors and requests absent), then events that are not
    errors (0 errors, absent again once they are out of the window)."""
    build = payments()
    group = next(
        g for g in groups(build) if "missing data in the SLO rates of availability" in g.name
    )
    (rules,) = [f for f in build.plan.rule_files if f.path == cv.SLO_FILE]
    # the services driven: those standing for the shared rules (the mapping maps the rest)
    standing = standing_slos(rules, slo_plans(build.spec))
    services = sorted(p.service for p in standing if p.slo == "availability")
    assert services
    errors = cv.slo_errors("5m")
    for service in services:
        fed = [
            dict(s.labels)
            for s in group.series
            if dict(s.labels).get("job") in (service, f"not-{service}")
        ]
        assert {s["job"] for s in fed} == {service, f"not-{service}"}
        assert any(s.get("uri", "").startswith("/actuator/health") for s in fed)
        mine = [
            c for c in group.exprs if c.series == errors and ("service", "=", service) in c.selector
        ]
        values = [(c.eval_time, [x.value for x in c.samples]) for c in mine]
        assert [v for _, v in values] == [[], [Decimal(0)], [], [Decimal(0)]], values


@pytest.mark.parametrize(
    ("slo", "before", "after"),
    [
        ("success", 'uri!~"/actuator/health.*", outcome="SUCCESS"', 'outcome="SUCCESS"'),
        ("latency", 'uri!~"/actuator/health.*", le="0.3"', 'le="0.3"'),
    ],
    ids=["good-ratio", "latency"],
)
def test_a_good_side_that_lost_its_exclusion_fails_the_steady_burn_test(
    slo: str, before: str, after: str, tmp_path: Path
) -> None:
    """Excluded good events are fed beside the counted ones (a health check that succeeds,
    or is fast): good events counted from them would lower the errors, and the steady burn
    test's alerts stop firing where they are predicted to."""
    out = FIXTURES / "slo-kinds" / "out"
    rules = ("prometheus/rules/recording.yml", cv.SLO_FILE)
    test = cv.test_file("slo")
    files = {p: (out / p).read_text() for p in (*rules, test)}
    doc = yaml.safe_load(files[test])
    doc["tests"] = [  # the steady burns of the SLO's round: the rest is proven elsewhere
        g
        for g in doc["tests"]
        if ": steady burn " in g["name"] and slo in g["name"].split(":")[0][5:].split(", ")
    ]
    assert doc["tests"]
    files[test] = yaml.safe_dump(doc, sort_keys=False)
    assert promtool_test(files, tmp_path / "as-generated", test, rules).returncode == 0
    assert files[cv.SLO_FILE].count(before) == 1
    edited = {**files, cv.SLO_FILE: files[cv.SLO_FILE].replace(before, after)}
    run = promtool_test(edited, tmp_path / "edited", test, rules)
    assert run.returncode != 0
    assert cv.slo_alert(slo) in run.stdout + run.stderr
