"""Value tests of the datastore series no alert reads, or reads only through a sum: the
Postgres tuple rates and connection sum, the Redis hit ratio and memory share.

Each datastore's exporter series change rate (or level) once; 4 minutes after the change a
5m rate mixes one minute of the first rate and four of the second, which a window of half or
twice 5m does not. Redis hits and misses both change (in opposite directions), so each of
the hit ratio's three windows moves the ratio. Beside them, the same metrics of another job
on the same instance (strangers): a selector that lost its job matcher would add them into
the sums.
"""

from __future__ import annotations

from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.promtest.cases import RATE_WINDOW_S, Ctx, Scenario, at, ceil_to, within
from generator.promtest.feeds import Phase, counter, gauge
from generator.promtest.inputs import _sorted
from generator.promtest.model import ExprCheck, InputSeries
from generator.spec import Postgres, Redis

CHANGE_S = 600
AFTER_S = 240  # into the second phase: 1 of the 5m window's minutes still holds the first
RATES = (Decimal(1000), Decimal(3000))  # per second, the datastore's own
MISSES = (Decimal(1000), Decimal(500))  # Redis misses per second, falling as hits rise
STRANGER = Decimal(700)  # per second (or a level), another job's series on the instance
LEVEL = Decimal("0.3")  # connections and memory, as a share of their limit
TOLERANCE = Decimal("0.001")


def _mixed(fed: list[Decimal], after: int) -> Decimal:
    """The 5m rate `after` seconds into the second of two steady rates."""
    return (fed[0] * (RATE_WINDOW_S - after) + fed[1] * after) / RATE_WINDOW_S


def datastore_scenarios(ctx: Ctx) -> list[Scenario]:
    """The recorded series of every Postgres and Redis datastore, before and after a change."""
    when = ceil_to(CHANGE_S + AFTER_S, ctx.step_s)
    after = when - CHANGE_S
    if after >= RATE_WINDOW_S:
        return []
    series: list[InputSeries] = []
    checks: list[ExprCheck] = []
    for name, store in sorted(ctx.spec.datastores.items()):
        own = dict(store.selector) | {"instance": store.targets[0]}
        others = [own | {label: f"not-{value}"} for label, value in store.selector.items()]
        sel = (("service", "=", name),)
        change: list[Phase] = [(0, RATES[0]), (CHANGE_S, RATES[1])]
        if isinstance(store, Postgres):
            db = {"datname": "app"}
            counters = (store.tuples_returned_metric, store.tuples_fetched_metric)
            mine = [(m, own | db, change) for m in counters]
            strangers = [(m, o | db) for m in counters for o in others]
        else:
            counters = (store.hits_metric, store.misses_metric)
            fewer: list[Phase] = [(0, MISSES[0]), (CHANGE_S, MISSES[1])]
            mine = [(store.hits_metric, own, change), (store.misses_metric, own, fewer)]
            strangers = [(m, o) for m in counters for o in others]
        fed: dict[str, list[Decimal]] = {}
        for metric, labels, phases in mine:
            one, fed[metric] = counter(metric, _sorted(labels), phases, when, ctx.interval_s)
            series.append(one)
        for metric, labels in strangers:
            steady: list[Phase] = [(0, STRANGER)]
            series.append(counter(metric, _sorted(labels), steady, when, ctx.interval_s)[0])
        checks += _rate_checks(store, sel, fed, after, when)
        checks += _level_checks(ctx, store, sel, own, others, when, series)
    if not checks:
        return []
    metrics = frozenset(s.metric for s in series)
    name = "datastore series: a change of rate, and another job's series on the instance"
    return [Scenario(name, metrics, tuple(series), (), tuple(checks))]


def _rate_checks(
    store: Postgres | Redis,
    sel: tuple[tuple[str, str, str], ...],
    fed: dict[str, list[Decimal]],
    after: int,
    when: int,
) -> list[ExprCheck]:
    why = f"{at(after)} after a change of rate: the 5m rates mix both, only this job's series"
    if isinstance(store, Postgres):
        out = []
        for metric in (store.tuples_returned_metric, store.tuples_fetched_metric):
            rate = _mixed(fed[metric], after)
            out.append(
                ExprCheck(
                    cv.pg_tuples_rate(metric),
                    sel,
                    at(when),
                    (),
                    f"{why}: {fmt(rate)}/s",
                    within(rate, rate * TOLERANCE),
                )
            )
        return out
    hits = _mixed(fed[store.hits_metric], after)
    misses = _mixed(fed[store.misses_metric], after)
    ratio = hits / (hits + misses)
    return [
        ExprCheck(
            cv.REDIS_HIT_RATIO,
            sel,
            at(when),
            (),
            f"{why}: hit ratio {ratio:.6g}",
            within(ratio, ratio * TOLERANCE),
        )
    ]


def _level_checks(
    ctx: Ctx,
    store: Postgres | Redis,
    sel: tuple[tuple[str, str, str], ...],
    own: dict[str, str],
    others: list[dict[str, str]],
    when: int,
    series: list[InputSeries],
) -> list[ExprCheck]:
    """Connections (Postgres) or memory (Redis) summed per instance: only this job's."""
    if isinstance(store, Postgres):
        metric, limit = store.connections_metric, Decimal(store.max_connections)
        record = cv.PG_CONNECTIONS
    else:
        metric, limit = store.memory_metric, Decimal(store.maxmemory)
        record = cv.REDIS_MEMORY_UTILISATION
    level, fed = gauge(metric, _sorted(own), [(0, LEVEL * limit)], when, ctx.interval_s)
    series.append(level)
    for o in others:
        series.append(gauge(metric, _sorted(o), [(0, LEVEL * limit)], when, ctx.interval_s)[0])
    value = fed[0] if isinstance(store, Postgres) else fed[0] / limit
    return [
        ExprCheck(
            record,
            sel,
            at(when),
            (),
            f"summed per instance, only this job's series: {fmt(value)}",
            within(value, value * TOLERANCE),
        )
    ]
