"""A synthetic DuRi exporter whose traffic, errors, latency, CPU, memory and queue the test sets.

Every scrape target of the spec gets its own HTTP server on 127.0.0.1 (an ephemeral port):
one per service (`http_requests_total`, the request-duration histogram and the depth of its
inbound queue, `duri_queue_depth`), one for cAdvisor (the `container_*` series of every
service) and one for node_exporter, which runs in a process of its own (target_process.py)
so a scenario can stop it by PID. Counters are the integral over time of the rates the test
sets, so the same model also writes the history
`promtool tsdb create-blocks-from openmetrics` backfills: Prometheus starts with full 5m
windows, the steady state of a system that has been running, instead of empty ones.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

Labels = tuple[tuple[str, str], ...]
MIB = 2**20
GIB = 2**30
ENDPOINT = (("method", "POST"), ("endpoint", "/api/chat"))
QUEUE = (("queue", "inbound"),)


@dataclass(frozen=True)
class Traffic:
    """What one service does from the moment it is set: the test's only knob."""

    rate: float  # requests per second
    error_share: float = 0.0  # share of requests answered 500
    latency: tuple[tuple[float, float], ...] = ((0.05, 1.0),)  # (seconds, share of requests)
    cpu: float = 0.4  # cores busy
    memory: float = 400 * MIB  # bytes in use
    queue: float = 0.0  # messages waiting in the service's inbound queue


@dataclass(frozen=True)
class Series:
    """One exposed series: its family (counters without `_total`), type, sample name, labels."""

    family: str
    kind: str
    name: str
    labels: Labels


Sample = tuple[Series, float]
Source = Callable[[float], list[Sample]]  # a target's samples at a given time


class Process(Protocol):
    """A target served by a process of its own (target_process.TargetProcess)."""

    def start(self) -> int:
        """Start serving; return the port."""
        ...

    def stop(self) -> object:
        """Stop serving."""
        ...


class _Integrator:
    """Counters that grow at the current slopes; the slopes change when the state is set."""

    def __init__(self, since: float) -> None:
        self.lock = threading.Lock()
        self.since = since
        self.base: dict[Series, float] = {}

    def advance(self, slopes: Mapping[Series, float], to: float) -> None:
        for series, slope in slopes.items():
            self.base[series] = self.base.get(series, 0.0) + slope * (to - self.since)
        self.since = to

    def values(self, slopes: Mapping[Series, float], at: float) -> list[Sample]:
        return [
            (s, self.base.get(s, 0.0) + slope * (at - self.since)) for s, slope in slopes.items()
        ]


class ServiceSignals:
    """One service: its requests, latency histogram and queue, and its container's CPU and
    memory."""

    def __init__(
        self,
        container: Mapping[str, str],
        buckets: tuple[float, ...],
        traffic: Traffic,
        since: float,
    ) -> None:
        self.container: Labels = tuple(sorted(container.items()))
        self.buckets = buckets
        self.traffic = traffic
        self._counters = _Integrator(since)

    def set(self, at: float, **changes: Any) -> None:
        """From `at` on, the service does what it did with `changes` (Traffic fields) made."""
        with self._counters.lock:
            self._counters.advance(self._slopes(self.traffic), at)
            self.traffic = dataclasses.replace(self.traffic, **changes)

    def app(self, at: float) -> list[Sample]:
        """The service's own /metrics at time `at`."""
        return [s for s in self._all(at) if not s[0].family.startswith("container_")]

    def container_series(self, at: float) -> list[Sample]:
        """This service's part of cAdvisor's /metrics at time `at`."""
        return [s for s in self._all(at) if s[0].family.startswith("container_")]

    def _all(self, at: float) -> list[Sample]:
        with self._counters.lock:
            traffic = self.traffic
            samples = self._counters.values(self._slopes(traffic), at)
        return [
            *samples,
            (_gauge("container_memory_usage_bytes", self.container), traffic.memory),
            (_gauge("duri_queue_depth", QUEUE), traffic.queue),
        ]

    def _slopes(self, traffic: Traffic) -> dict[Series, float]:
        slopes: dict[Series, float] = {}
        hist = "http_request_duration_seconds"
        for status, share in (("200", 1 - traffic.error_share), ("500", traffic.error_share)):
            labels = (*ENDPOINT, ("status", status))
            rate = traffic.rate * share
            slopes[_counter("http_requests", labels)] = rate
            for bound in (*self.buckets, float("inf")):
                below = sum(part for seconds, part in traffic.latency if seconds <= bound)
                # written as DuRi's Python client writes bounds ("1.0", "+Inf"), not as Go's ("1")
                le = (*labels, ("le", floatToGoString(bound)))
                slopes[Series(hist, "histogram", f"{hist}_bucket", le)] = rate * below
            mean = sum(seconds * part for seconds, part in traffic.latency)
            slopes[Series(hist, "histogram", f"{hist}_sum", labels)] = rate * mean
            slopes[Series(hist, "histogram", f"{hist}_count", labels)] = rate
        slopes[_counter("container_cpu_usage_seconds", (*self.container, ("cpu", "total")))] = (
            traffic.cpu
        )
        eth0 = (*self.container, ("interface", "eth0"))
        # bytes on the wire follow the requests: about 2 KB in and 8 KB out per request
        slopes[_counter("container_network_receive_bytes", eth0)] = traffic.rate * 2e3
        slopes[_counter("container_network_transmit_bytes", eth0)] = traffic.rate * 8e3
        return slopes


def _counter(family: str, labels: Labels) -> Series:
    return Series(family, "counter", f"{family}_total", labels)


def _gauge(name: str, labels: Labels) -> Series:
    return Series(name, "gauge", name, labels)


class NodeSignals:
    """A quiet host: mostly idle CPU, a third of its memory and 40 % of its disk in use."""

    def __init__(self, since: float) -> None:
        self._counters = _Integrator(since)
        self._slopes = {
            _counter("node_cpu_seconds", (("cpu", "0"), ("mode", mode))): share
            for mode, share in (("idle", 0.85), ("system", 0.05), ("user", 0.1))
        }
        disk = (("device", "/dev/vda1"), ("fstype", "ext4"), ("mountpoint", "/"))
        self._gauges: list[Sample] = [
            (_gauge("node_memory_MemTotal_bytes", ()), 8192.0 * MIB),
            (_gauge("node_memory_MemAvailable_bytes", ()), 5461.0 * MIB),
            (_gauge("node_filesystem_size_bytes", disk), 100e9),
            (_gauge("node_filesystem_avail_bytes", disk), 60e9),
        ]

    def samples(self, at: float) -> list[Sample]:
        """node_exporter's /metrics at time `at`."""
        with self._counters.lock:
            counters = self._counters.values(self._slopes, at)
        return counters + self._gauges


class _Collector(Collector):
    def __init__(self, samples: Source, clock: Callable[[], float]):
        self._samples = samples
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        for series, value in self._samples(self._clock()):
            family = families.setdefault(
                series.family, Metric(series.family, "Synthetic series (obsgen e2e).", series.kind)
            )
            family.add_sample(series.name, dict(series.labels), value)
        yield from families.values()


class _Handler(BaseHTTPRequestHandler):
    server: _MetricsServer

    def do_GET(self) -> None:
        body = generate_latest(self.server.registry)
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPE_LATEST)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every second would drown the test log."""


class _MetricsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, registry: CollectorRegistry, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.registry = registry


def serve(source: Source, clock: Callable[[], float], port: int = 0) -> ThreadingHTTPServer:
    """Serve `source` as /metrics on 127.0.0.1:`port` (0: an ephemeral one) in a daemon thread."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector(source, clock))
    server = _MetricsServer(registry, port)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    ).start()
    return server


@dataclass
class Exporter:
    """The scrape targets: `sources` maps a target name to its samples at a given time."""

    sources: dict[str, Source]
    clock: Callable[[], float]
    services: dict[str, ServiceSignals]  # the knobs behind the service targets
    # targets served by a process of their own (the same source, so history matches them)
    processes: Mapping[str, Process] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    _servers: list[ThreadingHTTPServer] = field(default_factory=list)

    def start(self) -> dict[str, int]:
        """Serve every target on its own 127.0.0.1 port; return {target: port}."""
        for name, source in sorted(self.sources.items()):
            if name in self.processes:
                self.ports[name] = self.processes[name].start()
                continue
            server = serve(source, self.clock)
            self._servers.append(server)
            self.ports[name] = int(server.server_address[1])
        return dict(self.ports)

    def stop(self) -> None:
        """Stop every server and close its socket; stop each target process by its PID."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()
        for process in self.processes.values():
            process.stop()

    def history(
        self, target_labels: Mapping[str, Mapping[str, str]], start: float, end: float, step: float
    ) -> str:
        """OpenMetrics text of every target's samples from `start` to `end`, as scrapes see them.

        `target_labels` gives, per target, the labels Prometheus attaches when it scrapes it
        (job, instance and the static labels of prometheus.yml): backfilled and scraped
        samples must form the same series.
        """
        lines = []
        steps = int((end - start) / step)
        for i in range(steps + 1):
            at = start + i * step
            for name, source in sorted(self.sources.items()):
                extra = tuple(sorted(target_labels[name].items()))
                for series, value in source(at):
                    labels = ",".join(f'{k}="{v}"' for k, v in (*series.labels, *extra))
                    lines.append(f"{series.name}{{{labels}}} {value!r} {at:.3f}")
        lines.append("# EOF")
        return "\n".join(lines) + "\n"
