"""Plan the `promtool test rules` files that prove every alert of every rule file.

Per rule file with alerts, one test file per family of alerts: threshold and constant
alerts (`alerts.yml`), regression alerts, which need a day of history and so a coarser
evaluation step (`alerts-regression.yml`), and SLO burn-rate alerts (`slo.yml`). Scenarios
that feed different raw metrics share a test group, so promtool evaluates the rules as few
times as it can; the groups are evaluated in file order (promtool's own order is random).
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections import defaultdict
from collections.abc import Sequence

from generator.core import conventions as cv
from generator.core.numbers import format_duration
from generator.prometheus import HEALTH_KINDS, AlertRule, RuleFile, SLOPlan
from generator.promtest.boundary import threshold_scenarios
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, driven_services, seconds
from generator.promtest.custom import custom_scenarios
from generator.promtest.datastore import datastore_scenarios
from generator.promtest.health import health_scenarios
from generator.promtest.health_mapping import health_mapping_scenarios
from generator.promtest.http_rates import http_rate_scenarios
from generator.promtest.inputs import THRESHOLD_KINDS
from generator.promtest.mapping import mapping_scenarios
from generator.promtest.model import CaseError, RuleTestFile, RuleTestGroup
from generator.promtest.network import network_scenarios
from generator.promtest.node_ratios import node_ratio_scenarios
from generator.promtest.ranges import longest_range_s, spacing_within
from generator.promtest.regression import regression_scenarios, regression_step
from generator.promtest.regression_mapping import regression_mapping_scenarios
from generator.promtest.replicas import CONTAINER_KINDS, replica_scenarios
from generator.promtest.slo_long import INTERVAL_S as LONG_INTERVAL_S
from generator.promtest.slo_long import STEP_S as LONG_STEP_S
from generator.promtest.slo_mapping import slo_mapping_scenarios
from generator.promtest.slo_rounds import slo_round_scenarios
from generator.promtest.threshold import constant_scenario
from generator.spec import Spec

MAIN, REGRESSION, SLO = "main", "regression", "slo"
SLO_WINDOWS = "windows"
SLO_LONG = "long"
EXAMPLES = "examples"  # the spacing custom alerts' examples are written at: the scrape's
MINUTE = 60
SLOW_STEP = 240  # under the 5m lookback, at which a one-step-old read may be absent
# promtool evaluates every rule at every step: a minute (or the global interval, if slower)
# is fine enough for `for` durations of minutes and halves the time of a 30 s step.
# Evaluation steps a day of regression history may use: the coarsest dividing its windows.


PIN_HINT = (
    "no generated test can pin this alert's threshold and for as written: a rate read over "
    "5m moves for 5m after each step of the test's input, and the two Prometheus versions "
    "read the ramp differently (a `for` of 5m or more, or a latency threshold on a bucket "
    "boundary or with finer buckets around it, avoids that)"
)


def _family(kind: str) -> str:
    if kind == "slo":
        return SLO
    if kind == "regression":
        return REGRESSION
    return MAIN


def input_spacing(scrape: int) -> int:
    """Seconds between the samples of generated test inputs: the scrape interval when a 5m
    rate window holds a whole number of them, else the coarsest spacing under it that
    divides a minute (90s or 2m scrapes are fed every minute). The rules read the same
    windows either way; the rate model needs whole samples per window."""
    if RATE_WINDOW_S % scrape == 0:
        return scrape
    return max(d for d in range(1, MINUTE + 1) if MINUTE % d == 0 and d <= scrape)


def contexts(spec: Spec) -> dict[str, Ctx]:
    scrape = input_spacing(seconds(spec.prometheus.scrape_interval))
    evaluation = seconds(spec.prometheus.evaluation_interval)
    coarse = evaluation
    if spec.regression is not None:
        wait, compare = seconds(spec.regression.for_), seconds(spec.regression.compare)
        coarse = regression_step(wait, compare, evaluation)
    return {
        MAIN: Ctx(spec, scrape, max(evaluation, MINUTE)),
        REGRESSION: Ctx(spec, max(scrape, MINUTE), max(coarse, evaluation)),
        SLO: Ctx(spec, scrape, max(evaluation, MINUTE)),
        # hours of SLO inputs: a 5m step, as fine as the 5m rates it averages
        # hours of SLO inputs: a step finer than the 5m lookback with which alerts read
        # the ratios recorded by groups evaluated after them (at the previous step)
        SLO_WINDOWS: Ctx(spec, scrape, max(evaluation, SLOW_STEP)),
        SLO_LONG: Ctx(spec, LONG_INTERVAL_S, LONG_STEP_S),
    }


def slo_context(spec: Spec) -> Ctx:
    """Input spacing and evaluation step of the SLO tests (the catalogue's outage figures
    are computed with the same, so they are what the tests prove)."""
    return contexts(spec)[SLO]


def _scenarios(
    ctx: dict[str, Ctx], alerts: list[AlertRule], slos: Sequence[SLOPlan]
) -> dict[str, list[Scenario]]:
    by_name: dict[str, list[AlertRule]] = defaultdict(list)
    for alert in alerts:
        by_name[alert.alert].append(alert)
    out: dict[str, list[Scenario]] = defaultdict(list)
    slo_alerts = []
    for name, group in by_name.items():
        kinds = {a.kind for a in group}
        if len(kinds) != 1:
            raise CaseError(f"alerts named {name} watch different things ({', '.join(kinds)})")
        kind = kinds.pop()
        family = _family(kind)
        if family == SLO:
            slo_alerts += group
        elif family == REGRESSION:
            try:
                out[family] += regression_scenarios(ctx[family], name, group)
            except CaseError as exc:
                raise CaseError(str(exc), exc.field or ("regression",)) from None
        elif kind == "custom":
            # an example's values are one scrape interval apart, whatever the file's spacing
            examples = ctx[EXAMPLES]
            out[family] += [
                dataclasses.replace(s, interval_s=examples.interval_s)
                for s in custom_scenarios(examples, name, group)
            ]
        elif kind in HEALTH_KINDS:
            out[family] += health_scenarios(ctx[family], name, group)
        elif kind in THRESHOLD_KINDS and all(a.threshold is not None for a in group):
            try:
                out[family] += threshold_scenarios(ctx[family], name, group)
            except CaseError as exc:
                ramp = any(w in str(exc) for w in ("prints differently", "cannot tell"))
                text = f"{exc}; {PIN_HINT}" if ramp else str(exc)
                raise CaseError(text, ("alerts", kind)) from None
            if kind in CONTAINER_KINDS:
                out[family] += replica_scenarios(ctx[family], name, group)
        else:  # the Watchdog, and any alert without inputs to drive
            out[family].append(constant_scenario(ctx[family], name, group))
    if any(a.kind in THRESHOLD_KINDS for a in alerts):  # rates no alert reads, proved once
        driven = driven_services(ctx[MAIN].spec, alerts)
        out[MAIN] += network_scenarios(ctx[MAIN], driven)
        out[MAIN] += http_rate_scenarios(ctx[MAIN], driven)
        out[MAIN] += datastore_scenarios(ctx[MAIN])
        out[MAIN] += node_ratio_scenarios(ctx[MAIN], {a.kind for a in alerts})
    if slo_alerts:
        main, windows, long = slo_round_scenarios(
            ctx[SLO], ctx[SLO_WINDOWS], ctx[SLO_LONG], slos, slo_alerts
        )
        out[SLO] += main
        out[SLO_WINDOWS] += windows
        out[SLO_LONG] += long
    return out


def pack(scenarios: list[Scenario], ctx: Ctx) -> tuple[RuleTestGroup, ...]:
    """First fit: a scenario joins the first group none of whose scenarios feed its metrics."""
    bins: list[list[Scenario]] = []

    def spacing(scenario: Scenario) -> int:
        return scenario.interval_s or ctx.interval_s

    for scenario in scenarios:
        home = next(
            (
                b
                for b in bins
                if spacing(b[0]) == spacing(scenario)
                and all(not (s.metrics & scenario.metrics) for s in b)
            ),
            None,
        )
        if home is None:
            bins.append([scenario])
        else:
            home.append(scenario)
    return tuple(
        RuleTestGroup(
            name="; ".join(s.name for s in b),
            interval=format_duration(spacing(b[0]) * 1000),
            series=tuple(x for s in b for x in s.series),
            alerts=tuple(c for s in b for c in s.alerts),
            exprs=tuple(e for s in b for e in s.exprs),
        )
        for b in bins
    )


def _alone(found: dict[str, list[Scenario]], family: str, scenarios: list[Scenario]) -> None:
    """Add mapping scenarios feeding recorded series to `family`, each in a test group of its
    own: no other scenario there feeds the raw series the recording rules would write them
    from."""
    if scenarios:
        metrics = frozenset(m for s in found.get(family, ()) for m in s.metrics)
        found.setdefault(family, [])
        found[family] += [dataclasses.replace(s, metrics=s.metrics | metrics) for s in scenarios]


def standing_slos(rule_file: RuleFile, slos: Sequence[SLOPlan]) -> list[SLOPlan]:
    """The SLOs the tests of `rule_file` drive: those of its shared rules' chosen services
    (the mapping test maps every other service in), and every SLO no shared rule covers."""
    chosen = rule_file.chosen()
    # a shared SLO rule is one SLO's (its views share the `slo` label, which the rule keeps
    # as a label they have in common): others are skipped
    shared: set[tuple[str, str]] = set()
    for r in (r for g in rule_file.groups for r in g.rules):
        slo = dict(r.labels).get("slo") if r.views else None
        if slo is not None:
            shared.update((dict(v.labels)["service"], slo) for v in r.views)
    return [s for s in slos if s.service in chosen or (s.service, s.slo) not in shared]


def plan_tests(
    spec: Spec, rule_files: Sequence[RuleFile], slos: Sequence[SLOPlan]
) -> tuple[RuleTestFile, ...]:
    """Every test file: for each rule file with alerts, one per family of its alerts."""
    every = contexts(spec)
    recording = [f for f in rule_files if f.records() and not f.alerts()]
    files = []
    for rule_file in rule_files:
        if not rule_file.alerts():
            continue
        loaded = [*recording, *([] if rule_file in recording else [rule_file])]
        main = every[MAIN]
        spacing = spacing_within(main.interval_s, longest_range_s(loaded))
        ctx = {**every, MAIN: dataclasses.replace(main, interval_s=spacing), EXAMPLES: main}
        stem = posixpath.splitext(posixpath.basename(rule_file.path))[0]
        scenarios_of = _scenarios(ctx, rule_file.representatives(), standing_slos(rule_file, slos))
        if rule_file.path == cv.ALERTS_FILE:  # who each shared signal and alert belongs to
            shared = [r for r in rule_file.rules_alerting() if r.views]
            now = [r for r in shared if r.kind != "regression"]
            scenarios_of[MAIN] += mapping_scenarios(ctx[MAIN], now)
            then = [r for r in shared if r not in now]
            _alone(scenarios_of, REGRESSION, regression_mapping_scenarios(ctx[REGRESSION], then))
        if rule_file.path == cv.HEALTH_FILE:
            scenarios_of[MAIN] += health_mapping_scenarios(ctx[MAIN], rule_file)
        if rule_file.path == cv.SLO_FILE:
            _alone(scenarios_of, SLO, slo_mapping_scenarios(ctx[SLO], rule_file, slos))
        for family, scenarios in scenarios_of.items():
            name = stem if family in (MAIN, stem) else f"{stem}-{family}"
            path = cv.test_file(name)
            here = posixpath.dirname(path)
            files.append(
                RuleTestFile(
                    path=path,
                    rule_files=tuple(posixpath.relpath(f.path, here) for f in loaded),
                    evaluation_interval=format_duration(ctx[family].step_s * 1000),
                    group_eval_order=tuple(g.name for f in loaded for g in f.groups),
                    groups=pack(scenarios, ctx[family]),
                )
            )
    return tuple(sorted(files, key=lambda f: f.path))
