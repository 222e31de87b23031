"""Behaviour tests of the SLO burn-rate alerts (docs/slo.md), predicted by slo_sim.

One scenario per test group, every service and both SLOs at once:
- steady error shares 0.5 % under and over each alert's threshold (factor x budget): each
  alert is proved silent just under its own factor and firing just over it; the first also
  checks the recorded values no alert reads (slo_values.py);
- a total outage after an hour of clean traffic: pages within minutes (4 at most at 99.9 %);
- bursts proving the 1h windows by when the alert fires and resolves (slo_windows.py);
- low traffic, every request failing: below `min_events` no page fires;
- no traffic at all: no alert, error ratios absent (not NaN), budget remaining 1.
At a coarser step (plan.py): the min-events guard straddled for the 1h and 6h windows and
the burst proving the 6h windows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.core.numbers import fmt
from generator.prometheus import AlertRule, BurnAlertPlan, SLOPlan, labels
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, expected, seconds
from generator.promtest.feeds import rounded
from generator.promtest.inputs import REQUEST_RATE, Traffic
from generator.promtest.model import AlertCheck, CaseError, ExprCheck, Sample, rule_key
from generator.promtest.slo_feed import slo_feed
from generator.promtest.slo_outage import OUTAGE_AFTER_S, detections, outage_slos
from generator.promtest.slo_sim import Model, lagged_fires
from generator.promtest.slo_sim import Traffic as SimTraffic
from generator.promtest.slo_values import value_checks
from generator.promtest.slo_windows import window_scenarios

STEADY_CHECK_S = 600  # steady scenarios: every ratio holds its level from the first sample
SHIFT_TRIES = 5  # steps a check may move to where the model is sure of every alert
FINE_WINDOW_S = 3600  # long windows proved at the SLO tests' own step; longer ones coarser
MAX_WINDOW_S = 6 * 3600  # longer windows would take promtool minutes of evaluations
STRADDLE = Decimal("0.005")  # steady burns sit this far (relative) either side of a threshold


def _ladder(slo: SLOPlan) -> list[Decimal]:
    """Error shares just under and just over each alert's threshold (factor x budget), as
    close as the annotations' digits allow: a factor 1 % off either way flips a check."""
    levels = []
    for threshold in sorted({sm.approx(b.threshold) for b in slo.burns}):
        for k in (1 - STRADDLE, 1 + STRADDLE):
            level = _round(threshold * k)
            if 0 < level < 1:
                levels.append(level)
    return levels


def _lagged(burn: BurnAlertPlan) -> bool:
    """Whether the alert reads a window recorded by a group evaluated after its own: it
    sees that window's value of the previous evaluation (prometheus/slo.py's groups)."""
    mine = sm.SPEEDS.index(sm.ALERT_SPEED[burn.severity])
    return any(sm.SPEEDS.index(sm.WINDOW_SPEED[w]) > mine for w in (burn.long, burn.short))


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1).scaleb(value.adjusted() - 3)).normalize()


def _low_rate(slos: Sequence[SLOPlan]) -> Decimal:
    """Requests/s too few for any page: half of min_events over the longest page window,
    cut to one significant digit."""
    longs = [b.long for s in slos for b in s.burns if b.severity == sm.PAGE]
    longest = max(sm.seconds(x) for x in longs or [b.long for s in slos for b in s.burns])
    rate = Decimal(min(s.min_events for s in slos)) / (2 * longest)
    unit = Decimal(1).scaleb(rate.adjusted())
    return (rate // unit) * unit


class Builder:
    """Feeds, models and checks of one scenario."""

    def __init__(self, ctx: Ctx, slos: Sequence[SLOPlan], alerts: Sequence[AlertRule]) -> None:
        self.ctx, self.slos = ctx, slos
        self.rules = {
            (a.label("service"), a.label("slo"), a.label("long_window")): a for a in alerts
        }
        self.names = sorted({a.alert for a in alerts})
        self.verdicts: dict[tuple[int, BurnAlertPlan, int, int], bool | None] = {}
        self.exact: dict[tuple[str, str, str], bool] = {}  # states known without the model
        self.timed: dict[tuple[str, str, str, int], bool] = {}  # the same, at one time only

    def build(
        self,
        name: str,
        traffic: Mapping[tuple[str, str], Traffic],
        times: Sequence[tuple[int, str]],
        exprs: tuple[ExprCheck, ...] = (),
        exact: Mapping[tuple[str, str, str], bool] | None = None,
        per_name: Mapping[str, Sequence[tuple[int, str]]] | None = None,
    ) -> Scenario:
        """Feeds `traffic`, checks every alert name at `times` (or at its own `per_name`
        times) as the model predicts, or as `exact` states (service, slo, long window)."""
        timed = {n: (per_name or {}).get(n, times) for n in self.names}
        end = max(t for mine in timed.values() for t, _ in mine)
        self.exact = dict(exact or {})
        # services of a tier see the same traffic: one model each, simulated once
        shared: dict[tuple[tuple[int, float, float], ...], Model] = {}
        models = {}
        for key, phases in traffic.items():
            floats = tuple((s, float(r), float(e)) for s, r, e in phases)
            if floats not in shared:
                shared[floats] = Model(SimTraffic(floats), self.ctx.step_s, self.ctx.interval_s)
            models[key] = shared[floats]
        self.verdicts.clear()  # keyed by model identity: only this scenario's models
        series = []
        for slo in self.slos:
            series += slo_feed(self.ctx, slo, traffic[(slo.service, slo.slo)], end)
        checks = [
            c
            for n in self.names
            for t, proves in timed[n]
            if (c := self._check(n, t, models, proves))
        ]
        metrics = frozenset(s.metric for s in series)
        return Scenario(name, metrics, tuple(series), tuple(checks), exprs)

    def steady(
        self, name: str, shares: Mapping[tuple[str, str], Decimal], values: bool = False
    ) -> Scenario:
        """Every SLO at a steady error share from the start: every ratio, over any window,
        is that share exactly (bad and all requests are sampled alike), so each alert fires
        exactly when the share is over its threshold (the traffic is far above min_events)."""
        series = []
        for slo in self.slos:
            phases = [(0, REQUEST_RATE, shares[(slo.service, slo.slo)])]
            series += slo_feed(self.ctx, slo, phases, STEADY_CHECK_S)
        checks = []
        for when, proves in self._steady_times():
            for alert_name in self.names:
                checks.append(self._steady_check(alert_name, shares, when, proves))
        metrics = frozenset(x.metric for x in series)
        exprs = value_checks(self.ctx, self.slos, shares, STEADY_CHECK_S) if values else ()
        return Scenario(name, metrics, tuple(series), tuple(checks), exprs)

    def guard(self, long: str, side: str, k: Decimal) -> Scenario:
        """Every request failing at `k` times the traffic that fills the `long` window with
        exactly min_events requests: the alerts over that window fire just over and stay
        silent just under (others as the model predicts). Checked once that window holds
        only full 5m rates, so the recorded request rate is the rate fed, exactly."""
        span = sm.seconds(long)
        rates = {
            (s.service, s.slo): _round(Decimal(s.min_events) / span * k)
            for s in self.slos
            if any(b.long == long for b in s.burns)
        }
        # one step more: the alert may read the window's rate as recorded a step before
        when = ceil_to(span + RATE_WINDOW_S, self.ctx.step_s) + self.ctx.step_s
        zero = [(0, Decimal(0), Decimal(0))]
        traffic = {
            (s.service, s.slo): [(0, rates[key], Decimal(1))] if key in rates else zero
            for s in self.slos
            if (key := (s.service, s.slo))
        }
        exact = {}
        for s in self.slos:
            key = (s.service, s.slo)
            if key in rates:
                fed = rounded(rates[key] * self.ctx.interval_s) / self.ctx.interval_s
                exact[(s.service, s.slo, long)] = fed * span >= s.min_events
        events = min(s.min_events for s in self.slos)
        proves = f"{long} alerts fire just over {events} requests in {long}, silent just under"
        name = f"every request bad, traffic {side} {events} requests in {long}"
        return self.build(name, traffic, [(when, proves)], exact=exact)

    def _steady_times(self) -> list[tuple[int, str]]:
        """The first two evaluations with data (when a burn from the start begins to fire,
        for alerts that read their windows at once and a step late), and a later one."""
        times = [(STEADY_CHECK_S, "fires just over its threshold, silent just under it")]
        step = self.ctx.step_s
        if self.ctx.interval_s <= step < STEADY_CHECK_S // 2:
            times[:0] = [
                (
                    step,
                    "the first evaluation with data: fires at once over its threshold "
                    "(for 0s), unless it reads a window recorded after it",
                ),
                (2 * step, "one evaluation later: those too, reading the previous step"),
            ]
        return times

    def _steady_check(
        self, name: str, shares: Mapping[tuple[str, str], Decimal], when: int, proves: str
    ) -> AlertCheck:
        mine = [(s, b) for s in self.slos for b in s.burns if b.alert == name]
        firing: list[AlertRule] = []
        quiet: list[AlertRule] = []
        for s, burn in mine:
            rule = self.rules[(s.service, s.slo, burn.long)]
            fed = REQUEST_RATE * sm.seconds(burn.long)
            if fed < 2 * s.min_events:
                raise CaseError(
                    f"{name}: min_events {s.min_events} cannot be proved: the generated tests "
                    f"feed {fmt(REQUEST_RATE)} requests/s, {fmt(fed)} in the {burn.long} "
                    f"window, and show the alert past its guard with twice min_events; "
                    f"up to {fmt(fed / 2)} can be",
                    ("slos", s.slo, "min_events"),
                )
            over = shares[(s.service, s.slo)] > sm.approx(burn.threshold)
            since = self.ctx.step_s * (2 if _lagged(burn) else 1)
            fires = over and when >= since + ceil_to(seconds(rule.for_), self.ctx.step_s)
            (firing if fires else quiet).append(rule)
        exp = tuple(sorted((expected(a, (), None) for a in firing), key=lambda e: e.labels))
        fired = tuple(sorted(rule_key(a) for a in firing))
        return AlertCheck(
            at(when), name, exp, proves, fired, tuple(sorted(rule_key(a) for a in quiet))
        )

    def _check(
        self, name: str, second: int, models: dict[tuple[str, str], Model], proves: str
    ) -> AlertCheck | None:
        mine = [(s, b) for s in self.slos for b in s.burns if b.alert == name]
        for shift in range(SHIFT_TRIES + 1):
            when = second + shift * self.ctx.step_s
            states = {
                (s.service, s.slo, b.long): self.exact.get(
                    (s.service, s.slo, b.long), self._fires(models[(s.service, s.slo)], b, s, when)
                )
                for s, b in mine
            }
            if None not in states.values():
                break
        else:
            return None
        firing = [self.rules[key] for key, on in states.items() if on]
        exp = tuple(sorted((expected(a, (), None) for a in firing), key=lambda e: e.labels))
        keys = {rule_key(self.rules[key]) for key in states}
        fired = {rule_key(a) for a in firing}
        return AlertCheck(
            at(when), name, exp, proves, tuple(sorted(fired)), tuple(sorted(keys - fired))
        )

    def model(self, phases: Traffic) -> Model:
        """The model of one SLO's traffic."""
        floats = tuple((s, float(r), float(e)) for s, r, e in phases)
        return Model(SimTraffic(floats), self.ctx.step_s, self.ctx.interval_s)

    def _fires(self, model: Model, burn: BurnAlertPlan, slo: SLOPlan, when: int) -> bool | None:
        """`fires`, asked once per shared model, alert and time in a scenario."""
        known = self.timed.get((slo.service, slo.slo, burn.long, when))
        if known is not None:
            return known
        key = (id(model), burn, slo.min_events, when)
        if key not in self.verdicts:
            self.verdicts[key] = lagged_fires(self.ctx.step_s, model, burn, slo.min_events, when)
        return self.verdicts[key]


def slo_scenarios(ctx: Ctx, slos: Sequence[SLOPlan], alerts: Sequence[AlertRule]) -> list[Scenario]:
    """Every SLO scenario, each for all services and SLOs together."""
    b = Builder(ctx, slos, alerts)
    scenarios = []
    ladders = {(s.service, s.slo): _ladder(s) for s in slos}
    for k in range(max(len(v) for v in ladders.values())):
        shares: dict[tuple[str, str], Decimal] = {}
        shown: dict[str, set[str]] = {}
        for s in slos:
            ladder = ladders[(s.service, s.slo)]
            shares[(s.service, s.slo)] = ladder[min(k, len(ladder) - 1)]
            shown.setdefault(s.slo, set()).add(fmt(shares[(s.service, s.slo)] / s.budget) + "x")
        text = ", ".join(f"{kind} {'/'.join(sorted(v))}" for kind, v in sorted(shown.items()))
        scenarios.append(b.steady(f"steady burn {k + 1}: {text}", shares, values=k == 0))
    down = outage_slos(slos)
    if down:
        scenarios.append(_outage(b, ctx, slos, down))
    scenarios += window_scenarios(b, lambda span: span <= FINE_WINDOW_S)
    low = _low_rate(slos)
    scenarios.append(
        b.build(
            f"low traffic: {fmt(low)} req/s, every request bad",
            {(s.service, s.slo): [(0, low, Decimal(1))] for s in slos},
            [(STEADY_CHECK_S, f"no page below {min(s.min_events for s in slos)} requests/window")],
        )
    )
    idle = {(s.service, s.slo): [(0, Decimal(0), Decimal(0))] for s in slos}
    scenarios.append(
        b.build("no traffic", idle, [(STEADY_CHECK_S, "no traffic, no alert")], _idle_exprs(slos))
    )
    return scenarios


def _outage(b: Builder, ctx: Ctx, slos: Sequence[SLOPlan], down: Sequence[SLOPlan]) -> Scenario:
    """A total outage of `down` after an hour of clean traffic: pages within minutes."""
    strictest = down[0].objective
    outage: dict[tuple[str, str], Traffic] = {
        (s.service, s.slo): [(0, REQUEST_RATE, Decimal(0))] for s in slos
    }
    for s in down:
        outage[(s.service, s.slo)] = [
            (0, REQUEST_RATE, Decimal(0)),
            (OUTAGE_AFTER_S, REQUEST_RATE, Decimal(1)),
        ]
    before = OUTAGE_AFTER_S - ctx.step_s
    times = [(before, "clean traffic: silent")]
    times += [
        (t, f"{at(t - OUTAGE_AFTER_S)} into the outage: it pages; clean services stay silent")
        for t in sorted(set(detections(ctx, down)))
    ]
    services = ", ".join(s.service for s in down)
    return b.build(
        f"total outage of {services} ({fmt(strictest)}%) after {at(OUTAGE_AFTER_S)} clean",
        outage,
        times,
    )


def window_slo_scenarios(
    ctx: Ctx, slos: Sequence[SLOPlan], alerts: Sequence[AlertRule]
) -> list[Scenario]:
    """Bursts proving the windows longer than an hour, at a coarser step (plan.py)."""
    b = Builder(ctx, slos, alerts)
    return window_scenarios(b, lambda span: FINE_WINDOW_S < span <= MAX_WINDOW_S)


def guard_slo_scenarios(
    ctx: Ctx, slos: Sequence[SLOPlan], alerts: Sequence[AlertRule]
) -> list[Scenario]:
    """The min-events guard of every long window up to MAX_WINDOW_S at just under and just
    over, each checked once its window holds only full 5m rates (longer windows would take
    days of evaluations at the step the alerts need: they are left to the model)."""
    b = Builder(ctx, slos, alerts)
    longs = sorted(
        {x.long for s in slos for x in s.burns if sm.seconds(x.long) <= MAX_WINDOW_S},
        key=sm.seconds,
    )
    return [
        b.guard(long, side, k)
        for long in longs
        for side, k in (("just under", 1 - STRADDLE), ("just over", 1 + STRADDLE))
    ]


def _idle_exprs(slos: Sequence[SLOPlan]) -> tuple[ExprCheck, ...]:
    checks = []
    for s in slos:
        sel = tuple(s.selector())
        checks.append(
            ExprCheck(cv.slo_error_ratio("1h"), sel, at(STEADY_CHECK_S), (), "no ratio, not NaN")
        )
        mine = labels(service=s.service, slo=s.slo, tier=s.tier)
        one = Sample(cv.SLO_BUDGET_REMAINING, mine, Decimal(1))
        checks.append(
            ExprCheck(cv.SLO_BUDGET_REMAINING, sel, at(STEADY_CHECK_S), (one,), "budget untouched")
        )
    return tuple(checks)
