"""Behaviour tests of the gauge SLI's own rules, from raw 0/1 samples (docs/slo.md). The SLO
scenarios feed a gauge SLO its recorded 5m rates (slo_stand_in.py); these prove that the
rules record what the samples say. Per gauge SLO, every covered service at once:

- *counted*: two targets per service, one always at 1, one at 0 at every other sample for
  four minutes; a series the first `exclude` matcher selects and one of no covered service,
  both always at 0. The 5m rates are checked exactly: before 5 minutes (every sample
  counted, none bad: 0, not absent), with the zeros all inside the 5m window, and with some
  gone out of it (a window half or twice as long holds another number); the sample at each
  window's start is a 1, so both Prometheus versions agree. Then every series stops: 5
  minutes later nothing is recorded, not a rate of 0 (missing data is never good data);
- *outage*: targets at 1 for an hour, then at 0: each burn alert is silent before and fires
  when the exact count of samples says (slo_gauge_model.py), with enough targets that the
  fastest page's long window holds twice `min_events` samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.prometheus import AlertRule, SLOPlan
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, expected, within
from generator.promtest.feeds import pick
from generator.promtest.model import AlertCheck, CaseError, ExprCheck, InputSeries, rule_key
from generator.promtest.slo_gauge_model import VERSIONS, Samples, agreed, fires
from generator.promtest.slo_outage import OUTAGE_AFTER_S, OUTAGE_WATCH_S
from generator.promtest.slo_stand_in import sparse_segments

BURST_AT_S = 600  # the zeros start once the 5m window holds nothing but samples
BURST_S = 240  # zeros at every other sample for 4 minutes: over half a 5m window
MAX_TARGETS = 10  # targets per service in the outage: enough for min_events, or this many
TOLERANCE = Decimal("0.000001")  # relative: counts over 300 are exact, floats round them
_NEGATED = {"=": "!=", "!=": "=", "=~": "!~", "!~": "=~"}

Values = tuple[int | None, ...]


def _held(until_s: int, interval_s: int, value: int, from_s: int = 0) -> list[int | None]:
    """`value` at every sample from `from_s` to `until_s`, none before."""
    return [value if k * interval_s >= from_s else None for k in range(until_s // interval_s + 1)]


def _burst(until_s: int, interval_s: int) -> Values:
    """1, but 0 at every other sample of the burst (from the one after its start)."""
    values = _held(until_s, interval_s, 1)
    for k in range(BURST_AT_S // interval_s + 1, (BURST_AT_S + BURST_S) // interval_s + 1, 2):
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
) -> tuple[int, int]:
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
    raise CaseError(f"no evaluation at a {ctx.step_s}s step pins the gauge SLI's 5m window")


def counted_scenario(ctx: Ctx, name: str, slos: Sequence[SLOPlan]) -> Scenario:
    """Samples counted, zeros bad, excluded and other series left out, absence absent."""
    spec, interval = ctx.spec, ctx.interval_s
    end = BURST_AT_S + BURST_S
    whole = [Samples(tuple(_held(end + 2 * RATE_WINDOW_S, interval, 1)), interval)]
    whole.append(Samples(_burst(end + 2 * RATE_WINDOW_S, interval), interval))
    inside = _zeros_at(ctx, range(end, BURST_AT_S + RATE_WINDOW_S + 1), whole, [150])
    leaving = _zeros_at(
        ctx, range(BURST_AT_S + RATE_WINDOW_S + 1, end + RATE_WINDOW_S), whole, [150, 600]
    )
    stop = leaving[0] + ctx.step_s
    gone = ceil_to(stop + RATE_WINDOW_S + 1, ctx.step_s)
    early = (RATE_WINDOW_S - 1) // ctx.step_s * ctx.step_s
    first = agreed(whole, early, RATE_WINDOW_S)[0]
    if early < ctx.interval_s or first is None:
        raise CaseError(f"no evaluation at a {ctx.step_s}s step within the first 5 minutes")
    values = [tuple(_held(stop, interval, 1)), _burst(stop, interval)]
    zeros = _held(stop, interval, 0)
    taken = [v for s in slos for v in spec.services[s.service].selector.values()]
    errors, total = cv.slo_errors("5m"), cv.slo_requests("5m")
    series: list[InputSeries] = []
    checks: list[ExprCheck] = []
    for slo in slos:
        assert slo.definition is not None and slo.definition.sli.gauge is not None
        metric = slo.definition.sli.gauge.metric
        chosen = _Labels(dict(spec.services[slo.service].selector), slo, taken)
        series += [_series(metric, t, v) for t, v in zip(chosen.targets, values, strict=True)]
        series += [_series(metric, x, zeros) for x in (chosen.excluded(), chosen.foreign()) if x]
        checks += [
            _value_check(
                slo,
                total,
                early,
                Fraction(first, RATE_WINDOW_S),
                f"{first} samples of two targets so far, per second over 5m (an excluded "
                "series and another service's, all at 0, not counted)",
            ),
            _value_check(slo, errors, early, Fraction(0), "no sample at 0: 0 bad, not absent"),
            _value_check(
                slo,
                errors,
                inside[0],
                Fraction(inside[1], RATE_WINDOW_S),
                f"{inside[1]} samples at 0, all within 5m: bad samples per second",
            ),
            _value_check(
                slo,
                errors,
                leaving[0],
                Fraction(leaving[1], RATE_WINDOW_S),
                f"{leaving[1]} samples at 0 still within 5m (a window half or twice as long "
                "holds another number)",
            ),
            *(
                ExprCheck(
                    x,
                    tuple(slo.selector()),
                    at(gone),
                    (),
                    "every series stopped over 5m ago: nothing recorded, not 0 (no sample is "
                    "no good sample)",
                )
                for x in (total, cv.slo_error_ratio("5m"))
            ),
        ]
    metrics = frozenset(s.metric for s in series)
    return Scenario(name, metrics, tuple(series), (), tuple(checks))


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
    until = OUTAGE_AFTER_S + OUTAGE_WATCH_S
    down = _held(until, ctx.interval_s, 1)
    for k in range(OUTAGE_AFTER_S // ctx.interval_s, len(down)):
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
    before = OUTAGE_AFTER_S - ctx.step_s
    if (known := states(before)) is not None:
        times.append((before, known, "an hour at 1: silent"))
    # each change of the alerts firing, and the evaluation before it, until every page fires
    last = times[-1][1] if times else None
    pages = {(s.service, s.slo, b.long) for s in burning for b in s.burns if b.severity == sm.PAGE}
    for second in range(OUTAGE_AFTER_S + ctx.step_s, until + 1, ctx.step_s):
        known = states(second)
        if known is None or known == last:
            continue
        previous = states(second - ctx.step_s)
        if previous is not None and previous != known and second - ctx.step_s > times[-1][0]:
            times.append((second - ctx.step_s, previous, "one evaluation before the next change"))
        fired = ", ".join(sorted({k[2] for k, on in known.items() if on})) or "none"
        gone = at(second - OUTAGE_AFTER_S)
        times.append((second, known, f"{gone} of samples at 0: windows firing: {fired}"))
        last = known
        if all(known[k] for k in pages):
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
        title = f"gauge SLI {name}: {metric} at 1 for {at(OUTAGE_AFTER_S)}, then at 0"
        if (outage := outage_scenario(ctx, title, mine, theirs)) is not None:
            out.append(outage)
    return out
