"""The mapping test: every service's series reach the shared rules as series of its own.

The service signals are recorded once for every service, `by (service, tier)` from the labels
the scrape puts on the series (prometheus/ingestion.py), and a threshold alert rule serves
every service with the same settings (prometheus/sharing.py). Threshold and SLO tests prove
what a rule computes on the service they drive (the first it covers); this test proves who
each result belongs to. It feeds every service's requests, latency buckets, one container
replica and its network counters at once, beside another job's requests and a container no
service names, at levels past every threshold (traffic below the lowest throughput one,
every request slower than the last bucket, each replica past the highest share), until
every `for` has passed. Then each recorded service signal must hold exactly one series per
service (per bucket, per replica) with the service's own labels and none without a service,
and each shared alert must fire exactly once for each service it covers at each severity
(`ALERTS`; each expected member written once, members.py): a series lost, doubled, merged
with another service's or taken from a stranger, a service left out of a rule or in two,
fails it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.prometheus import (
    INGESTED,
    AlertRule,
    Labels,
    app_labels,
    box_labels,
    quantiles,
    service_resources,
)
from generator.promtest.cases import Ctx, Scenario, at, ceil_to, seconds
from generator.promtest.feeds import counter, gauge
from generator.promtest.firing import SERVICE_ALERT, firing_once
from generator.promtest.inputs import _sorted, replica, status_labels
from generator.promtest.members import Members, each_of, mapping_scenario, total
from generator.promtest.model import CaseError, ExprCheck, InputSeries
from generator.spec import Spec

STRANGER = "no-service"  # label value of series no service's selector names
RATE = Decimal(1)  # network bytes per second, and requests without a throughput alert
HALF = Decimal("0.5")


@dataclass(frozen=True)
class _Levels:
    """What every service is fed: requests per second, and the share of its container's
    CPU and memory limits its replica uses."""

    requests: Decimal
    cpu: Decimal
    memory: Decimal


def _past(shared: list[AlertRule], kind: str) -> list[Decimal]:
    return [v.threshold for r in shared if r.kind == kind for v in r.views if v.threshold]


def _levels(shared: list[AlertRule]) -> _Levels:
    """Levels past every shared threshold: half the lowest throughput threshold, halfway
    from the highest CPU or memory share to 100 %."""
    throughput = _past(shared, "throughput")
    cpu, memory = _past(shared, "cpu"), _past(shared, "memory")
    return _Levels(
        min(throughput) * HALF if throughput else RATE,
        (max(cpu) + 1) * HALF if cpu else HALF,
        (max(memory) + 1) * HALF if memory else HALF,
    )


def _recorded(spec: Spec) -> list[tuple[str, tuple[str, ...]]]:
    """Each recorded service signal with the labels its series carry beside the ingested ones."""
    sig = spec.signals
    replica_labels = tuple(spec.exporters.cadvisor.replica_labels)
    signals: list[tuple[str, tuple[str, ...]]] = [
        (cv.requests_rate(sig.requests), ()),
        (cv.errors_rate(sig.requests), ()),
        (cv.error_ratio(sig.requests), ()),
        (cv.bucket_rate(sig.duration), ("le",)),
    ]
    signals += [(cv.quantile(sig.duration, fmt(q)), ()) for q in quantiles(spec)]
    signals += [
        (cv.container_cpu_rate(sig.container_cpu), replica_labels),
        (cv.CONTAINER_CPU_UTILISATION, replica_labels),
        (cv.container_memory_sum(sig.container_memory), replica_labels),
        (cv.CONTAINER_MEMORY_UTILISATION, replica_labels),
        (cv.container_network_rate(sig.container_network_receive), ()),
        (cv.container_network_rate(sig.container_network_transmit), ()),
    ]
    return signals


def _last_bucket(spec: Spec) -> Decimal:
    return (spec.metrics[spec.signals.duration].buckets or (Decimal(1),))[-1]


def _fed(
    ctx: Ctx, name: str, end: int, levels: _Levels
) -> tuple[list[InputSeries], dict[str, str]]:
    """Service `name`'s raw series as Prometheus stores them, and its replica's labels: every
    request slower than the last bucket (its percentiles read the last bound)."""
    spec, iv = ctx.spec, ctx.interval_s
    sig = spec.signals
    good, _ = status_labels(ctx)
    app = app_labels(spec, name)
    one = dict(replica(ctx, name, 1))
    box = box_labels(spec, name) | one
    limits = service_resources(spec, spec.services[name]).limits
    traffic = [(0, levels.requests)]
    none = [(0, Decimal(0))]
    slowest = _sorted(app | {"le": fmt(_last_bucket(spec))})
    series = [
        counter(sig.requests, _sorted(app | good), traffic, end, iv)[0],
        counter(f"{sig.duration}_bucket", slowest, none, end, iv)[0],
        counter(f"{sig.duration}_bucket", _sorted(app | {"le": "+Inf"}), traffic, end, iv)[0],
        counter(sig.container_cpu, _sorted(box), [(0, limits.cpu * levels.cpu)], end, iv)[0],
        gauge(
            sig.container_memory,
            _sorted(box),
            [(0, Decimal(limits.memory) * levels.memory)],
            end,
            iv,
        )[0],
    ]
    steady = [(0, RATE)]
    series += [
        counter(metric, _sorted(box_labels(spec, name)), steady, end, iv)[0]
        for metric in (sig.container_network_receive, sig.container_network_transmit)
    ]
    return series, one


def _strangers(ctx: Ctx, end: int) -> list[InputSeries]:
    """Another job's requests (good and failed) and latency, and a container no service's
    selector names: no ingested labels, as Prometheus stores them."""
    spec, iv = ctx.spec, ctx.interval_s
    sig = spec.signals
    good, bad = status_labels(ctx)
    job = {"job": STRANGER} | good
    keys = {k for s in spec.services.values() for k in s.container}
    box = {k: STRANGER for k in sorted(keys | set(spec.exporters.cadvisor.replica_labels))}
    steady = [(0, RATE)]
    series = [
        counter(sig.requests, _sorted(job), steady, end, iv)[0],
        counter(sig.requests, _sorted(job | bad), steady, end, iv)[0],
        counter(f"{sig.duration}_bucket", _sorted(job | {"le": "+Inf"}), steady, end, iv)[0],
        counter(sig.container_cpu, _sorted(box), steady, end, iv)[0],
        gauge(sig.container_memory, _sorted(box), steady, end, iv)[0],
    ]
    series += [
        counter(metric, _sorted(box), steady, end, iv)[0]
        for metric in (sig.container_network_receive, sig.container_network_transmit)
    ]
    return series


def _alert_checks(
    ctx: Ctx, members: Members, shared: list[AlertRule], when: int
) -> list[ExprCheck]:
    """Each shared alert firing once per service it covers and severity."""
    last = _last_bucket(ctx.spec)
    for rule in shared:
        if rule.kind == "latency" and any(v.threshold and v.threshold >= last for v in rule.views):
            raise CaseError(f"{rule.alert}: no latency past the last bucket ({fmt(last)}) fires it")
    return firing_once(
        members,
        [v for r in shared for v in r.views],
        SERVICE_ALERT,
        when,
        "every service past every threshold of the shared alerts for longer than every for: "
        "each fires once for each service it covers, at each severity, and for no other",
    )


def _record_checks(
    ctx: Ctx, members: Members, replicas: dict[str, dict[str, str]], when: int
) -> list[ExprCheck]:
    """Each recorded service signal: as many series per service (and replica) as it was fed
    (two buckets), with the service's own labels, and no other series."""
    spec = ctx.spec
    checks = []
    for record, extra in _recorded(spec):
        keys = tuple(sorted((*INGESTED, *(k for k in extra if k != "le"))))
        per = 2 if "le" in extra else 1  # the last bucket and +Inf
        table: dict[Labels, Decimal | None] = {}
        for name in sorted(spec.services):
            own = {"service": name, "tier": spec.services[name].tier} | replicas[name]
            table[_sorted({k: v for k, v in own.items() if k in keys})] = Decimal(per)
        what = f"per replica ({', '.join(extra)})" if extra and per == 1 else "per service"
        proves = (
            f"{record}: {per} series {what}, with the service's own labels; none from another "
            "job's or container's series"
        )
        counted = ExprCheck(record, (), at(when), (), proves, count_by=keys)
        checks += each_of(members, counted, table)
        checks.append(total(ExprCheck(record, (), at(when), (), proves), per * len(table)))
    return checks


def mapping_scenarios(ctx: Ctx, shared: list[AlertRule]) -> list[Scenario]:
    """One scenario: every service's series and the strangers, then every recorded service
    signal counted per service, and every shared alert's firing per service and severity."""
    spec = ctx.spec
    wait = max((seconds(r.for_) for r in shared), default=0)
    when = ceil_to(ctx.settle_s + wait + ctx.step_s, ctx.step_s)
    levels = _levels(shared)
    series = _strangers(ctx, when)
    replicas: dict[str, dict[str, str]] = {}
    for name in sorted(spec.services):
        fed, one = _fed(ctx, name, when, levels)
        series += fed
        replicas[name] = one
    members = Members()
    checks = _record_checks(ctx, members, replicas, when)
    checks += _alert_checks(ctx, members, shared, when)
    name = "every service's series map into the recording rules"
    return [mapping_scenario(name, series, members, checks, when // ctx.interval_s + 1)]
