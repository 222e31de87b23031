"""Synthetic HTTP traffic of a set of services: history for backfill, live tail for scrapes.

A `Model` says what is served: the services, their label sets, their incidents, the alerts
those make active and the SLOs both rule sets implement (duri.py: DuRi's four services, the
default; fleet.py: N synthetic ones). One `Traffic` object advances step by step (one step
= one sample of the history) and keeps the cumulative counters, so the OpenMetrics history
and the live exposition that continues it after the history ends are the same process: no
jump, no counter reset at the seam.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bench.rule_cost.slos import SLO

AlertKey = tuple[str, str, str]  # (service, slo, severity)
STATUSES = ("200", "404", "500", "503")
LE = ("0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf")
SLOW_BUCKET = 2  # index of le="0.5": the latency SLO threshold
# Healthy latency distribution: cumulative share of requests at or under each `le`.
BASE_CDF = (0.55, 0.83, 0.98, 0.994, 0.999, 0.9998, 1.0, 1.0)
MEAN_SECONDS = 0.13  # feeds _sum only


@dataclass(frozen=True)
class Service:
    """A service: its job label, tier, mean request rate, endpoints (name, share), baselines."""

    job: str
    tier: str
    rps: float
    endpoints: tuple[tuple[str, float], ...]
    error_share: float  # baseline share of 5xx
    slow_share: float = 0.02  # baseline share slower than 0.5 s


@dataclass(frozen=True)
class Incident:
    """A period (seconds relative to the anchor; end None = ongoing) with a changed share."""

    job: str
    kind: str  # "errors" (5xx share) or "latency" (share slower than 0.5 s)
    start: float
    end: float | None
    share: float


@dataclass(frozen=True)
class Model:
    """What the traffic is made of, and what it should make the rules decide."""

    services: tuple[Service, ...]
    methods: tuple[tuple[str, float], ...]  # (method, share of each endpoint's requests)
    incidents: tuple[Incident, ...]
    expected: frozenset[AlertKey]  # what the incidents make active while the benchmark runs
    slos: tuple[SLO, ...]  # the SLOs both rule sets implement

    def describe(self) -> str:
        """`N services (jobs ...), L label sets (job x E endpoints x M methods x S statuses)`."""
        jobs = [s.job for s in self.services]
        names = ", ".join(jobs) if len(jobs) <= 4 else f"{jobs[0]} .. {jobs[-1]}"
        endpoints = "/".join(str(n) for n in sorted({len(s.endpoints) for s in self.services}))
        methods = len(self.methods)
        sets = sum(len(s.endpoints) for s in self.services) * methods * len(STATUSES)
        return (
            f"{len(jobs)} services (jobs {names}), {sets:,} label sets (job x {endpoints} "
            f"endpoints x {methods} method{'s' * (methods != 1)} x {len(STATUSES)} statuses)"
        )


def _labels(**pairs: str) -> str:
    return "{" + ",".join(f'{k}="{v}"' for k, v in pairs.items()) + "}"


def _cdf(slow: float) -> tuple[float, ...]:
    """Latency CDF with `slow` of requests above 0.5 s, same shape as the healthy one."""
    base_slow = 1.0 - BASE_CDF[SLOW_BUCKET]
    fast_scale = (1.0 - slow) / (1.0 - base_slow)
    slow_scale = slow / base_slow
    out: list[float] = []
    for i, c in enumerate(BASE_CDF):
        v = c * fast_scale if i <= SLOW_BUCKET else 1.0 - (1.0 - c) * slow_scale
        out.append(min(1.0, max(out[-1] if out else 0.0, v)))
    out[-1] = 1.0
    return tuple(out)


class _Series:
    """Cumulative state of one (job, endpoint, method, status) label set."""

    __slots__ = ("buckets", "count", "counter_prefix", "hist_prefixes", "sum")

    def __init__(self, svc: Service, endpoint: str, method: str, status: str) -> None:
        # the labels the scrape job obsgen writes puts on every target: its service and tier
        # (what the services' shared rules select and aggregate by)
        lab = {
            "job": svc.job,
            "service": svc.job,
            "tier": svc.tier,
            "status": status,
            "method": method,
            "endpoint": endpoint,
        }
        self.counter_prefix = "http_requests_total" + _labels(**lab) + " "
        self.hist_prefixes = (
            *tuple(
                "http_request_duration_seconds_bucket" + _labels(**lab, le=le) + " " for le in LE
            ),
            "http_request_duration_seconds_count" + _labels(**lab) + " ",
            "http_request_duration_seconds_sum" + _labels(**lab) + " ",
        )
        self.count = 0.0
        self.buckets = [0.0] * len(LE)
        self.sum = 0.0

    def add(self, n: float, cdf: tuple[float, ...], mean: float) -> None:
        self.count += n
        b = self.buckets
        for i, c in enumerate(cdf):
            b[i] += n * c
        b[-1] = self.count  # +Inf equals _count exactly
        self.sum += n * mean

    def lines(self, suffix: str, counter: bool = True, histogram: bool = True) -> Iterator[str]:
        """Exposition lines (`suffix` carries the timestamp and newline)."""
        count = f"{math.floor(self.count)}"
        if counter:
            yield self.counter_prefix + count + suffix
        if not histogram:
            return
        p = self.hist_prefixes
        for i, v in enumerate(self.buckets):
            yield p[i] + f"{math.floor(v)}" + suffix
        yield p[-2] + count + suffix
        yield p[-1] + f"{self.sum:.3f}" + suffix


class Traffic:
    """Deterministic traffic of a model's services, advanced one step at a time."""

    def __init__(self, model: Model, anchor: float, step: float, seed: int = 42) -> None:
        self.anchor = anchor
        self.step = step
        self.rng = random.Random(seed)
        self.t: float | None = None  # time of the last completed step
        self.incidents: dict[str, list[Incident]] = {}  # job -> its incidents, in order
        for inc in model.incidents:
            self.incidents.setdefault(inc.job, []).append(inc)
        self.streams: list[tuple[Service, float, list[_Series]]] = []
        for svc in model.services:
            for endpoint, share in svc.endpoints:
                for method, mshare in model.methods:
                    series = [_Series(svc, endpoint, method, s) for s in STATUSES]
                    self.streams.append((svc, share * mshare, series))

    @property
    def series_count(self) -> int:
        """Number of exposed series (counter + 8 buckets + _count + _sum per label set)."""
        return sum(len(s) for _, _, s in self.streams) * (len(LE) + 3)

    def _share(self, job: str, kind: str, t: float, base: float) -> float:
        rel = t - self.anchor
        for inc in self.incidents.get(job, ()):
            if inc.kind == kind and inc.start <= rel and (inc.end is None or rel < inc.end):
                return inc.share
        return base

    def advance(self, t: float) -> None:
        """Add the requests of the step ending at `t`."""
        rng = self.rng
        day = 2 * math.pi * ((t % 86400) / 86400 - 0.25)
        diurnal = 1.0 + 0.35 * math.sin(day)
        cdfs: dict[tuple[str, float], tuple[float, ...]] = {}
        for svc, share, series in self.streams:
            n = svc.rps * share * diurnal * self.step * rng.uniform(0.9, 1.1)
            err = self._share(svc.job, "errors", t, svc.error_share)
            slow = self._share(svc.job, "latency", t, svc.slow_share)
            cdf = cdfs.get((svc.job, slow))
            if cdf is None:
                cdf = cdfs[(svc.job, slow)] = _cdf(slow)
            mean = MEAN_SECONDS * (1 + 10 * (slow - svc.slow_share))
            e = n * err * rng.uniform(0.6, 1.4)
            n404 = n * 0.01 * rng.uniform(0.5, 1.5)
            for s, k in zip(series, (n - e - n404, n404, 0.7 * e, 0.3 * e), strict=True):
                s.add(k, cdf, mean)
        self.t = t

    def advance_to(self, now: float) -> None:
        """Advance over every whole step that has ended by `now`."""
        assert self.t is not None, "write the history first"
        while self.t + self.step <= now:
            self.advance(self.t + self.step)

    def lines(self, suffix: str, counter: bool = True, histogram: bool = True) -> Iterator[str]:
        """Current value of every series (or of one family), each line ending with `suffix`."""
        for _, _, series in self.streams:
            for s in series:
                yield from s.lines(suffix, counter, histogram)


def write_openmetrics(path: str, traffic: Traffic, times: Iterable[float]) -> int:
    """Write the history at these times (OpenMetrics, one step each, in order); return samples."""
    samples = 0
    with open(path, "w", encoding="ascii", buffering=1 << 20) as f:
        f.write("# TYPE http_requests counter\n# TYPE http_request_duration_seconds histogram\n")
        for t in times:
            traffic.advance(t)
            lines = list(traffic.lines(f" {int(t)}\n"))
            f.writelines(lines)
            samples += len(lines)
        f.write("# EOF\n")
    return samples


def exposition(traffic: Traffic, now: float) -> str:
    """Prometheus text format of the latest whole step, with its timestamp (ms)."""
    traffic.advance_to(now)
    assert traffic.t is not None
    suffix = f" {int(traffic.t * 1000)}\n"
    return "".join(
        [
            "# TYPE http_requests_total counter\n",
            *traffic.lines(suffix, histogram=False),
            "# TYPE http_request_duration_seconds histogram\n",
            *traffic.lines(suffix, counter=False),
        ]
    )
