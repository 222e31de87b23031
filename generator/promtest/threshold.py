"""Behaviour tests of threshold, regression and constant alerts.

Per alert name and severity two scenarios: the watched signal steady just past the
threshold (10 % beyond it, or halfway to a neighbouring threshold, or to 100 % for shares,
when nearer) proves the alert fires after its `for` and is still silent one step before;
steady just short of the threshold (the same rule, downwards) proves it stays silent.
Regression alerts get one timeline: a day at a baseline, then just under the regression
threshold, then past it. Constant alerts (the Watchdog) fire with no input at all.
Expected alerts list every alert of the name, all subjects at once, so the checks are exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.prometheus import AlertRule
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, expected, seconds
from generator.promtest.feeds import Phase
from generator.promtest.inputs import (
    REQUEST_RATE,
    SHARE_KINDS,
    Driver,
    Feed,
    error_ratio_driver,
    latency_with_traffic,
    threshold_driver,
    throughput,
)
from generator.promtest.model import AlertCheck, CaseError, rule_key

NEAR = Decimal("0.01")  # a value this close to a threshold (relative) proves nothing


def _holds(alert: AlertRule, value: Decimal, base: Decimal = Decimal(1)) -> bool:
    """Whether `value` is past the alert's threshold (x `base` for regressions), with margin."""
    assert alert.threshold is not None
    limit = alert.threshold * base
    if abs(value - limit) <= abs(limit) * NEAR:
        raise CaseError(f"{alert.alert}: test level {fmt(value)} is too close to {fmt(limit)}")
    return value > limit if alert.direction == "above" else value < limit


def _levels(alert: AlertRule, others: list[Decimal]) -> tuple[Decimal, Decimal]:
    """(past the threshold, just short of it): 10 % either side, or halfway to a neighbouring
    threshold of the same signal (`others`) or to 100 % for shares, when that is nearer."""
    assert alert.threshold is not None
    t = alert.threshold
    above, below = t * Decimal("1.1"), t * Decimal("0.9")
    ceilings = [o for o in others if t < o < above * (1 + 2 * NEAR)]
    if alert.kind in SHARE_KINDS:
        ceilings.append(Decimal(1))
    if ceilings and min(ceilings) <= above * (1 + 2 * NEAR):
        above = (t + min(ceilings)) / 2
    floors = [o for o in others if below * (1 - 2 * NEAR) < o < t]
    if floors:
        below = (t + max(floors)) / 2
    return (above, below) if alert.direction == "above" else (below, above)


def _feeds(
    ctx: Ctx, driver: Driver, subjects: dict[str, list[Phase]], end_s: int
) -> dict[str, Feed]:
    return {s: driver(ctx, s, phases, end_s) for s, phases in sorted(subjects.items())}


def _scenario(name: str, feeds: dict[str, Feed], checks: list[AlertCheck]) -> Scenario:
    series = tuple(s for feed in feeds.values() for s in feed.series)
    return Scenario(name, frozenset(s.metric for s in series), series, tuple(checks))


def _check(
    when: int,
    name: str,
    alerts: Sequence[AlertRule],
    firing: Sequence[tuple[AlertRule, Feed, Decimal]],
    proves: str,
) -> AlertCheck:
    fired = {rule_key(a) for a, _, _ in firing}
    exp = tuple(
        sorted(
            (expected(a, feed.labels, value) for a, feed, value in firing),
            key=lambda e: (e.labels, e.annotations),
        )
    )
    silent = tuple(sorted(rule_key(a) for a in alerts if rule_key(a) not in fired))
    return AlertCheck(at(when), name, exp, proves, tuple(sorted(fired)), silent)


def threshold_scenarios(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """Fire and silent scenarios for every severity of a threshold alert name."""
    driver = threshold_driver(ctx, alerts[0].kind)
    by_subject: dict[str, list[AlertRule]] = defaultdict(list)
    for alert in alerts:
        by_subject[alert.label("service")].append(alert)
    scenarios = []
    for severity in sorted({a.label("severity") for a in alerts}):
        for fire in (True, False):
            levels = {}
            for subject, mine in by_subject.items():
                tier = [a for a in mine if a.label("severity") == severity]
                if len(tier) != 1:
                    raise CaseError(f"{name}: {subject} has {len(tier)} {severity} rules")
                others = [a.threshold for a in mine if a.threshold is not None]
                levels[subject] = _levels(tier[0], others)[0 if fire else 1]
            scenarios.append(_tier_scenario(ctx, name, severity, fire, levels, by_subject, driver))
    return scenarios


def _tier_scenario(
    ctx: Ctx,
    name: str,
    severity: str,
    fire: bool,
    levels: dict[str, Decimal],
    by_subject: dict[str, list[AlertRule]],
    driver: Driver,
) -> Scenario:
    steady = {s: [(0, v)] for s, v in levels.items()}
    probe = _feeds(ctx, driver, steady, 0)
    every = [a for mine in by_subject.values() for a in mine]
    holding = [
        (a, probe[s], probe[s].values[0])
        for s, mine in by_subject.items()
        for a in mine
        if _holds(a, probe[s].values[0])
    ]
    tested = [a for a in every if a.label("severity") == severity]
    fors = [seconds(a.for_) for a, _, _ in holding] or [seconds(tested[0].for_)]
    settled = ceil_to(ctx.settle_s + max(fors), ctx.step_s) + ctx.step_s
    word = "past" if fire else "just short of"
    checks = [
        _check(
            settled,
            name,
            every,
            holding,
            f"{severity} {'fires after' if fire else 'stays silent even after'} its for "
            f"with the signal steady {word} its threshold",
        )
    ]
    early = ceil_to(seconds(tested[0].for_), ctx.step_s) - ctx.step_s
    if fire and early >= 0:
        before = _before_for(ctx, early, every, holding)
        if before is not None:
            checks.insert(
                0,
                _check(early, name, every, before, f"{severity} is still silent before its for"),
            )
    feeds = _feeds(ctx, driver, steady, settled)
    shown = "/".join(sorted({fmt(v) for v in levels.values()}))
    return _scenario(f"{name} {severity} {word} the threshold ({shown})", feeds, checks)


def _before_for(
    ctx: Ctx,
    early: int,
    every: list[AlertRule],
    holding: list[tuple[AlertRule, Feed, Decimal]],
) -> list[tuple[AlertRule, Feed, Decimal]] | None:
    """What fires at `early` (one step before the tested `for`), or None when that depends
    on how fast the inputs settle: an alert may only be pending (its `for` is longer than
    `early`) or surely firing (its condition held, and `for` passed, since settling)."""
    held = {rule_key(a) for a, _, _ in holding}
    for alert in every:
        wait = seconds(alert.for_)
        if not (early < wait or (rule_key(alert) in held and early >= ctx.settle_s + wait)):
            return None
    return [h for h in holding if early >= ctx.settle_s + seconds(h[0].for_)]


def regression_scenarios(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """One timeline per regression alert name: baseline day, just short of it, past it; and
    for an alert with a floor, one proving the floor keeps it silent after a clean day."""
    reg = ctx.spec.regression
    assert reg is not None
    sig = ctx.spec.signals
    traffic = max(REQUEST_RATE, 2 * reg.min_request_rate)
    series = alerts[0].series
    driver: Driver
    floor: Decimal | None = alerts[0].expr.args.get("floor")
    if series == cv.quantile(sig.duration, "95"):
        driver = latency_with_traffic(Decimal(95), traffic)
        bounds = ctx.spec.metrics[sig.duration].buckets or ()
        base = ctx.spec.baseline.latency_p95 if ctx.spec.baseline else (bounds[0] + bounds[1]) / 2
    elif series == cv.requests_rate(sig.requests):
        driver, base = throughput, traffic
    elif series == cv.error_ratio(sig.requests):
        driver = error_ratio_driver(traffic)
        base = 2 * floor if floor else Decimal("0.01")
    else:
        raise CaseError(f"{name}: no test driver for a regression of {series}")
    alert = alerts[0]
    assert alert.threshold is not None
    to_limit = alert.threshold
    fire_k, short_k = (Decimal("1.1"), Decimal("0.9"))
    if alert.direction == "below":
        fire_k, short_k = short_k, fire_k
    compare, wait = seconds(reg.compare), seconds(alert.for_)
    hold = ceil_to(ctx.settle_s + wait, ctx.step_s) + ctx.step_s
    phases = [
        (0, base),
        (compare, base * to_limit * short_k),
        (compare + hold, base * to_limit * fire_k),
    ]
    subjects = {a.label("service"): phases for a in alerts}
    end = compare + 2 * hold
    feeds = _feeds(ctx, driver, subjects, end)
    for a in alerts:
        feed = feeds[a.label("service")]
        if _holds(a, feed.values[1], feed.values[0]) or not _holds(
            a, feed.values[2], feed.values[0]
        ):
            raise CaseError(f"{name}: regression test levels do not straddle the threshold")
    firing = [(a, feeds[a.label("service")], feeds[a.label("service")].values[2]) for a in alerts]
    pre = compare + hold + ceil_to(wait, ctx.step_s) - ctx.step_s
    checks = [
        _check(compare + hold - ctx.step_s, name, alerts, [], "silent just short of the threshold"),
        _check(pre, name, alerts, [], "silent before its for, once past the threshold"),
        _check(end, name, alerts, firing, "fires after its for once past the threshold"),
    ]
    scenarios = [
        _scenario(f"{name}: a day at {fmt(base)}, then short of and past it", feeds, checks)
    ]
    if floor:
        scenarios.append(_under_floor(ctx, name, alerts, driver, floor, end))
    return scenarios


def _under_floor(
    ctx: Ctx, name: str, alerts: list[AlertRule], driver: Driver, floor: Decimal, end: int
) -> Scenario:
    """A day without errors, then errors at half the floor: any error is "higher than a day
    ago", and the floor alone keeps the alert silent."""
    assert ctx.spec.regression is not None
    compare, level = seconds(ctx.spec.regression.compare), floor / 2
    feeds = _feeds(
        ctx, driver, {a.label("service"): [(0, Decimal(0)), (compare, level)] for a in alerts}, end
    )
    check = _check(end, name, alerts, [], "silent under its error-ratio floor after a clean day")
    return _scenario(
        f"{name}: a day without errors, then {fmt(level)}, under its floor", feeds, [check]
    )


def constant_scenario(ctx: Ctx, name: str, alerts: list[AlertRule]) -> Scenario:
    """Alerts with no input (the Watchdog): they fire once their `for` has passed."""
    when = ceil_to(max(seconds(a.for_) for a in alerts), ctx.step_s) + ctx.step_s
    exp = tuple(
        sorted(
            (expected(a, (), Decimal(1)) for a in alerts), key=lambda e: (e.labels, e.annotations)
        )
    )
    keys = tuple(sorted(rule_key(a) for a in alerts))
    check = AlertCheck(at(when), name, exp, "fires with no input at all", keys, ())
    return Scenario(f"{name}: always firing", frozenset(), (), (check,))
