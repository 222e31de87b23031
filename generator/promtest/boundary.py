"""Behaviour tests of threshold alerts that pin their numbers: the threshold from both
sides and the `for` on both sides.

Per alert name and severity one timeline, every subject at once: the signal far on the
silent side of every threshold, then just short of the tested threshold (0.5 % of it, as
close as the 4-digit annotations can print) long enough that an alert 1 % off would have
fired (it stays silent), then just past it: silent one evaluation before the moment its
condition started to hold (rate ramp included, timeline.py) plus its `for`, firing at it.
A threshold 1 % off either way, a `for` halved or doubled, fails a check.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt, parse_duration
from generator.prometheus import AlertRule, quantiles
from generator.promtest.cases import (
    RATE_WINDOW_S,
    Ctx,
    Scenario,
    at,
    ceil_to,
    expected,
    seconds,
    within,
)
from generator.promtest.feeds import bucket_quantile, solve_histogram
from generator.promtest.inputs import (
    REQUEST_RATE,
    SHARE_KINDS,
    Driver,
    Feed,
    histogram_feed,
    threshold_driver,
)
from generator.promtest.model import (
    AlertCheck,
    CaseError,
    ExpectedAlert,
    ExprCheck,
    Sample,
    rule_key,
)
from generator.promtest.threshold import make_scenario, subject_feeds
from generator.promtest.timeline import State, Timeline, condition, fire_bounds, states

# How far past / short of a threshold the two test levels sit (relative), tried in turn
# until every check is predictable (no value on a tie, annotations alike in both versions).
GAPS = (Decimal("0.005"), Decimal("0.004"), Decimal("0.006"), Decimal("0.003"))
# The silent level the test starts at, x the nearest threshold, tried in turn; the last is
# for a percentile threshold on a histogram's first bucket, which no p99 can go far below.
FAR = (Decimal("0.5"), Decimal("0.6"), Decimal("0.75"), Decimal("0.9"), Decimal("0.99"))
PADS = (0, 1, 2, 3)  # evaluation steps the crossing of the threshold is put off, tried in turn
DIGITS = 4  # annotations print 4 significant digits: levels use no more


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(value.adjusted() - DIGITS + 1)).normalize()


def _levels(alert: AlertRule, gap: Decimal) -> tuple[Decimal, Decimal]:
    """(just past the threshold, just short of it)."""
    assert alert.threshold is not None
    t = alert.threshold
    up, down = _round(t * (1 + gap)), _round(t * (1 - gap))
    if alert.kind in SHARE_KINDS and up >= 1:
        if t >= 1:
            raise CaseError(f"{alert.alert}: a share cannot pass {fmt(t)}")
        up = _round((t + 1) / 2)
    return (up, down) if alert.direction == "above" else (down, up)


def _far(alerts: list[AlertRule], k: Decimal) -> Decimal:
    """A level on the silent side of every threshold: `k` times the nearest (or 1 / k)."""
    limits = [a.threshold for a in alerts if a.threshold is not None]
    if alerts[0].direction == "above":
        return _round(min(limits) * k)
    return _round(max(limits) / k)


def threshold_scenarios(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """One pinning timeline per severity of a threshold alert name (and per set of subjects
    whose thresholds and `for` are alike, so one timeline fits them all)."""
    driver = threshold_driver(ctx, alerts[0].kind)
    by_subject: dict[str, list[AlertRule]] = defaultdict(list)
    for alert in alerts:
        by_subject[alert.label("service")].append(alert)
    classes: dict[tuple[tuple[str, str, str, str], ...], list[str]] = defaultdict(list)
    for subject, mine in sorted(by_subject.items()):
        shape = sorted(
            (a.label("severity"), fmt(a.threshold or 0), a.direction or "", a.for_) for a in mine
        )
        classes[tuple(shape)].append(subject)
    scenarios = []
    for severity in sorted({a.label("severity") for a in alerts}):
        for levels, subjects in classes.items():
            if all(level != severity for level, *_ in levels):
                continue  # the level is off for these subjects (an override)
            group = {s: by_subject[s] for s in subjects}
            scenarios.append(_pinned(ctx, name, severity, group, driver))
    return scenarios


def _pinned(
    ctx: Ctx, name: str, severity: str, group: dict[str, list[AlertRule]], driver: Driver
) -> Scenario:
    failure = CaseError(f"{name} {severity}: no test levels")
    # levels at which the condition's start is known (`for` pinned to one evaluation) first;
    # else the tightest bracket the ramp allows (1m inputs read 5 or 4 samples per window)
    # then the same with the threshold crossed a few steps later: another level's alert,
    # crossed in the ramp to the silent level, may turn at a check in one version only
    for pad, loose, gap, k in itertools.product(PADS, (False, True), GAPS, FAR):
        try:
            return _attempt(ctx, name, severity, group, driver, gap, k, loose, pad)
        except CaseError as exc:
            failure = exc
    raise failure


def _attempt(
    ctx: Ctx,
    name: str,
    severity: str,
    group: dict[str, list[AlertRule]],
    driver: Driver,
    gap: Decimal,
    k: Decimal,
    loose: bool,
    pad: int,
) -> Scenario:
    tested: dict[str, AlertRule] = {}
    for subject, mine in group.items():
        tier = [a for a in mine if a.label("severity") == severity]
        if len(tier) != 1:
            raise CaseError(f"{name}: {subject} has {len(tier)} {severity} rules")
        tested[subject] = tier[0]
    ref = next(iter(tested.values()))
    past, short = _levels(ref, gap)
    far = _far(next(iter(group.values())), k)
    wait = seconds(ref.for_)
    grid = math.lcm(ctx.step_s, ctx.interval_s)
    first = ceil_to(RATE_WINDOW_S, ctx.step_s)  # the first evaluation with a full window
    s2 = ceil_to(first + ctx.step_s, grid)
    # just short of the threshold long enough that an alert 1 % off would fire
    s3 = ceil_to(s2 + RATE_WINDOW_S + wait + ctx.step_s + pad * ctx.step_s, grid)
    horizon = s3 + RATE_WINDOW_S + wait + 2 * ctx.step_s
    phases = [(0, far), (s2, short), (s3, past)]
    feeds = subject_feeds(ctx, driver, {s: phases for s in group}, horizon)
    timeline = {s: Timeline(ctx, feeds[s], (0, s2, s3)) for s in group}
    state = {
        rule_key(a): (states(ctx, a, timeline[s], first, horizon), s, a)
        for s, mine in group.items()
        for a in mine
    }
    for st, _, a in state.values():
        if condition(a, st[first].values) is not False:
            raise CaseError(f"{name}: {fmt(far)} is not on the silent side of {a.alert}")
    bounds = {fire_bounds(state[rule_key(a)][0], a, s3) for a in tested.values()}
    if len(bounds) != 1:
        raise CaseError(f"{name}: subjects alike start to fire at different times")
    # the last evaluation surely before the condition has held for `for`, the first surely at
    # or after it: one evaluation apart unless the ramp reads differently in the versions
    before, fire_at = bounds.pop()
    if fire_at - before != ctx.step_s and not loose:
        raise CaseError(f"{name}: the model cannot tell when its condition starts to hold")
    every = [a for mine in group.values() for a in mine]
    short_s, past_s = fmt(short), fmt(past)
    checks = [
        (s3, False, f"{severity} silent with the signal just short of its threshold ({short_s})"),
        (
            before,
            False,
            f"{severity} silent one evaluation before its for ({at(wait)}) has "
            f"passed since the signal ({past_s}) crossed its threshold"
            if fire_at - before == ctx.step_s
            else f"{severity} silent at the last evaluation its for ({at(wait)}) surely has "
            f"not passed since the signal ({past_s}) crossed its threshold (the 5m rate "
            f"reads the ramp across it differently in Prometheus 2 and 3 until {at(fire_at)})",
        ),
        (fire_at, True, f"{severity} fires once its condition has held for its for"),
    ]
    if before <= s3:  # fires at the first evaluation past the threshold: s3 is the one before
        del checks[1]
    out: list[AlertCheck] = []
    named: list[ExprCheck] = []
    for when, firing, proves in checks:
        for a in tested.values():
            if state[rule_key(a)][0][when].firing is not firing:
                raise CaseError(f"{name}: {severity} is not {'firing' if firing else 'silent'}")
        try:
            out.append(_check(when, name, every, state, feeds, proves))
        except PrintsDifferently:
            # mid-ramp, the versions print $value apart: which alerts fire is still pinned
            # (ALERTS, labels only), and the annotations are checked once the rate settles
            named.append(_firing_series(when, name, state, feeds, proves))
            if firing:
                out.append(_settled(ctx, when, horizon, name, every, state, feeds))
    # the inputs run to the last evaluation checked
    last = max([fire_at, *(parse_duration(c.eval_time) // 1000 for c in out)])
    feeds = subject_feeds(ctx, driver, {s: phases for s in group}, last)
    title = (
        f"{name} {severity}: {fmt(far)}, then {short_s} and {past_s} ({fmt(ref.threshold or 0)})"
    )
    scenario = make_scenario(title, feeds, out)
    exprs = tuple(named)
    if ref.kind == "latency":
        exprs += tuple(c for s in group for c in _quantile_checks(ctx, s, short, s3))
    return Scenario(scenario.name, scenario.metrics, scenario.series, scenario.alerts, exprs)


class PrintsDifferently(CaseError):
    """A firing alert's annotations print differently in Prometheus 2 and 3 at a check."""


def _firing_series(
    when: int,
    name: str,
    state: dict[str, tuple[dict[int, State], str, AlertRule]],
    feeds: dict[str, Feed],
    proves: str,
) -> ExprCheck:
    """The alerts firing at `when` as their ALERTS series, exactly: labels, no annotations."""
    samples = []
    for _, (st, subject, alert) in sorted(state.items()):
        if st[when].firing:
            mine = {**dict(feeds[subject].labels), **dict(alert.labels)}
            mine |= {"alertname": alert.alert, "alertstate": "firing"}
            samples.append(Sample("ALERTS", tuple(sorted(mine.items())), Decimal(1)))
    selector = (("alertname", "=", name), ("alertstate", "=", "firing"))
    why = f"{proves} (which alerts fire: their values print alike only once the 5m rate settles)"
    return ExprCheck("ALERTS", selector, at(when), tuple(samples), why)


def _settled(
    ctx: Ctx,
    fired: int,
    horizon: int,
    name: str,
    every: list[AlertRule],
    state: dict[str, tuple[dict[int, State], str, AlertRule]],
    feeds: dict[str, Feed],
) -> AlertCheck:
    """The firing check with annotations at the first evaluation after `fired` at which the
    same alerts fire and both versions print them alike."""
    firing = {k for k, (st, _, _) in state.items() if st[fired].firing}
    for when in range(fired + ctx.step_s, horizon + 1, ctx.step_s):
        if {k for k, (st, _, _) in state.items() if st[when].firing} != firing:
            break
        try:
            return _check(
                when, name, every, state, feeds, "still firing, its annotations as both print"
            )
        except PrintsDifferently:
            continue
    raise PrintsDifferently(f"{name}: its annotations never print alike in Prometheus 2 and 3")


def _quantile_checks(ctx: Ctx, subject: str, level: Decimal, when: int) -> list[ExprCheck]:
    """Every latency percentile a service records that no alert reads (p99 for dashboards),
    within 0.1 % of what the buckets fed (solved for the alert's percentile) make it."""
    assert ctx.spec.alerts.latency is not None
    alerted = ctx.spec.alerts.latency.percentile
    bounds = list(ctx.spec.metrics[ctx.spec.signals.duration].buckets or ())
    shares = solve_histogram(level, alerted / 100, bounds)
    _, fed = histogram_feed(ctx, subject, [(0, [REQUEST_RATE * x for x in shares])], 0)
    checks = []
    for percentile in quantiles(ctx.spec):
        if percentile == alerted:
            continue
        value = bucket_quantile(percentile / 100, bounds, fed[0])
        spread = value * Decimal("0.001")
        checks.append(
            ExprCheck(
                cv.quantile(ctx.spec.signals.duration, fmt(percentile)),
                (("service", "=", subject),),
                at(when),
                (),
                f"p{fmt(percentile)} of the buckets fed: {fmt(_round(value))}",
                within(value, spread),
            )
        )
    return checks


def _check(
    when: int,
    name: str,
    every: list[AlertRule],
    state: dict[str, tuple[dict[int, State], str, AlertRule]],
    feeds: dict[str, Feed],
    proves: str,
) -> AlertCheck:
    """The alerts firing at `when`, each with its annotations as both versions print them."""
    firing: list[ExpectedAlert] = []
    for key, (st, subject, alert) in sorted(state.items()):
        now = st[when]
        if now.firing is None:
            raise CaseError(f"{name}: the model cannot tell whether {key} fires at {at(when)}")
        if now.firing:
            seen = {expected(alert, feeds[subject].labels, v) for v in now.values}
            if len(seen) != 1:
                raise PrintsDifferently(f"{name}: {key} prints differently in Prometheus 2 and 3")
            firing.append(seen.pop())
    keys = {rule_key(a) for a in every}
    fired = {k for k, (st, _, _) in state.items() if st[when].firing}
    return AlertCheck(
        at(when),
        name,
        tuple(sorted(firing, key=lambda e: (e.labels, e.annotations))),
        proves,
        tuple(sorted(fired)),
        tuple(sorted(keys - fired)),
    )
