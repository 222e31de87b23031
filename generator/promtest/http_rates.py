"""Value tests of the recorded HTTP rates of every service: its requests per second, its
errors per second and their ratio, each only its own service's (dashboards, the throughput
alert and the SLOs that copy them read them).

One timeline for every service at once. At first only strangers are fed: per label of a
service's selector, error requests whose one label differs (another job): nothing is
recorded, where a selector that lost that matcher, or an errors fallback `or 0 * ...` that
did, would record their rate or a 0. Then the service's own good and error requests at one
rate each: the recorded rates are those rates once the 5m window holds only them (an errors
selector that lost its status matcher would count the good requests too). Then both change:
4 minutes later the 5m rate mixes the two phases (within the band of Prometheus 2's and 3's
readings, not the new rate a 2m30s window reads), and once 5m have passed it is the new rate
alone (not the mix a 10m window still reads).
"""

from __future__ import annotations

from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.prometheus import app_labels, app_stranger
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, within
from generator.promtest.feeds import Phase, counter
from generator.promtest.inputs import _sorted, status_labels
from generator.promtest.model import ExprCheck, InputSeries, Sample, Segment

# (good, error) requests/s before and after the change: small integers, whose rates
# Prometheus 2 computes exactly in floats; the error ratios 1/4 and 3/8 are exact too
PHASES = ((Decimal(3), Decimal(1)), (Decimal(5), Decimal(3)))
STRANGER = Decimal(100)  # error requests/s of another job: counted, it moves every value
AFTER_S = 240  # into the second phase: a 5m window mixes both, a 2m30s one does not
TOLERANCE = Decimal("0.001")  # widening of the band of the two versions' mixed readings
FLOAT_NOISE = Decimal("0.000001")  # relative: a steady rate that reads inexactly in floats


def _exact(value: Decimal, interval_s: int) -> bool:
    """Whether both Prometheus versions compute a steady rate of `value` exactly in floats:
    Prometheus 2 reads the increase over [t - 5m, t] / 5m, Prometheus 3 the one over
    (t - 5m, t] extrapolated to 5m (at a 15 s spacing 1/s reads 0.9999999999999999)."""
    whole = float(value * RATE_WINDOW_S)
    part = float(value * (RATE_WINDOW_S - interval_s))
    v2 = whole * (1.0 / RATE_WINDOW_S)
    v3 = part * (RATE_WINDOW_S / (RATE_WINDOW_S - interval_s) / RATE_WINDOW_S)
    return v2 == v3 == float(value)


def _mixed(ctx: Ctx, old: Decimal, new: Decimal, after: int) -> tuple[Decimal, Decimal]:
    """The band of a 5m rate `after` seconds into `new` from `old`, as Prometheus 2 (the
    increments of [t - 5m, t]) and 3 (those of (t - 5m, t], extrapolated) read it."""
    fresh = after // ctx.interval_s
    reads = []
    for count in (RATE_WINDOW_S // ctx.interval_s, RATE_WINDOW_S // ctx.interval_s - 1):
        reads.append((old * (count - fresh) + new * fresh) / count)
    low, high = min(reads), max(reads)
    return within((low + high) / 2, (high - low) / 2 + high * TOLERANCE)


def _series(
    metric: str, labels: dict[str, str], start: int, rates: list[Phase], end: int, iv: int
) -> InputSeries:
    """A counter with no samples before `start`, then growing at each phase's rate."""
    shifted = [(s - start, r) for s, r in rates]
    fed, _ = counter(metric, _sorted(labels), shifted, end - start, iv)
    if not start:
        return fed
    gap = Segment(Decimal(0), Decimal(0), start // iv - 1, missing=True)
    return InputSeries(fed.metric, fed.labels, (gap, *fed.values))


def http_rate_scenarios(ctx: Ctx, services: list[str]) -> list[Scenario]:
    """The request, error and ratio rates of `services`: strangers alone, then a change (the
    recording rules are shared, the mapping test maps every other service in)."""
    spec, iv, step = ctx.spec, ctx.interval_s, ctx.step_s
    start = ceil_to(RATE_WINDOW_S, step)  # strangers alone until then
    steady = ceil_to(start + ctx.settle_s, step)
    change = ceil_to(start + 2 * RATE_WINDOW_S, step)  # a 10m window after it reads only phases
    mixed = ceil_to(change + AFTER_S, step)
    settled = ceil_to(change + ctx.settle_s, step)
    if start % iv or change % iv or not RATE_WINDOW_S // 2 < mixed - change < RATE_WINDOW_S - iv:
        return []
    good_labels, bad_labels = status_labels(ctx)
    metric = spec.signals.requests
    requests, errors = cv.requests_rate(metric), cv.errors_rate(metric)
    ratio = cv.error_ratio(metric)
    series: list[InputSeries] = []
    checks: list[ExprCheck] = []
    for name in services:
        service = spec.services[name]
        own = app_labels(spec, name)
        for label in sorted(service.selector):
            other = app_stranger(own | bad_labels, label)
            series.append(_series(metric, other, 0, [(0, STRANGER)], settled, iv))
        for extra, index in ((good_labels, 0), (bad_labels, 1)):
            rates = [(start, PHASES[0][index]), (change, PHASES[1][index])]
            series.append(_series(metric, own | extra, start, rates, settled, iv))
        mine = (("service", name), ("tier", service.tier))
        sel = (("service", "=", name),)
        wanted: list[tuple[str, int, Decimal | None, str, bool]] = []
        why = "only other jobs' error requests: nothing recorded, not their rate nor 0"
        wanted += [(r, start - step, None, why, True) for r in (requests, errors, ratio)]
        for when, (good, bad), what in ((steady, PHASES[0], "first"), (settled, PHASES[1], "then")):
            shown = f"{fmt(good)} good and {fmt(bad)} error requests/s over 5m ({what})"
            both = _exact(good + bad, iv) and _exact(bad, iv)
            wanted += [
                (requests, when, good + bad, f"{shown}: their sum, no other job's", both),
                (errors, when, bad, f"{shown}: the errors alone, no other job's", both),
                (ratio, when, bad / (good + bad), f"{shown}: errors / requests", both),
            ]
        for recorded, when, v, proves, exact in wanted:
            if v is None or exact:
                exp = () if v is None else (Sample(recorded, mine, v),)
                checks.append(ExprCheck(recorded, sel, at(when), exp, proves))
            else:  # float noise of one version: a band far narrower than any mutant's change
                band = within(v, v * FLOAT_NOISE)
                checks.append(ExprCheck(recorded, sel, at(when), (), proves, band))
        (g1, b1), (g2, b2) = PHASES
        for recorded, old, new in ((requests, g1 + b1, g2 + b2), (errors, b1, b2)):
            band = _mixed(ctx, old, new, mixed - change)
            proves = (
                f"{at(mixed - change)} after {fmt(old)} -> {fmt(new)}/s: the 5m rate mixes both"
            )
            checks.append(ExprCheck(recorded, sel, at(mixed), (), proves, band))
    if not checks:
        return []
    return [
        Scenario(
            "HTTP rates: strangers alone, then a change of rate",
            frozenset({metric}),
            tuple(series),
            (),
            tuple(checks),
        )
    ]
