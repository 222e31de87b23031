"""Behaviour tests of regression alerts that pin their numbers.

One timeline per case, a case per service (a scenario per case, every service playing every
case once, so each service's own guard constants are straddled): a first half-day
at a baseline, a second half-day 10 % off it (where a comparison `offset` by half the period
would look), then just short of the regression threshold x the baseline (0.5 % inside it),
then just past it. The main case proves the ratio from both sides and the `for` on both
sides; guard cases hold the traffic of now or of one period ago just under the minimum
request rate (silent: the guard alone holds the alert back) or just over it (fires); the
traffic of one period ago holds for the first half of that period only (then it is well over
the minimum), so a guard reading another `offset` fires where it must not; the error ratio's
floor gets the same straddle. Expected states follow the rules' arithmetic
with the rate ramp of both Prometheus versions (timeline.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from generator.core import conventions as cv
from generator.prometheus import AlertRule
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, expected, seconds
from generator.promtest.inputs import (
    REQUEST_RATE,
    Driver,
    Feed,
    error_ratio_driver,
    latency_with_traffic,
    throughput,
)
from generator.promtest.model import AlertCheck, CaseError, ExpectedAlert, rule_key
from generator.promtest.timeline import TIE, State, Timeline, fire_bounds, states_of

GAP = Decimal("0.005")
COARSE_STEPS = (1800, 900, 600, 300, 120, 60)  # test steps tried, coarsest first
DRIFT = Decimal("0.1")  # the second half-day sits this far off the baseline

# A compare too short against the `for` leaves no test to make: where and why, for the user.
FIELD = ("regression", "compare")
HINT = (
    "no generated test can prove it as written: with a compare this short against its for, "
    "the test's reads one compare ago reach its own last phases (the rule would compare "
    "the regression with itself); a longer compare or a shorter for avoids that"
)


@dataclass(frozen=True)
class Case:
    """One service's part: traffic then (the compared period) and now, the baseline, and
    whether the alert should fire."""

    what: str
    then: Decimal
    now: Decimal
    base: Decimal
    fires: bool = True  # whether the alert fires past the threshold (False: a guard holds)


def _kind(ctx: Ctx, alert: AlertRule) -> str:
    sig = ctx.spec.signals
    if alert.series == cv.quantile(sig.duration, "95"):
        return "latency"
    if alert.series == cv.requests_rate(sig.requests):
        return "throughput"
    if alert.series == cv.error_ratio(sig.requests):
        return "errors"
    raise CaseError(f"{alert.alert}: no test driver for a regression of {alert.series}")


def _cases(ctx: Ctx, alert: AlertRule, kind: str) -> list[Case]:
    reg = ctx.spec.regression
    assert reg is not None
    least = reg.min_request_rate
    ok = max(REQUEST_RATE, 2 * least)
    lo, hi = least * (1 - GAP), least * (1 + GAP)
    if kind == "latency":
        bounds = ctx.spec.metrics[ctx.spec.signals.duration].buckets or ()
        base = ctx.spec.baseline.latency_p95 if ctx.spec.baseline else (bounds[0] + bounds[1]) / 2
    elif kind == "errors":
        floor = alert.expr.args.get("floor")
        base = 2 * floor if floor else Decimal("0.01")
    else:
        base = ok
    cases = [Case("the threshold from both sides", ok, ok, base)]
    if kind == "throughput":  # the signal is the traffic: the guard reads its baseline
        cases += [Case("baseline traffic just under", lo, lo, lo, False)]
        cases += [Case("baseline traffic just over", hi, hi, hi)]
    else:
        cases += [Case("traffic now just under the minimum", ok, lo, base, False)]
        cases += [Case("traffic a period ago just under", lo, ok, base, False)]
        cases += [Case("traffic just over the minimum", hi, hi, base)]
    floor = alert.expr.args.get("floor")
    if kind == "errors" and floor:
        # past it x the threshold stays under the floor until it is passed: a base of half
        # the floor, whose limit (the base x the threshold) stays at most 0.9 of the floor,
        # clear of the levels straddling it, also where the threshold is a ratio near 2
        assert alert.threshold is not None
        low = min(floor / 2, floor * Decimal("0.9") / alert.threshold)
        cases += [Case("just under the error floor", ok, ok, low)]
    return cases


def _driver(ctx: Ctx, kind: str, case: Case, plan: _Plan) -> Driver:
    """The case's traffic of one period ago holds for the first half of that period only,
    around the times the guard's `offset` reads; from half a period on the traffic is
    comfortably over the minimum, so a guard reading any other offset lets the alert fire."""
    reg = ctx.spec.regression
    assert reg is not None
    ok = max(REQUEST_RATE, 2 * reg.min_request_rate)
    traffic = [(0, case.then), *_drift(plan, ok), (plan.compare, case.now)]
    if kind == "latency":
        return latency_with_traffic(Decimal(95), traffic)
    if kind == "errors":
        return error_ratio_driver(traffic)
    return throughput


def regression_scenarios(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """The cases of a regression alert name, every case for every service: each service's
    rule holds its own guard and floor constants, so each needs each guard straddled. One
    scenario per case, rotated (a Latin square): in scenario k, service i plays case i + k."""
    kind = _kind(ctx, alerts[0])
    cases = _cases(ctx, alerts[0], kind)
    n = len(cases)
    return [
        _scenario(
            ctx, name, kind, cases[0], [(a, cases[(i + k) % n]) for i, a in enumerate(alerts)]
        )
        for k in range(n)
    ]


@dataclass(frozen=True)
class _Plan:
    """The phase starts shared by every case of a regression alert."""

    compare: int
    half: int
    short_at: int
    past_at: int
    horizon: int


def _plan(ctx: Ctx, alert: AlertRule, hold: int) -> _Plan:
    """Phase starts, the just-short phase held `hold` past its 5m window."""
    reg = ctx.spec.regression
    assert reg is not None
    compare, wait = seconds(reg.compare), seconds(alert.for_)
    grid = math.lcm(ctx.step_s, ctx.interval_s)
    past_at = ceil_to(compare + RATE_WINDOW_S + hold + 2 * ctx.step_s, grid)
    horizon = past_at + RATE_WINDOW_S + wait + 2 * ctx.step_s
    # the drift starts at half a period, or later when a short period's reads one period
    # ago (up to horizon - compare) reach it; with under 5m left of the period, none
    half = max(ceil_to(compare // 2, grid), ceil_to(horizon - compare + ctx.step_s, grid))
    return _Plan(compare, half, compare, past_at, horizon)


def _drift(plan: _Plan, level: Decimal) -> list[tuple[int, Decimal]]:
    """The drifted phase from half a period on, if at least 5m of the period is left."""
    return [(plan.half, level)] if plan.compare - plan.half >= RATE_WINDOW_S else []


def _phases(alert: AlertRule, case: Case, kind: str, plan: _Plan) -> list[tuple[int, Decimal]]:
    """Baseline, drifted half-day, just short of the limit, just past it."""
    assert alert.threshold is not None
    above = alert.direction == "above"
    drift = 1 + DRIFT if above else 1 - DRIFT
    short_k, past_k = (1 - GAP, 1 + GAP) if above else (1 + GAP, 1 - GAP)
    limit = alert.threshold * case.base
    floor = alert.expr.args.get("floor")
    if kind == "errors" and floor and limit < floor:
        limit = floor  # the floor decides: straddle it
    return [
        (0, case.base),
        *_drift(plan, case.base * drift),
        (plan.short_at, limit * short_k),
        (plan.past_at, limit * past_k),
    ]


class _ReadsItself(CaseError):
    """The main case's reads one compare ago reach its own last phases."""


def _holds(wait: int) -> tuple[int, int]:
    """How long past its 5m window the just-short phase holds, tried in turn: the `for`, so
    a threshold 1 % off fires in it; else nothing, where that would leave the test reading
    its own phases one compare later (a threshold 1 % off then fires before the silent
    check one evaluation ahead of the `for`, which catches it instead)."""
    return wait, 0


def _ends_within_compare(compare: int, wait: int, hold: int, step: int) -> bool:
    """Whether the just-short phase (5m and `hold`) and the past one (5m and `for`), firing
    up to a step later, end within one compare, with the steps `_plan` leaves between them."""
    return 2 * RATE_WINDOW_S + hold + wait + 3 * step < compare


def regression_step(wait: int, compare: int, evaluation: int) -> int:
    """The test's evaluation step: the coarsest dividing `for` and `compare` and at most half
    the `for` (a `for` halved then fires by the evaluation before the one `for` fires at: k
    steps halved are at most k - 1 for k >= 2; a week compared is evaluated 15m apart, not
    1m), finer where the coarsest would leave the phases no room within one compare."""
    steps = [s for s in COARSE_STEPS if 2 * s <= wait and wait % s == 0 and compare % s == 0]
    fitting = (
        s for hold in _holds(wait) for s in steps if _ends_within_compare(compare, wait, hold, s)
    )
    return next(fitting, steps[0] if steps else evaluation)


def _scenario(
    ctx: Ctx, name: str, kind: str, main_case: Case, assigned: list[tuple[AlertRule, Case]]
) -> Scenario:
    """The main case's timeline with each hold of the just-short phase in turn."""
    refused = CaseError(f"{name}: no regression timeline", FIELD)
    for hold in _holds(seconds(assigned[0][0].for_)):
        try:
            return _scenario_on(
                ctx, name, kind, main_case, assigned, _plan(ctx, assigned[0][0], hold)
            )
        except _ReadsItself as exc:
            refused = CaseError(str(exc), FIELD)
    raise refused


def _scenario_on(
    ctx: Ctx,
    name: str,
    kind: str,
    main_case: Case,
    assigned: list[tuple[AlertRule, Case]],
    plan: _Plan,
) -> Scenario:
    ref = assigned[0][0]
    wait = seconds(ref.for_)
    first = plan.compare + ceil_to(RATE_WINDOW_S + ctx.step_s, ctx.step_s)

    def run(alert: AlertRule, case: Case, end: int) -> tuple[Feed, Timeline]:
        phases = _phases(alert, case, kind, plan)
        feed = _driver(ctx, kind, case, plan)(ctx, alert.label("service"), phases, end)
        return feed, Timeline(ctx, feed, tuple(s for s, _ in phases))

    # when the main case fires times every case's checks (a guard case mirrors it)
    main = _states(
        ctx, ref, main_case, kind, run(ref, main_case, plan.horizon)[1], first, plan.horizon
    )
    # The condition may start at an evaluation the two Prometheus versions read differently
    # (the ramp into the last phase): then the silent check is the last evaluation the alert
    # surely does not fire at, a few before the first it surely fires at.
    refused = _ReadsItself(f"{name}: the model cannot tell when the regression starts; {HINT}")
    try:
        silent_at, fire_at = fire_bounds(main, ref, plan.past_at)
    except CaseError:
        raise refused from None
    if fire_at - ceil_to(wait, ctx.step_s) < plan.past_at:
        raise refused
    unsure = silent_at < fire_at - ctx.step_s
    if fire_at - silent_at > max(ctx.step_s, RATE_WINDOW_S):
        raise CaseError(f"{name}: the main case does not fire as planned")
    feeds, state = {}, {}
    for alert, case in assigned:
        feed, timeline = run(alert, case, fire_at)
        feeds[alert.label("service")] = feed
        st = _states(ctx, alert, case, kind, timeline, first, fire_at)
        state[rule_key(alert)] = (st, alert)
    times = [
        (plan.past_at, "silent just short of the threshold (or a guard's limit)"),
        (
            silent_at,
            "silent while its for may not have passed (Prometheus 2 and 3 read the ramp's "
            "first evaluations differently)"
            if unsure
            else "silent one evaluation before its for has passed",
        ),
        (fire_at, "fires once past it for its for, unless a guard alone holds it back"),
    ]
    checks = [_check(name, when, proves, state, feeds) for when, proves in times]
    series = tuple(x for feed in feeds.values() for x in feed.series)
    shown = "; ".join(f"{a.label('service')}: {c.what}" for a, c in assigned)
    return Scenario(f"{name}: {shown}", frozenset(x.metric for x in series), series, tuple(checks))


def _states(
    ctx: Ctx, alert: AlertRule, case: Case, kind: str, timeline: Timeline, first: int, last: int
) -> dict[int, State]:
    reg = ctx.spec.regression
    assert reg is not None and alert.threshold is not None
    compare = seconds(reg.compare)
    least = reg.min_request_rate
    floor = alert.expr.args.get("floor")
    t = alert.threshold

    def probe(when: int) -> tuple[bool | None, tuple[Decimal, ...]]:
        now = timeline.values(when)
        then = timeline.values(when - compare)
        guards = case.then >= least and (kind == "throughput" or case.now >= least)
        if kind == "throughput":
            guards = min(then) >= least
        seen = set()
        for v in now:
            for b in then:
                limit = t * b
                if abs(v - limit) <= abs(limit) * TIE or (floor and abs(v - floor) <= floor * TIE):
                    return None, now
                ratio = v > limit if alert.direction == "above" else v < limit
                seen.add(ratio and guards and (not floor or v > floor))
        return (seen.pop() if len(seen) == 1 else None), now

    return states_of(ctx, seconds(alert.for_), probe, first, last)


def _check(
    name: str,
    when: int,
    proves: str,
    state: dict[str, tuple[dict[int, State], AlertRule]],
    feeds: dict[str, Feed],
) -> AlertCheck:
    firing: list[ExpectedAlert] = []
    fired = set()
    for key, (st, alert) in sorted(state.items()):
        if st[when].firing is None:
            raise CaseError(f"{name}: the model cannot tell whether {key} fires at {at(when)}")
        if st[when].firing:
            feed = feeds[alert.label("service")]
            seen = {expected(alert, feed.labels, v) for v in st[when].values}
            if len(seen) != 1:
                raise CaseError(f"{name}: {key} prints differently in Prometheus 2 and 3")
            firing.append(seen.pop())
            fired.add(key)
    return AlertCheck(
        at(when),
        name,
        tuple(sorted(firing, key=lambda e: (e.labels, e.annotations))),
        proves,
        tuple(sorted(fired)),
        tuple(sorted(set(state) - fired)),
    )
