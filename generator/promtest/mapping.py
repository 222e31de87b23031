"""The mapping test: every service's raw series reach the recording rules as series of its own.

The service signals are recorded once for every service, `by (service, tier)` from the labels
the scrape puts on the series (prometheus/ingestion.py). Threshold and SLO tests prove what a
rule computes on the services they drive; this test proves who the result belongs to. It feeds
each service's requests, latency buckets, one container replica and its network counters at
once, beside another job's requests and a container no service names, and checks every
recorded service signal holds exactly one series per service (per bucket, per replica) with
the service's own labels, and none without a service: a series lost, doubled, merged with
another service's or taken from a stranger fails it.
"""

from __future__ import annotations

from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.prometheus import INGESTED, app_labels, box_labels
from generator.promtest.cases import Ctx, Scenario, at, ceil_to
from generator.promtest.feeds import counter, gauge
from generator.promtest.inputs import _sorted, replica, status_labels
from generator.promtest.model import ExprCheck, InputSeries, Sample
from generator.spec import Spec

STRANGER = "no-service"  # label value of series no service's selector names
RATE = Decimal(1)  # requests, cores and bytes per second: any steady rate is recorded


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
    quantiles = {Decimal(95), Decimal(99)}
    if spec.alerts.latency:
        quantiles.add(spec.alerts.latency.percentile)
    signals += [(cv.quantile(sig.duration, fmt(q)), ()) for q in sorted(quantiles)]
    signals += [
        (cv.container_cpu_rate(sig.container_cpu), replica_labels),
        (cv.CONTAINER_CPU_UTILISATION, replica_labels),
        (cv.container_memory_sum(sig.container_memory), replica_labels),
        (cv.CONTAINER_MEMORY_UTILISATION, replica_labels),
        (cv.container_network_rate(sig.container_network_receive), ()),
        (cv.container_network_rate(sig.container_network_transmit), ()),
    ]
    return signals


def _fed(ctx: Ctx, name: str, end: int) -> tuple[list[InputSeries], dict[str, str]]:
    """Service `name`'s raw series as Prometheus stores them, and its replica's labels."""
    spec, iv = ctx.spec, ctx.interval_s
    sig = spec.signals
    good, _ = status_labels(ctx)
    app = app_labels(spec, name)
    last = (spec.metrics[sig.duration].buckets or (Decimal(1),))[-1]
    one = dict(replica(ctx, name, 1))
    box = box_labels(spec, name) | one
    steady = [(0, RATE)]
    series = [
        counter(sig.requests, _sorted(app | good), steady, end, iv)[0],
        counter(f"{sig.duration}_bucket", _sorted(app | {"le": fmt(last)}), steady, end, iv)[0],
        counter(f"{sig.duration}_bucket", _sorted(app | {"le": "+Inf"}), steady, end, iv)[0],
        counter(sig.container_cpu, _sorted(box), steady, end, iv)[0],
        gauge(sig.container_memory, _sorted(box), steady, end, iv)[0],
    ]
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


def mapping_scenarios(ctx: Ctx) -> list[Scenario]:
    """One scenario: every service's series and the strangers, then every recorded service
    signal counted per service."""
    spec = ctx.spec
    when = ceil_to(ctx.settle_s, ctx.step_s)
    end = when
    series = _strangers(ctx, end)
    replicas: dict[str, dict[str, str]] = {}
    for name in sorted(spec.services):
        fed, one = _fed(ctx, name, end)
        series += fed
        replicas[name] = one
    last = (spec.metrics[spec.signals.duration].buckets or (Decimal(1),))[-1]
    checks = []
    for record, extra in _recorded(spec):
        keys = tuple(sorted((*INGESTED, *extra)))
        samples = []
        for name in sorted(spec.services):
            own = {"service": name, "tier": spec.services[name].tier} | replicas[name]
            for le in (fmt(last), "+Inf") if "le" in extra else (None,):
                labels = {k: v for k, v in own.items() if k in keys}
                labels |= {"le": le} if le is not None else {}
                samples.append(Sample("", _sorted(labels), Decimal(1)))
        checks.append(
            ExprCheck(
                record,
                (),
                at(when),
                tuple(sorted(samples, key=lambda s: s.labels)),
                f"{record}: one series per service{' and ' + '/'.join(extra) if extra else ''}, "
                "with the service's own labels; none from another job's or container's series",
                count_by=keys,
            )
        )
    metrics = frozenset(s.metric for s in series)
    return [
        Scenario(
            "every service's series map into the recording rules",
            metrics,
            tuple(series),
            (),
            tuple(checks),
        )
    ]
