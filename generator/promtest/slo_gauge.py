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

from generator.prometheus import AlertRule, SLOPlan
from generator.promtest.cases import Ctx, Scenario, at, ceil_to
from generator.promtest.slo_gauge_counted import counted_scenario
from generator.promtest.slo_gauge_outage import OUTAGE_AFTER_S, outage_scenario
from generator.promtest.slo_gauge_series import gauge_metric


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
        metric = gauge_metric(mine[0])
        out.append(counted_scenario(ctx, f"gauge SLI {name}: {metric} samples counted", mine))
        theirs = [a for a in alerts if a.label("slo") == name]
        after = at(ceil_to(OUTAGE_AFTER_S, ctx.step_s))
        title = f"gauge SLI {name}: {metric} at 1 for {after}, then at 0"
        if (outage := outage_scenario(ctx, title, mine, theirs)) is not None:
            out.append(outage)
    return out
