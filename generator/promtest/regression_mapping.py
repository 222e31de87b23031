"""The regression mapping test: every service's signals reach the shared regression alerts.

A regression alert rule serves every service (prometheus/sharing.py); the regression tests
prove its numbers on the service standing for it, this test proves who each alert belongs
to. It feeds every covered service's recorded signals the alerts compare (the services'
recording rules write them from raw series; the mapping test of alerts.yml proves those):
for one compared period at a level, then each worse past its threshold (a rate falling
below, a latency or error ratio rising above), with both the traffic of now and of one
period ago above the minimum request rate. Once the `for` has passed, each shared
regression alert must fire exactly once per service it covers (`ALERTS`; each expected
member written once, members.py): a service left out of a rule, or in two, fails it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from math import ceil

from generator.prometheus import AlertRule, ingested
from generator.promtest.cases import Ctx, Scenario, ceil_to, seconds
from generator.promtest.firing import SERVICE_ALERT, firing_once
from generator.promtest.inputs import _sorted
from generator.promtest.members import Members, mapping_scenario
from generator.promtest.model import CaseError, InputSeries, Segment

WORSE = Decimal(1)  # a latency (seconds) or error ratio past any factor of 0 before


def _levels(views: Sequence[AlertRule]) -> dict[str, tuple[Decimal, Decimal]]:
    """Per signal read, its level one period ago and now: the guarding request rate at twice
    the minimum now and, where it is compared below a factor, at enough before for twice the
    minimum to be under that factor of it; every other signal from 0 to WORSE."""
    levels: dict[str, tuple[Decimal, Decimal]] = {}
    for view in views:
        args = view.expr.args
        least = max(Decimal(args["min_rate"]), Decimal(1))
        guard = args["guard"]
        before = levels.get(guard, (2 * least, 2 * least))[0]
        if args["op"] == "<":
            if args["series"] != guard:
                raise CaseError(f"{view.alert}: compares {args['series']} below, not traffic")
            before = max(before, Decimal(ceil(4 * least / Decimal(args["factor"]))))
        elif args["floor"] is not None and Decimal(args["floor"]) >= WORSE:
            raise CaseError(f"{view.alert}: no error ratio is past its floor {args['floor']}")
        levels[guard] = (before, 2 * least)
        if args["series"] != guard:
            levels[args["series"]] = (Decimal(0), WORSE)
    return levels


def regression_mapping_scenarios(ctx: Ctx, shared: Sequence[AlertRule]) -> list[Scenario]:
    """One scenario: every covered service's signals, then each shared regression alert
    counted firing once per service it covers."""
    views = [v for r in shared for v in r.views]
    if not views:
        return []
    compare = max(seconds(v.expr.args["offset"]) for v in views)
    wait = max(seconds(v.for_) for v in views)
    when = ceil_to(compare + ctx.settle_s + wait + 2 * ctx.step_s, ctx.step_s)
    before_n = compare // ctx.interval_s
    after_n = (when - compare) // ctx.interval_s
    series = []
    for metric, (before, now) in sorted(_levels(views).items()):
        values = (Segment(before, Decimal(0), before_n - 1), Segment(now, Decimal(0), after_n))
        for name in sorted({v.label("service") for v in views}):
            own = _sorted(ingested(ctx.spec, name))
            series.append(InputSeries(metric, own, values))
    members = Members()
    checks = firing_once(
        members,
        views,
        SERVICE_ALERT,
        when,
        "every service's signals worse than one period ago past every threshold, for longer "
        "than the for: each shared regression alert fires once for each service it covers",
    )
    name = "every service's signals map into the shared regression alerts"
    return [mapping_scenario(name, series, members, checks, before_n + after_n + 1)]
