"""The *counted* scenario of a gauge SLI (slo_gauge.py): two targets per service, one always
at 1, one at 0 at every other sample for four minutes, an excluded and a foreign series at
0 and an excluded one at 1; its 5m rates checked exactly where both Prometheus versions
count alike, then nothing recorded once every series has stopped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from generator.core import conventions as cv
from generator.prometheus import SLOPlan, app_labels
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, within
from generator.promtest.model import CaseError, ExprCheck, InputSeries
from generator.promtest.slo_gauge_model import VERSIONS, Samples, agreed
from generator.promtest.slo_gauge_series import ProbeLabels, Values, held, probe_series

BURST_S = 240  # zeros at every other sample for 4 minutes: over half a 5m window
PHASES = (1, 2)  # the burst's first zero: the first sample after its start, else the second
TOLERANCE = Decimal("0.000001")  # relative: counts over 300 are exact, floats round them


def _burst(until_s: int, interval_s: int, at_s: int, phase: int) -> Values:
    """1, but 0 at every other sample of the burst from `at_s` (the `phase`th one after it)."""
    values = held(until_s, interval_s, 1)
    for k in range(at_s // interval_s + phase, (at_s + BURST_S) // interval_s + 1, 2):
        values[k] = 0
    return tuple(values)


def _value_check(slo: SLOPlan, series: str, second: int, value: Fraction, proves: str) -> ExprCheck:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return ExprCheck(
        series, tuple(slo.selector()), at(second), (), proves, within(exact, exact * TOLERANCE)
    )


def _zeros_at(
    ctx: Ctx, candidates: range, probes: Sequence[Samples], apart: Sequence[int]
) -> tuple[int, int] | None:
    """The first step among `candidates` whose zeros over 5m both Prometheus versions agree
    on, and that a range of each length in `apart` counts otherwise; with the zeros."""
    for second in candidates:
        if second % ctx.step_s:
            continue
        now = agreed(probes, second, RATE_WINDOW_S)[1]
        if now is None:
            continue
        others = [
            sum(p.counts(second, span, v)[1] for p in probes) for span in apart for v in VERSIONS
        ]
        if now not in others:
            return second, now
    return None


@dataclass(frozen=True)
class _Timeline:
    """When the counted scenario's checks happen at the evaluation step of `ctx`."""

    burst_at: int  # the first evaluation from which the 5m window holds samples only
    phase: int  # the burst's first zero: the phase-th sample after burst_at
    early: int | None  # an evaluation before 5m: every sample so far counted
    inside: tuple[int, int] | None  # (evaluation, zeros) with the whole burst within 5m
    leaving: tuple[int, int]  # (evaluation, zeros) with part of the burst gone
    probes: tuple[Samples, Samples]

    @property
    def stop(self) -> int:
        """The last sample: at the last value check."""
        return self.leaving[0]

    def gone(self, step: int) -> int:
        """An evaluation at which the 5m window holds no sample any more."""
        return ceil_to(self.stop + RATE_WINDOW_S + 1, step)


def _timeline(ctx: Ctx) -> _Timeline:
    """The first burst phase for which an evaluation pins the window as the burst leaves
    it: an evaluation whose window starts on a zero is counted differently by the two
    Prometheus versions, so at some spacings and steps the burst must start a sample later."""
    interval, step = ctx.interval_s, ctx.step_s
    at_s = ceil_to(RATE_WINDOW_S, step)
    until = at_s + BURST_S + 2 * RATE_WINDOW_S
    end = at_s + BURST_S
    spans = [RATE_WINDOW_S // 2, RATE_WINDOW_S * 2]
    for phase in PHASES:
        probes = (
            Samples(tuple(held(until, interval, 1)), interval),
            Samples(_burst(until, interval, at_s, phase), interval),
        )
        leaving = _zeros_at(
            ctx, range(at_s + RATE_WINDOW_S + 1, end + RATE_WINDOW_S), probes, spans
        )
        if leaving is not None:
            inside = _zeros_at(
                ctx, range(end, at_s + RATE_WINDOW_S + 1), probes, [RATE_WINDOW_S // 2]
            )
            early = (RATE_WINDOW_S - 1) // step * step
            return _Timeline(
                at_s, phase, early if early >= interval else None, inside, leaving, probes
            )
    raise CaseError(f"no evaluation at a {step}s step pins the gauge SLI's 5m window")


def counted_scenario(ctx: Ctx, name: str, slos: Sequence[SLOPlan]) -> Scenario:
    """Samples counted, zeros bad, excluded (at 0 and at 1) and other series left out,
    absence absent."""
    spec, interval = ctx.spec, ctx.interval_s
    line = _timeline(ctx)
    values = [
        tuple(held(line.stop, interval, 1)),
        _burst(line.stop, interval, line.burst_at, line.phase),
    ]
    zeros = held(line.stop, interval, 0)
    taken = [v for s in slos for v in spec.services[s.service].selector.values()]
    series: list[InputSeries] = []
    checks: list[ExprCheck] = []
    for slo in slos:
        assert slo.definition is not None and slo.definition.sli.gauge is not None
        metric = slo.definition.sli.gauge.metric
        chosen = ProbeLabels(app_labels(spec, slo.service), slo, taken)
        series += [probe_series(metric, t, v) for t, v in zip(chosen.targets, values, strict=True)]
        series += [
            probe_series(metric, x, zeros) for x in (chosen.excluded(), chosen.foreign()) if x
        ]
        # an excluded series at 1 as well: the sum of values must leave it out as the count
        # does (excluded at 0 only, an exclusion lost from the sum would change nothing)
        if (good := chosen.excluded(1)) is not None:
            series.append(probe_series(metric, good, values[0]))
        checks += _counted_checks(ctx, slo, line)
    metrics = frozenset(s.metric for s in series)
    return Scenario(name, metrics, tuple(series), (), tuple(checks))


def _counted_checks(ctx: Ctx, slo: SLOPlan, line: _Timeline) -> list[ExprCheck]:
    errors, total = cv.slo_errors("5m"), cv.slo_requests("5m")
    checks = []
    if line.early is not None:
        first = agreed(line.probes, line.early, RATE_WINDOW_S)[0]
        assert first is not None  # before 5m: no sample at the window's start
        checks += [
            _value_check(
                slo,
                total,
                line.early,
                Fraction(first, RATE_WINDOW_S),
                f"{first} samples of two targets so far, per second over 5m (an excluded "
                "series and another service's, all at 0, not counted)",
            ),
            _value_check(slo, errors, line.early, Fraction(0), "no sample at 0: 0 bad, not absent"),
        ]
    if line.inside is not None:
        checks.append(
            _value_check(
                slo,
                errors,
                line.inside[0],
                Fraction(line.inside[1], RATE_WINDOW_S),
                f"samples at 0, all within 5m: {line.inside[1]} (bad samples per second)",
            )
        )
    when, zeros = line.leaving
    counts = [sum(p.counts(when, RATE_WINDOW_S, v)[0] for p in line.probes) for v in VERSIONS]
    low, high = (Decimal(c) / RATE_WINDOW_S for c in sorted(counts))
    band = within((low + high) / 2, (high - low) / 2 + high * TOLERANCE)
    checks += [
        _value_check(
            slo,
            errors,
            when,
            Fraction(zeros, RATE_WINDOW_S),
            f"samples at 0 still within 5m: {zeros} (a window half or twice as long holds "
            "another number)",
        ),
        ExprCheck(
            total,
            tuple(slo.selector()),
            at(when),
            (),
            f"{min(counts)} or {max(counts)} samples within 5m (Prometheus 3 leaves out the one "
            "at its start): a window half or twice as long holds about half or twice",
            band,
        ),
    ]
    checks += [
        ExprCheck(
            x,
            tuple(slo.selector()),
            at(line.gone(ctx.step_s)),
            (),
            "every series stopped over 5m ago: nothing recorded, not 0 (no sample is no good "
            "sample)",
        )
        for x in (total, cv.slo_error_ratio("5m"))
    ]
    return checks
