"""Checks that span fields: references exist, tiers are ordered, buckets fit, names are unique.

Each problem points at the field that has to change.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal

from generator.core.numbers import fmt, parse_duration
from generator.errors import Problem, unknown_name
from generator.spec.alerts import ThresholdAlert
from generator.spec.checks_overrides import override_problems
from generator.spec.checks_replicas import replica_problems, shared_container_problems
from generator.spec.checks_slo import slo_problems
from generator.spec.load import Document, PathT
from generator.spec.metrics import MetricType
from generator.spec.model import Spec

# Signals that fire when the value falls below the threshold; all others fire above it.
BELOW = frozenset({"throughput"})

_SIGNAL_TYPES: dict[str, tuple[MetricType, ...]] = {
    "requests": (MetricType.counter,),
    "duration": (MetricType.histogram,),
    "container_cpu": (MetricType.counter,),
    "container_memory": (MetricType.gauge,),
    "container_network_receive": (MetricType.counter,),
    "container_network_transmit": (MetricType.counter,),
    "node_cpu": (MetricType.counter,),
    "node_memory_available": (MetricType.gauge,),
    "node_memory_total": (MetricType.gauge,),
    "node_filesystem_available": (MetricType.gauge,),
    "node_filesystem_size": (MetricType.gauge,),
}
_DATASTORE_METRICS: dict[str, MetricType] = {
    "connections_metric": MetricType.gauge,
    "tuples_returned_metric": MetricType.counter,
    "tuples_fetched_metric": MetricType.counter,
    "memory_metric": MetricType.gauge,
    "clients_metric": MetricType.gauge,
    "hits_metric": MetricType.counter,
    "misses_metric": MetricType.counter,
}


_RATE_WINDOW_MS = 300_000  # rules read raw counters with rate(...[5m])


def _metric(
    spec: Spec, name: str, want: tuple[MetricType, ...], path: PathT
) -> Iterator[tuple[PathT, str]]:
    metric = spec.metrics.get(name)
    if metric is None:
        yield path, f"metric {name!r} is not in the metric catalogue (metrics)"
    elif metric.type not in want:
        kinds = " or ".join(t.value for t in want)
        yield path, f"metric {name!r} is a {metric.type.value}; this role needs a {kinds}"


def _problems(spec: Spec) -> Iterator[tuple[PathT, str]]:
    for name, metric in spec.metrics.items():
        if metric.type is MetricType.histogram:
            if not metric.buckets:
                yield ("metrics", name, "type"), "a histogram needs buckets"
            elif list(metric.buckets) != sorted(set(metric.buckets)):
                yield ("metrics", name, "buckets"), "buckets must be strictly ascending"
            if "le" in metric.labels:
                yield ("metrics", name, "labels"), "'le' is implied for histograms; remove it"
        elif metric.buckets is not None:
            yield ("metrics", name, "buckets"), "only histograms have buckets"
        if len(set(metric.labels)) != len(metric.labels):
            yield ("metrics", name, "labels"), "labels must be unique"

    for role, want in _SIGNAL_TYPES.items():
        yield from _metric(spec, getattr(spec.signals, role), want, ("signals", role))
    requests = spec.metrics.get(spec.signals.requests)
    if requests and spec.signals.status_label not in requests.labels:
        yield (
            ("signals", "status_label"),
            (f"label {spec.signals.status_label!r} is not a label of {spec.signals.requests!r}"),
        )

    for name, service in spec.services.items():
        if service.tier not in spec.tiers:
            yield ("services", name, "tier"), unknown_name("tier", service.tier, spec.tiers)
        if service.resources is None and spec.defaults.resources is None:
            yield ("services", name), "no resources: set resources or defaults.resources"
        if not service.selector:
            yield ("services", name, "selector"), "the selector needs at least one label"
        if not service.container:
            yield ("services", name, "container"), "the container selector needs a label"
    yield from replica_problems(spec)
    yield from shared_container_problems(spec)
    for name, exporter in (("node", spec.exporters.node), ("cadvisor", spec.exporters.cadvisor)):
        if exporter.tier not in spec.tiers:
            yield ("exporters", name, "tier"), unknown_name("tier", exporter.tier, spec.tiers)
        if "job" not in exporter.selector:
            yield ("exporters", name, "selector"), "the selector needs a job label"

    jobs: dict[str, PathT] = {}
    for path, selector in _job_selectors(spec):
        job = selector.get("job")
        if job is None:
            continue
        if job in jobs:
            yield (*path, "job"), f"job {job!r} is also used by {'.'.join(map(str, jobs[job]))}"
        jobs[job] = path
    for name in spec.services:
        if name in spec.datastores:
            yield ("datastores", name), f"{name!r} is also a service name; names must be unique"
    yield from _name_collisions(spec)

    for tier in spec.health.severity:
        if tier not in spec.tiers:
            yield ("health", "severity", tier), unknown_name("tier", tier, spec.tiers)
    reserved = {"prometheus", "alertmanager"} & {
        *(s.selector.get("job", n) for n, s in spec.services.items()),
        *(e.selector.get("job", "") for e in (spec.exporters.node, spec.exporters.cadvisor)),
        *(d.selector.get("job", "") for d in spec.datastores.values()),
    }
    if spec.health.enabled and reserved:
        yield (
            ("health", "enabled"),
            f"job {sorted(reserved)[0]!r} is the monitoring's own scrape job; rename the "
            "spec's job or turn health alerts off",
        )

    for name, store in spec.datastores.items():
        if store.tier not in spec.tiers:
            yield ("datastores", name, "tier"), unknown_name("tier", store.tier, spec.tiers)
        if "job" not in store.selector:
            yield ("datastores", name, "selector"), "the selector needs a job label"
        for field, mtype in _DATASTORE_METRICS.items():
            if hasattr(store, field):
                yield from _metric(
                    spec, getattr(store, field), (mtype,), ("datastores", name, field)
                )

    duration = spec.metrics.get(spec.signals.duration)
    if spec.alerts.latency and duration and duration.buckets:
        top = max(duration.buckets)
        # histogram_quantile interpolates from 0 inside the first bucket: with every request
        # there, the percentile is still percentile% of its bound, and never lower
        floor = spec.alerts.latency.percentile / 100 * min(duration.buckets)
        for level in ("warning", "critical"):
            tier = getattr(spec.alerts.latency, level)
            if tier is not None and tier.threshold <= floor:
                yield (
                    ("alerts", "latency", level, "threshold"),
                    (
                        f"{fmt(tier.threshold)} s is always exceeded: the p"
                        f"{fmt(spec.alerts.latency.percentile)} of {spec.signals.duration!r} "
                        f"never falls below {fmt(floor)} s ({fmt(spec.alerts.latency.percentile)}% "
                        f"of its first bucket, {fmt(min(duration.buckets))} s); raise the "
                        "threshold or add a smaller bucket"
                    ),
                )
            if tier is not None and tier.threshold >= top:
                # histogram_quantile never returns more than the largest finite bucket bound
                yield (
                    ("alerts", "latency", level, "threshold"),
                    (
                        f"{tier.threshold} s can never be exceeded: "
                        f"{spec.signals.duration!r} has no bucket above {top} s, so its "
                        "percentiles stop there; lower the threshold or add a larger bucket"
                    ),
                )
    yield from slo_problems(spec)
    yield from override_problems(spec)

    for kind in type(spec.alerts).model_fields:
        alert = getattr(spec.alerts, kind)
        if alert is not None:
            yield from _tiers(kind, alert)
    if spec.alerts.postgres_connections and not _has(spec, "postgres"):
        yield ("alerts", "postgres_connections"), "no datastore of kind postgres to watch"
    if spec.alerts.redis_memory and not _has(spec, "redis"):
        yield ("alerts", "redis_memory"), "no datastore of kind redis to watch"
    reg = spec.regression
    # after a step change the offset side still sees the old level for `compare`, less the
    # 5m the rates take to settle: a regression must hold `for` within that, or never fires
    if reg and parse_duration(reg.for_) + _RATE_WINDOW_MS >= parse_duration(reg.compare):
        yield (
            ("regression", "for"),
            f"{reg.for_} plus the 5m rate window is not shorter than compare ({reg.compare}): "
            f"{reg.compare} after a change the comparison sees the new level on both sides, "
            "so the alert could never fire; shorten for or compare further back",
        )
    # throughput regresses by falling: 100 % worse is no traffic at all, and the rule's
    # `rate < 0 * before` can never hold
    if reg and "throughput" in reg.metrics and reg.threshold >= 100:
        yield (
            ("regression", "threshold"),
            f"a throughput {fmt(reg.threshold)}% below the level {reg.compare} ago is no "
            "traffic or less, so ThroughputRegression could never fire; use a threshold "
            "under 100",
        )


def _name_collisions(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Names that would collide once obsgen derives rule groups, files and objects from them:
    `node` and the system's own name label generated groups, and `<system>-<x>` is how a
    service `x` is prefixed (so `core` and `duri-core` would share objects)."""
    owners: dict[str, PathT] = {}
    for section, names in (("services", spec.services), ("datastores", spec.datastores)):
        for name in names:
            path: PathT = (section, name)
            if name in ("node", spec.name):
                yield path, f"{name!r} is reserved: obsgen names its node/{spec.name} groups so"
            prefixed = name if name.startswith(f"{spec.name}-") else f"{spec.name}-{name}"
            if prefixed in owners:
                other = ".".join(map(str, owners[prefixed]))
                yield path, f"{name!r} and {other} would both be named {prefixed!r} in outputs"
            owners[prefixed] = path


def _has(spec: Spec, kind: str) -> bool:
    return any(store.kind == kind for store in spec.datastores.values())


def _job_selectors(spec: Spec) -> Iterator[tuple[PathT, dict[str, str]]]:
    for name, service in spec.services.items():
        yield ("services", name, "selector"), service.selector
    yield ("exporters", "node", "selector"), spec.exporters.node.selector
    yield ("exporters", "cadvisor", "selector"), spec.exporters.cadvisor.selector
    for name, store in spec.datastores.items():
        yield ("datastores", name, "selector"), store.selector


def _tiers(kind: str, alert: ThresholdAlert) -> Iterator[tuple[PathT, str]]:
    base: PathT = ("alerts", kind)
    if alert.warning is None and alert.critical is None:
        yield base, "set a warning or a critical tier (or remove the alert)"
    for level in ("warning", "critical"):
        tier = getattr(alert, level)
        if tier is None:
            continue
        if tier.threshold < 0:
            yield (*base, level, "threshold"), "must not be negative"
        percent = kind not in ("latency", "throughput")
        if percent and not Decimal(0) < tier.threshold <= Decimal(100):
            yield (
                (*base, level, "threshold"),
                f"is a percent: between 0 and 100 (got {tier.threshold})",
            )
    if alert.warning and alert.critical:
        w, c = alert.warning.threshold, alert.critical.threshold
        if kind in BELOW and w <= c:
            yield (
                (*base, "warning", "threshold"),
                (
                    f"this alert fires below its threshold, so the warning ({w}) must be above "
                    f"the critical ({c})"
                ),
            )
        elif kind not in BELOW and w >= c:
            yield (
                (*base, "warning", "threshold"),
                (f"the warning threshold ({w}) must be below the critical ({c})"),
            )


# A check of another domain over a structurally valid spec (the routing section's route tree,
# alertmanager.spec_checks): its problems follow the spec's own, in the order given.
Check = Callable[[Spec], Iterator[tuple[PathT, str]]]


def crosscheck(spec: Spec, doc: Document, checks: Sequence[Check] = ()) -> list[Problem]:
    """All cross-field problems of a structurally valid spec, located in `doc`."""
    found = itertools.chain(_problems(spec), *(check(spec) for check in checks))
    return [doc.problem(path, message) for path, message in found]
