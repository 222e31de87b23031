"""How a ratio SLO's own 5m rates read missing data, for SLIs computed from the raw series
(those with `exclude` matchers, `good` matchers or their own errors; the others copy the
recorded service rates, which health_presence.py proves the same way).

Their rules read `sum(rate(errors)) or 0 * sum(rate(requests))` (a `good` SLI: requests
minus `good or 0 * requests`): the fallback alone decides, when no event is an error (or
none is good), whether 0 or nothing is recorded. Each service of the round is fed, first,
only events its SLI leaves out (excluded ones) and a stranger for each label of its
selector (the same events with that one label changed): nothing is recorded, where a
fallback or a requests selector that lost that matcher would record something. Then two
rate windows of events that are not errors (a `good` SLI: not good) at one per second:
0 errors (every event bad: 1) while they are in the window, still 0 (a `good` SLI: some
rate) while the last is in the 5m window but not in half of it, and nothing once it is out
of the window but not of twice it: the fallback's window.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.prometheus import SLOPlan, app_stranger
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, within
from generator.promtest.health_cases import raw_series
from generator.promtest.health_presence import straddle
from generator.promtest.model import CaseError, ExprCheck, InputSeries, Sample, Segment
from generator.promtest.slo_feed import Labels, copies, feed_labels
from generator.spec import sli_metric


def missing_slo_scenarios(ctx: Ctx, slos: Sequence[SLOPlan]) -> list[Scenario]:
    """The scenario for the ratio SLOs of one round (no two read one metric of a service)."""
    mine = [s for s in slos if s.kind == "ratio" and not copies(ctx.spec, s)]
    run = ceil_to(2 * RATE_WINDOW_S, ctx.step_s)
    inside = straddle(ctx, RATE_WINDOW_S // 2, RATE_WINDOW_S)
    outside = straddle(ctx, RATE_WINDOW_S, 2 * RATE_WINDOW_S)
    series: list[InputSeries] = []
    checks: list[ExprCheck] = []
    for s in mine:
        assert s.definition is not None and s.definition.sli.ratio is not None
        metric = sli_metric(ctx.spec, s.definition)
        assert metric is not None
        try:
            kept, left_out = feed_labels(ctx.spec, s)
        except CaseError:
            continue  # no event can be both fed and not an error: nothing to show here
        ramp = Segment(Decimal(0), Decimal(ctx.interval_s), run // ctx.interval_s)
        gap = Segment(Decimal(0), Decimal(0), run // ctx.interval_s - 1, missing=True)
        strangers = [_stranger(kept, k) for k in sorted(ctx.spec.services[s.service].selector)]
        for labels in [*([left_out] if left_out else []), *strangers]:
            series.append(raw_series(metric, dict(labels), ramp))
        series.append(raw_series(metric, dict(kept), gap, ramp))
        bad = Decimal(0) if s.definition.sli.ratio.errors else Decimal(1)
        what = "0 errors" if not bad else "every event bad"
        wanted: list[tuple[str, int, Decimal | None, str]] = [
            (cv.slo_errors("5m"), run - ctx.step_s, None, "only excluded and other jobs' events"),
            (cv.slo_requests("5m"), run - ctx.step_s, None, "only excluded and other jobs' events"),
            (cv.slo_errors("5m"), 2 * run, bad, f"events, none an error: {what}"),
            (cv.slo_requests("5m"), 2 * run, Decimal(1), "one event per second"),
        ]
        if outside is not None:
            why = f"last events {at(outside)} ago, out of the 5m window: absent, not 0"
            wanted.append((cv.slo_errors("5m"), 2 * run + outside, None, why))
        recorded = (("service", s.service), ("slo", s.slo), ("tier", s.tier))
        sel = tuple(s.selector())
        for name, when, value, proves in wanted:
            samples = () if value is None else (Sample(name, recorded, value),)
            checks.append(ExprCheck(name, sel, at(when), samples, proves))
        if inside is not None:
            when, why = 2 * run + inside, f"last events {at(inside)} ago, in the 5m window"
            if not bad:
                sample = Sample(cv.slo_errors("5m"), recorded, bad)
                checks.append(ExprCheck(cv.slo_errors("5m"), sel, at(when), (sample,), why))
            else:  # the rate of the last minute's events, extrapolated: between 0 and 1
                why += ": every event bad, some rate under 1"
                part = within(Decimal("0.5"), Decimal("0.49"))
                checks.append(ExprCheck(cv.slo_errors("5m"), sel, at(when), (), why, part))
    if not checks:
        return []
    names = ", ".join(sorted({s.slo for s in mine}))
    return [
        Scenario(
            f"missing data in the SLO rates of {names}: left-out events read nothing",
            frozenset(x.metric for x in series),
            tuple(series),
            (),
            tuple(checks),
        )
    ]


def _stranger(labels: Labels, label: str) -> Labels:
    """`labels` with the value of `label` changed (an event of no service's selector)."""
    return tuple(sorted(app_stranger(dict(labels), label).items()))
