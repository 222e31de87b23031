"""Raw inputs that drive each watched signal to a chosen value (threshold and regression tests).

One driver per alert kind knows which raw metrics feed the recorded series its alerts read,
and which labels survive into the alert: aggregated per service -> none; per instance ->
`instance`; per container replica -> the replica labels; node memory and filesystem ratios
keep every label of their inputs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from generator.core.numbers import fmt
from generator.prometheus import (
    Labels,
    app_labels,
    box_labels,
    labels,
    replica_labels,
    service_resources,
)
from generator.promtest.cases import Ctx
from generator.promtest.feeds import (
    Phase,
    bucket_quantile,
    counter,
    gauge,
    level_at,
    pick,
    solve_histogram,
)
from generator.promtest.model import CaseError, InputSeries
from generator.spec import Exporter, Postgres, Redis, request_errors

REQUEST_RATE = Decimal(10)  # requests/s fed wherever only the traffic's shape matters
NODE_MEMORY = Decimal(8 * 1024**3)  # bytes of the test node's memory
NODE_DISK = Decimal(100 * 1024**3)  # bytes of its filesystem
HUNDRED = Decimal(100)


Mixer = Callable[[int, int, Decimal], Decimal]


@dataclass(frozen=True)
class Feed:
    """Inputs for one subject, the labels the alert gets from them, the value per phase, and
    for a signal read through rate(): its value when a share of the window's increments
    comes from a new phase and the rest from an old one (`mix(old, new, share)`)."""

    series: tuple[InputSeries, ...]
    labels: Labels
    values: tuple[Decimal, ...]
    mix: Mixer | None = None  # None: a gauge, which switches at once


def linear(values: Sequence[Decimal]) -> Mixer:
    """The mix of a signal that is linear in its input rates."""
    return lambda old, new, share: values[old] + (values[new] - values[old]) * share


Driver = Callable[[Ctx, str, Sequence[Phase], int], Feed]


def _sorted(items: dict[str, str]) -> Labels:
    return tuple(sorted(items.items()))


def status_labels(ctx: Ctx) -> tuple[dict[str, str], dict[str, str]]:
    """Labels of a good and of an error request (error matchers of the availability SLO)."""
    good, bad = _status_labels(tuple((m.label, m.op, m.value) for m in request_errors(ctx.spec)))
    return dict(good), dict(bad)


@functools.lru_cache(maxsize=64)  # the same matchers for every service of a spec
def _status_labels(matchers: tuple[tuple[str, str, str], ...]) -> tuple[Labels, Labels]:
    bad = {name: pick(name, matchers, True) for name, _, _ in matchers}
    good = dict(bad)
    first = matchers[0][0]
    good[first] = pick(first, [m for m in matchers if m[0] == first], False)
    return _sorted(good), _sorted(bad)


def _requests(
    ctx: Ctx, subject: str, rates: Sequence[Phase], end_s: int, good: bool = True
) -> tuple[InputSeries, list[Decimal]]:
    ok, bad = status_labels(ctx)
    extra = ok if good else bad
    return counter(
        ctx.spec.signals.requests,
        _sorted(app_labels(ctx.spec, subject) | extra),
        rates,
        end_s,
        ctx.interval_s,
    )


def histogram_feed(
    ctx: Ctx, subject: str, per_bucket: Sequence[tuple[int, list[Decimal]]], end_s: int
) -> tuple[list[InputSeries], list[list[Decimal]]]:
    """Bucket counters of a service's duration histogram: in each phase, `per_bucket` holds
    the requests/s ending in each bucket (+Inf last); returns the series and, per phase, the
    cumulative bucket rates really fed."""
    spec = ctx.spec
    hist = spec.signals.duration
    bounds = list(spec.metrics[hist].buckets or ())
    series, fed_by_bucket = [], []
    for j, le in enumerate([*(fmt(b) for b in bounds), "+Inf"]):
        rates = [(start, sum(r[: j + 1], Decimal(0))) for start, r in per_bucket]
        chosen = app_labels(spec, subject) | {"le": le}
        one, fed = counter(f"{hist}_bucket", _sorted(chosen), rates, end_s, ctx.interval_s)
        series.append(one)
        fed_by_bucket.append(fed)
    per_phase = [[fed[p] for fed in fed_by_bucket] for p in range(len(per_bucket))]
    return series, per_phase


def latency_driver(percentile: Decimal) -> Driver:
    """Drive a service's p<percentile> latency (seconds) through its histogram buckets."""

    def drive(ctx: Ctx, subject: str, phases: Sequence[Phase], end_s: int) -> Feed:
        q = percentile / HUNDRED
        bounds = list(ctx.spec.metrics[ctx.spec.signals.duration].buckets or ())
        rates = [
            (start, [REQUEST_RATE * x for x in solve_histogram(v, q, bounds)])
            for start, v in phases
        ]
        series, counts = histogram_feed(ctx, subject, rates, end_s)
        values = tuple(bucket_quantile(q, bounds, c) for c in counts)

        def mix(old: int, new: int, share: Decimal) -> Decimal:
            both = zip(counts[old], counts[new], strict=True)
            return bucket_quantile(q, bounds, [a + (b - a) * share for a, b in both])

        return Feed(tuple(series), (), values, mix)

    return drive


Traffic = Sequence[tuple[int, Decimal, Decimal]]  # (start second, requests/s, bad share)


def requests_feed(ctx: Ctx, subject: str, phases: Traffic, end_s: int) -> list[InputSeries]:
    """Good and error request counters of a service (availability SLO inputs)."""
    good, _ = _requests(ctx, subject, [(s, r * (1 - e)) for s, r, e in phases], end_s)
    bad, _ = _requests(ctx, subject, [(s, r * e) for s, r, e in phases], end_s, good=False)
    return [good, bad]


def slow_requests_feed(
    ctx: Ctx, subject: str, phases: Traffic, threshold: Decimal, end_s: int
) -> list[InputSeries]:
    """Duration buckets of a service where a share of requests takes longer than `threshold`
    (latency SLO inputs): the rest ends in the threshold's bucket, the slow ones in the next."""
    bounds = list(ctx.spec.metrics[ctx.spec.signals.duration].buckets or ())
    at_threshold = bounds.index(threshold)
    rates = []
    for start, rate, slow in phases:
        per_bucket = [Decimal(0)] * (len(bounds) + 1)
        per_bucket[at_threshold] = rate * (1 - slow)
        per_bucket[at_threshold + 1] = rate * slow
        rates.append((start, per_bucket))
    series, _ = histogram_feed(ctx, subject, rates, end_s)
    return series


def throughput(ctx: Ctx, subject: str, phases: Sequence[Phase], end_s: int) -> Feed:
    """Drive a service's request rate (req/s)."""
    series, fed = _requests(ctx, subject, phases, end_s)
    return Feed((series,), (), tuple(fed), linear(fed))


def _at_starts(phases: Sequence[Phase], traffic: Sequence[Phase]) -> list[Decimal]:
    """The traffic during each phase (its changes must fall on the phases' starts)."""
    starts = [s for s, _ in phases]
    if any(s not in starts for s, _ in traffic if s > 0):
        raise CaseError("traffic may only change where the watched signal does")
    return [level_at(traffic, s) for s in starts]


def error_ratio_driver(traffic: Sequence[Phase]) -> Driver:
    """Drive a service's error ratio with `traffic` (requests/s, per phase)."""

    def drive(ctx: Ctx, subject: str, phases: Sequence[Phase], end_s: int) -> Feed:
        rates = _at_starts(phases, traffic)
        bad_rates = [(s, r * e) for (s, e), r in zip(phases, rates, strict=True)]
        good_rates = [(s, r * (1 - e)) for (s, e), r in zip(phases, rates, strict=True)]
        bad, fed_bad = _requests(ctx, subject, bad_rates, end_s, False)
        good, fed_good = _requests(ctx, subject, good_rates, end_s)
        values = tuple(b / (b + g) for b, g in zip(fed_bad, fed_good, strict=True))

        def mix(old: int, new: int, share: Decimal) -> Decimal:
            bad = fed_bad[old] + (fed_bad[new] - fed_bad[old]) * share
            every = bad + fed_good[old] + (fed_good[new] - fed_good[old]) * share
            return bad / every

        return Feed((good, bad), (), values, mix)

    return drive


def latency_with_traffic(percentile: Decimal, traffic: Sequence[Phase]) -> Driver:
    """Latency driver that also feeds `traffic` requests/s (regression guards read it)."""
    latency = latency_driver(percentile)

    def drive(ctx: Ctx, subject: str, phases: Sequence[Phase], end_s: int) -> Feed:
        feed = latency(ctx, subject, phases, end_s)
        requests, _ = _requests(ctx, subject, traffic, end_s)
        return Feed((*feed.series, requests), feed.labels, feed.values, feed.mix)

    return drive


def replica(ctx: Ctx, subject: str, index: int) -> Labels:
    """The replica labels of a service's container number `index` (1, 2, ...): those its
    container selector fixes keep their value, the others read `<service>-<index>`."""
    box = ctx.spec.services[subject].container
    return _sorted({k: box.get(k, f"{subject}-{index}") for k in replica_labels(ctx.spec)})


def container_feed(
    ctx: Ctx, kind: str, subject: str, phases: Sequence[Phase], end_s: int, index: int = 1
) -> Feed:
    """Drive one replica's CPU (`kind` "cpu") or memory use as a share of its own limit."""
    spec, service = ctx.spec, ctx.spec.services[subject]
    one = replica(ctx, subject, index)
    chosen = _sorted(box_labels(spec, subject) | dict(one))
    limits = service_resources(spec, service).limits
    if kind == "cpu":
        rates = [(s, v * limits.cpu) for s, v in phases]
        series, fed = counter(spec.signals.container_cpu, chosen, rates, end_s, ctx.interval_s)
        shares = tuple(f / limits.cpu for f in fed)
        return Feed((series,), one, shares, linear(shares))
    limit = Decimal(limits.memory)
    levels = [(s, v * limit) for s, v in phases]
    series, fed = gauge(spec.signals.container_memory, chosen, levels, end_s, ctx.interval_s)
    return Feed((series,), one, tuple(f / limit for f in fed))


def container_cpu(ctx: Ctx, subject: str, phases: Sequence[Phase], end_s: int) -> Feed:
    """Drive a service's CPU use (one replica) as a share of its CPU limit."""
    return container_feed(ctx, "cpu", subject, phases, end_s)


def container_memory(ctx: Ctx, subject: str, phases: Sequence[Phase], end_s: int) -> Feed:
    """Drive a service's memory use (one replica) as a share of its memory limit."""
    return container_feed(ctx, "memory", subject, phases, end_s)


def _node(ctx: Ctx) -> tuple[Exporter, dict[str, str]]:
    node = ctx.spec.exporters.node
    return node, node.selector | {"instance": node.targets[0]}


def node_cpu(ctx: Ctx, subject: str, phases: Sequence[Phase], end_s: int) -> Feed:
    """Drive the node's CPU use: 1 - the idle CPU seconds per second. Beside it on the
    instance, the same CPU's user seconds (the used share) and another job's idle CPU (idle
    throughout): averaged in, either moves the value far from the one driven, so the idle
    mode and every selector label are proved."""
    node, chosen = _node(ctx)
    idle = chosen | {"mode": "idle"}
    rates = [(s, 1 - v) for s, v in phases]
    name = ctx.spec.signals.node_cpu
    series, fed = counter(name, _sorted(idle), rates, end_s, ctx.interval_s)
    used = tuple(1 - f for f in fed)
    user, _ = counter(name, _sorted(chosen | {"mode": "user"}), phases, end_s, ctx.interval_s)
    others = [
        counter(name, _sorted(idle | {k: f"not-{v}"}), [(0, Decimal(1))], end_s, ctx.interval_s)[0]
        for k, v in node.selector.items()
    ]
    return Feed((series, user, *others), labels(instance=chosen["instance"]), used, linear(used))


def _used_share(
    ctx: Ctx,
    names: tuple[str, str],
    size: Decimal,
    chosen: dict[str, str],
    phases: Sequence[Phase],
    end_s: int,
) -> Feed:
    available, total = names
    levels = [(s, (1 - v) * size) for s, v in phases]
    free, fed = gauge(available, _sorted(chosen), levels, end_s, ctx.interval_s)
    whole, _ = gauge(total, _sorted(chosen), [(0, size)], end_s, ctx.interval_s)
    return Feed((free, whole), _sorted(chosen), tuple(1 - f / size for f in fed))


def node_memory(ctx: Ctx, subject: str, phases: Sequence[Phase], end_s: int) -> Feed:
    """Drive the node's memory use: 1 - available / total."""
    sig = ctx.spec.signals
    _, chosen = _node(ctx)
    names = (sig.node_memory_available, sig.node_memory_total)
    return _used_share(ctx, names, NODE_MEMORY, chosen, phases, end_s)


def node_filesystem(ctx: Ctx, subject: str, phases: Sequence[Phase], end_s: int) -> Feed:
    """Drive the root filesystem's use: 1 - available / size."""
    sig = ctx.spec.signals
    _, chosen = _node(ctx)
    chosen = chosen | {"fstype": "ext4", "mountpoint": "/"}
    names = (sig.node_filesystem_available, sig.node_filesystem_size)
    return _used_share(ctx, names, NODE_DISK, chosen, phases, end_s)


def _store(ctx: Ctx, subject: str) -> tuple[Postgres | Redis, dict[str, str]]:
    store = ctx.spec.datastores[subject]
    return store, store.selector | {"instance": store.targets[0]}


def postgres_connections(ctx: Ctx, subject: str, phases: Sequence[Phase], end_s: int) -> Feed:
    """Drive Postgres connections as a share of max_connections."""
    store, chosen = _store(ctx, subject)
    assert isinstance(store, Postgres)
    limit = Decimal(store.max_connections)
    levels = [(s, v * limit) for s, v in phases]
    metric = store.connections_metric
    series, fed = gauge(metric, _sorted(chosen), levels, end_s, ctx.interval_s)
    return Feed((series,), labels(instance=chosen["instance"]), tuple(f / limit for f in fed))


def redis_memory(ctx: Ctx, subject: str, phases: Sequence[Phase], end_s: int) -> Feed:
    """Drive Redis memory as a share of maxmemory."""
    store, chosen = _store(ctx, subject)
    assert isinstance(store, Redis)
    limit = Decimal(store.maxmemory)
    levels = [(s, v * limit) for s, v in phases]
    series, fed = gauge(store.memory_metric, _sorted(chosen), levels, end_s, ctx.interval_s)
    return Feed((series,), labels(instance=chosen["instance"]), tuple(f / limit for f in fed))


def threshold_driver(ctx: Ctx, kind: str) -> Driver:
    """The driver of a threshold alert kind."""
    if kind == "latency":
        assert ctx.spec.alerts.latency is not None
        return latency_driver(ctx.spec.alerts.latency.percentile)
    drivers: dict[str, Driver] = {
        "throughput": throughput,
        "cpu": container_cpu,
        "memory": container_memory,
        "node_cpu": node_cpu,
        "node_memory": node_memory,
        "node_filesystem": node_filesystem,
        "postgres_connections": postgres_connections,
        "redis_memory": redis_memory,
    }
    if kind not in drivers:
        raise CaseError(f"no test driver for threshold alerts of kind {kind!r}")
    return drivers[kind]


THRESHOLD_KINDS = frozenset(
    {"latency", "throughput", "cpu", "memory", "node_cpu", "node_memory", "node_filesystem"}
    | {"postgres_connections", "redis_memory"}
)
# Signals that are shares of a whole: a level past 100 % cannot be fed (idle CPU < 0).
SHARE_KINDS = frozenset(
    {"cpu", "memory", "node_cpu", "node_memory", "node_filesystem"}
    | {"postgres_connections", "redis_memory"}
)
