"""Behaviour tests of the gauge SLI's own rules, from raw 0/1 samples (docs/slo.md). The SLO
scenarios feed a gauge SLO its recorded 5m rates (slo_stand_in.py); these prove that the
rules record what the samples say. Per gauge SLO, every covered service at once, at the
coarse step of `slo-windows.yml`, whose scenarios of hours they ride along:

- *counted*: two targets per service, one always at 1, one at 0 at every other sample for
  four minutes; a series the first `exclude` matcher selects and one of no covered service,
  both always at 0. The 5m rates are checked exactly: before 5 minutes (every sample
  counted, none bad: 0, not absent), with the zeros all inside the 5m window, and with some
  gone out of it (a window half or twice as long holds another number); the sample at each
  window's start is a 1, so both Prometheus versions agree. Then every series stops: 5
  minutes later nothing is recorded, not a rate of 0 (missing data is never good data);
- *outage*: targets at 1 for 10 minutes, then at 0: each burn alert is silent before, and
  every change of the windows firing is checked at its evaluation and the one before, as the
  exact count of samples says (slo_gauge_model.py), with enough targets that the fastest
  alert's long window holds twice `min_events` samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.prometheus import AlertRule, SLOPlan
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, expected, within
from generator.promtest.feeds import pick
from generator.promtest.model import AlertCheck, CaseError, ExprCheck, InputSeries, rule_key
from generator.promtest.slo_gauge_model import VERSIONS, Samples, agreed, fires
from generator.promtest.slo_stand_in import sparse_segments

BURST_S = 240  # zeros at every other sample for 4 minutes: over half a 5m window
OUTAGE_AFTER_S = 600  # probes at 1 fill the 5m window, then at 0 until every window fires
OUTAGE_WATCH_S = 3600
MAX_TARGETS = 10  # targets per service in the outage: enough for min_events, or this many
TOLERANCE = Decimal("0.000001")  # relative: counts over 300 are exact, floats round them
_NEGATED = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}

Values = tuple[int | None, ...]


def _held(until_s: int, interval_s: int, value: int, from_s: int = 0) -> list[int | None]:
    """`value` at every sample from `from_s` to `until_s`, none before."""
    return [value if k * interval_s >= from_s else None for k in range(until_s // interval_s + 1)]


def _burst(until_s: int, interval_s: int, at_s: int) -> Values:
    """1, but 0 at every other sample of the burst from `at_s` (the first one after it)."""
    values = _held(until_s, interval_s, 1)
    for k in range(at_s // interval_s + 1, (at_s + BURST_S) // interval_s + 1, 2):
        values[k] = 0
    return tuple(values)


def _series(metric: str, chosen: dict[str, str], values: Sequence[int | None]) -> InputSeries:
    samples = [(k, Fraction(v)) for k, v in enumerate(values) if v is not None]
    return InputSeries(metric, tuple(sorted(chosen.items())), sparse_segments(samples))


class _Labels:
    """Label sets of one service's series: targets the SLI keeps, one an `exclude` matcher
    leaves out, and one of no covered service."""

    def __init__(
        self, selector: dict[str, str], slo: SLOPlan, taken: Sequence[str], count: int = 2
    ) -> None:
        assert slo.definition is not None and slo.definition.sli.gauge is not None
        self.base = selector
        self.exclude = slo.definition.sli.gauge.exclude
        self.kept = [(m.label, _NEGATED[m.op], m.value) for m in self.exclude]
        self.vary = "instance" if "instance" not in selector else "obsgen_target"
        self.taken = taken  # selector values of covered services
        self.targets: list[dict[str, str]] = []
        for index in range(count):
            self.targets.append(self._target(index))

    def _target(self, index: int) -> dict[str, str]:
        chosen = dict(self.base)
        for label in dict.fromkeys([self.vary, *(m[0] for m in self.kept)]):
            mine = [m for m in self.kept if m[0] == label]
            if label != self.vary:
                chosen[label] = pick(label, mine, True)
                continue
            try:
                chosen[label] = pick(label, [*mine, (label, "=", f"target-{index}")], True)
            except CaseError:
                used = [(label, "!=", t[label]) for t in self.targets]
                chosen[label] = pick(label, [*mine, *used], True)
        return chosen

    def excluded(self) -> dict[str, str] | None:
        if not self.exclude:
            return None
        first = self.exclude[0]
        chosen = dict(self.targets[0])
        chosen[first.label] = pick(first.label, [(first.label, first.op, first.value)], True)
        return chosen

    def foreign(self) -> dict[str, str] | None:
        if not self.base:
            return None
        chosen = dict(self.targets[0])
        label, value = sorted(self.base.items())[0]
        other = f"{value}-other"
        while other in self.taken:
            other += "-x"
        chosen[label] = other
        return chosen


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
    interval, step = ctx.interval_s, ctx.step_s
    at_s = ceil_to(RATE_WINDOW_S, step)
    until = at_s + BURST_S + 2 * RATE_WINDOW_S
    probes = (
        Samples(tuple(_held(until, interval, 1)), interval),
        Samples(_burst(until, interval, at_s), interval),
    )
    end = at_s + BURST_S
    inside = _zeros_at(ctx, range(end, at_s + RATE_WINDOW_S + 1), probes, [RATE_WINDOW_S // 2])
    spans = [RATE_WINDOW_S // 2, RATE_WINDOW_S * 2]
    leaving = _zeros_at(ctx, range(at_s + RATE_WINDOW_S + 1, end + RATE_WINDOW_S), probes, spans)
    if leaving is None:
        raise CaseError(f"no evaluation at a {step}s step pins the gauge SLI's 5m window")
    early = (RATE_WINDOW_S - 1) // step * step
    return _Timeline(at_s, early if early >= interval else None, inside, leaving, probes)


def counted_scenario(ctx: Ctx, name: str, slos: Sequence[SLOPlan]) -> Scenario:
    """Samples counted, zeros bad, excluded and other series left out, absence absent."""
    spec, interval = ctx.spec, ctx.interval_s
    line = _timeline(ctx)
    values = [tuple(_held(line.stop, interval, 1)), _burst(line.stop, interval, line.burst_at)]
    zeros = _held(line.stop, interval, 0)
    taken = [v for s in slos for v in spec.services[s.service].selector.values()]
    series: list[InputSeries] = []
    checks: list[ExprCheck] = []
    for slo in slos:
        assert slo.definition is not None and slo.definition.sli.gauge is not None
        metric = slo.definition.sli.gauge.metric
        chosen = _Labels(dict(spec.services[slo.service].selector), slo, taken)
        series += [_series(metric, t, v) for t, v in zip(chosen.targets, values, strict=True)]
        series += [_series(metric, x, zeros) for x in (chosen.excluded(), chosen.foreign()) if x]
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


def _targets(ctx: Ctx, slo: SLOPlan) -> int:
    """Targets whose samples put twice `min_events` in the fastest page's long window."""
    longest = min(sm.seconds(b.long) for b in slo.burns)
    need = 2 * slo.min_events * ctx.interval_s
    return max(1, min(MAX_TARGETS, -(-need // longest)))


def outage_scenario(
    ctx: Ctx, name: str, slos: Sequence[SLOPlan], alerts: Sequence[AlertRule]
) -> Scenario | None:
    """Every target at 1 for an hour, then at 0: silent before, firing when counted."""
    burning = [s for s in slos if s.burns]
    if not burning:
        return None
    rules = {(a.label("service"), a.label("slo"), a.label("long_window")): a for a in alerts}
    after = ceil_to(OUTAGE_AFTER_S, ctx.step_s)
    until = after + OUTAGE_WATCH_S
    down = _held(until, ctx.interval_s, 1)
    for k in range(after // ctx.interval_s, len(down)):
        down[k] = 0
    copies = {s.service: _targets(ctx, s) for s in burning}
    samples = {n: Samples(tuple(down), ctx.interval_s, c) for n, c in copies.items()}

    def states(second: int) -> dict[tuple[str, str, str], bool] | None:
        found = {
            (s.service, s.slo, b.long): fires(
                samples[s.service], ctx.step_s, b, s.min_events, second
            )
            for s in burning
            for b in s.burns
        }
        if None in found.values():
            return None
        return {k: bool(v) for k, v in found.items()}

    times: list[tuple[int, dict[tuple[str, str, str], bool], str]] = []
    before = after - ctx.step_s
    if (known := states(before)) is not None:
        times.append((before, known, f"{at(before)} at 1: silent"))
    # each change of the alerts firing, and the evaluation before it, until every one fires
    last = times[-1][1] if times else None
    for second in range(after + ctx.step_s, until + 1, ctx.step_s):
        known = states(second)
        if known is None or known == last:
            continue
        previous = states(second - ctx.step_s)
        if previous is not None and previous != known and second - ctx.step_s > times[-1][0]:
            times.append((second - ctx.step_s, previous, "one evaluation before the next change"))
        fired = ", ".join(sorted({k[2] for k, on in known.items() if on})) or "none"
        gone = at(second - after)
        times.append((second, known, f"{gone} of samples at 0: windows firing: {fired}"))
        last = known
        if all(known.values()):
            break
    if not any(any(k.values()) for _, k, _ in times):
        return None
    series = []
    metric = _metric(burning[0])
    for s in burning:
        selector = dict(ctx.spec.services[s.service].selector)
        for chosen in _Labels(selector, s, [], copies[s.service]).targets:
            series.append(_series(metric, chosen, down[: times[-1][0] // ctx.interval_s + 1]))
    checks = []
    for second, known, proves in times:
        firing = [rules[k] for k, on in sorted(known.items()) if on]
        quiet = [rules[k] for k, on in sorted(known.items()) if not on]
        exp = tuple(sorted((expected(a, (), None) for a in firing), key=lambda e: e.labels))
        checks.append(
            AlertCheck(
                at(second),
                burning[0].burns[0].alert,
                exp,
                proves,
                tuple(sorted(rule_key(a) for a in firing)),
                tuple(sorted(rule_key(a) for a in quiet)),
            )
        )
    return Scenario(name, frozenset({metric}), tuple(series), tuple(checks))


def _metric(slo: SLOPlan) -> str:
    assert slo.definition is not None and slo.definition.sli.gauge is not None
    return slo.definition.sli.gauge.metric


def gauge_scenarios(
    ctx: Ctx, slos: Sequence[SLOPlan], alerts: Sequence[AlertRule]
) -> list[Scenario]:
    """The counted and outage scenarios of every gauge SLO, from raw 0/1 samples."""
    by_name: dict[str, list[SLOPlan]] = {}
    for s in slos:
        if s.kind == "gauge":
            by_name.setdefault(s.slo, []).append(s)
    out = []
    for name, mine in sorted(by_name.items()):
        metric = _metric(mine[0])
        out.append(counted_scenario(ctx, f"gauge SLI {name}: {metric} samples counted", mine))
        theirs = [a for a in alerts if a.label("slo") == name]
        after = at(ceil_to(OUTAGE_AFTER_S, ctx.step_s))
        title = f"gauge SLI {name}: {metric} at 1 for {after}, then at 0"
        if (outage := outage_scenario(ctx, title, mine, theirs)) is not None:
            out.append(outage)
    return out
