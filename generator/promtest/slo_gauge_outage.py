"""The *outage* scenario of a gauge SLI (slo_gauge.py): targets at 1 for 10 minutes, then at
0; each burn alert silent before, and every change of the windows firing checked at its
evaluation and the one before, as the exact count of samples says (slo_gauge_model.py)."""

from __future__ import annotations

from collections.abc import Sequence

from generator.core import slo_math as sm
from generator.prometheus import AlertRule, SLOPlan, app_labels
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, expected
from generator.promtest.model import AlertCheck, rule_key
from generator.promtest.slo_gauge_model import Samples, fires
from generator.promtest.slo_gauge_series import ProbeLabels, gauge_metric, held, probe_series

OUTAGE_AFTER_S = 600  # probes at 1 fill the 5m window, then at 0 until every window fires
OUTAGE_WATCH_S = 3600
MAX_TARGETS = 10  # targets per service in the outage: enough for min_events, or this many


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
    down = held(until, ctx.interval_s, 1)
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
    metric = gauge_metric(burning[0])
    for s in burning:
        stored = app_labels(ctx.spec, s.service)
        for chosen in ProbeLabels(stored, s, [], copies[s.service]).targets:
            series.append(probe_series(metric, chosen, down[: times[-1][0] // ctx.interval_s + 1]))
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
