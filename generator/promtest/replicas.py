"""Behaviour tests of container alerts across replicas: each replica is measured against its
own container's limit, never the sum of all replicas against one limit.

Per alert name (ContainerCPUHigh, ContainerMemoryHigh) one timeline over every service it
covers: first every replica just under the lowest threshold, so many that their sum is past
the highest (three replicas at 72 % of an 80 % threshold read 216 % when summed): silent
after every `for` has passed. Then one replica goes past the highest threshold: every
severity fires for that replica alone, its labels naming it, and for no other. Beside
them, per label of a service's container selector, a stranger: the hot replica's series with
that one label changed (another container or namespace), past the highest threshold from the
start. No alert names it: a selector that lost that matcher would record it as the
service's, and fire for it while every replica is calm.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from generator.core.numbers import fmt
from generator.prometheus import AlertRule, box_stranger
from generator.promtest.cases import Ctx, Scenario, ceil_to, seconds
from generator.promtest.feeds import Phase
from generator.promtest.inputs import Feed, _sorted, container_feed
from generator.promtest.model import CaseError, InputSeries
from generator.promtest.threshold import NEAR, alert_check, make_scenario

REPLICAS = 3  # at least; more when fewer replicas under the lowest threshold sum to less
UNDER = Decimal("0.9")  # each replica's share of the lowest threshold while all are calm
CONTAINER_KINDS = frozenset({"cpu", "memory"})


def _levels(alerts: list[AlertRule]) -> tuple[Decimal, Decimal, int]:
    """The calm level of every replica, the hot level of one, and how many replicas."""
    limits = sorted({a.threshold for a in alerts if a.threshold is not None})
    if not limits or limits[-1] >= 1:
        raise CaseError(f"{alerts[0].alert}: no level of one replica is past {limits[-1:]}")
    calm = limits[0] * UNDER
    replicas = max(REPLICAS, int(limits[-1] * (1 + NEAR) / calm) + 1)
    hot = min(limits[-1] * Decimal("1.1"), (limits[-1] + 1) / 2)
    return calm, hot, replicas


def replica_scenarios(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """Calm replicas whose sum is past every threshold stay silent; one hot replica fires."""
    kind = alerts[0].kind
    calm, hot, replicas = _levels(alerts)
    longest = max(seconds(a.for_) for a in alerts)
    calm_check = ceil_to(ctx.settle_s + longest + ctx.step_s, ctx.step_s)
    change = calm_check + ctx.step_s
    hot_check = ceil_to(change + ctx.settle_s + longest + ctx.step_s, ctx.step_s)
    per_service: dict[str, list[AlertRule]] = defaultdict(list)
    for alert in alerts:
        per_service[alert.label("service")].append(alert)
    feeds: dict[str, Feed] = {}
    firing: list[tuple[AlertRule, Feed, Decimal]] = []
    for service, mine in sorted(per_service.items()):
        for index in range(1, replicas + 1):
            phases: list[Phase] = [(0, calm)] + ([(change, hot)] if index == replicas else [])
            feed = container_feed(ctx, kind, service, phases, hot_check, index)
            feeds[f"{service}/{index}"] = feed
            if index == replicas:
                firing += [(a, feed, feed.values[-1]) for a in mine]
        box = ctx.spec.services[service].container
        hot_one = container_feed(ctx, kind, service, [(0, hot)], hot_check, replicas)
        for label in sorted(box):
            feeds[f"{service}/not-{label}"] = _stranger(hot_one, label)
    summed = fmt(calm * replicas * 100)
    checks = [
        alert_check(
            calm_check,
            name,
            alerts,
            [],
            f"silent: {replicas} replicas each at {fmt(calm * 100)} % of their own limit "
            f"({summed} % if summed) after every for; other containers' series (each one "
            "selector label changed) hot throughout",
        ),
        alert_check(
            hot_check,
            name,
            alerts,
            firing,
            f"fires for the one replica at {fmt(hot * 100)} % of its limit, naming it; "
            "silent for the others and for other containers' series hot throughout",
        ),
    ]
    return [make_scenario(f"{name}: each replica against its own limit", feeds, checks)]


def _stranger(feed: Feed, label: str) -> Feed:
    """The feed of another container: its series with the value of `label` changed."""
    (series,) = feed.series
    changed = InputSeries(
        series.metric, _sorted(box_stranger(dict(series.labels), label)), series.values
    )
    return Feed((changed,), feed.labels, feed.values, feed.mix)
