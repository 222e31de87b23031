"""The infrastructure dashboard (containers against their limits, nodes, network, and the
health of the exporters' data and of the alerting path) and the
datastores dashboard (Postgres connections and tuples, Redis memory, hits and clients)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.grafana.health import health_row, health_services
from generator.grafana.model import CRITICAL, REFERENCE, Panel
from generator.grafana.panels import Layout, PlannedAlerts, bytes_text, constant, panel, series
from generator.grafana.replicas import replica_legend
from generator.prometheus import Expr, eq, service_resources
from generator.spec import Postgres, Redis, Spec

ZERO = Decimal(0)
BY_SERVICE = "{{service}}"


def _resource_lines(
    groups: dict[tuple[str, Decimal], list[str]], show: Callable[[Decimal], str]
) -> list[tuple[Expr, str, str]]:
    """One dashed line per distinct limit (red) or reservation (blue), naming the services
    that share it."""
    colour = {"limit": CRITICAL, "reservation": REFERENCE}
    return [
        (constant(value), f"{word} {show(value)} ({', '.join(sorted(names))})", colour[word])
        for (word, value), names in sorted(groups.items())
    ]


def infrastructure_panels(spec: Spec, alerts: PlannedAlerts) -> tuple[Panel, ...]:
    """Every panel of the infrastructure dashboard, placed."""
    sig = spec.signals
    cpu_lines: dict[tuple[str, Decimal], list[str]] = defaultdict(list)
    memory_lines: dict[tuple[str, Decimal], list[str]] = defaultdict(list)
    for name, service in spec.services.items():
        resources = service_resources(spec, service)
        for word, figures in (("limit", resources.limits), ("reservation", resources.reservations)):
            if figures is not None:
                cpu_lines[(word, figures.cpu)].append(name)
                memory_lines[(word, Decimal(figures.memory))].append(name)
    by_replica = replica_legend(spec, BY_SERVICE)
    layout = Layout()
    layout.row("Containers against their limits", "containers", 1)
    layout.add(
        panel(
            "containers.cpu",
            "timeseries",
            "Container CPU (of limit)",
            [(series(cv.CONTAINER_CPU_UTILISATION), by_replica)],
            unit="percentunit",
            w=12,
            h=8,
            **alerts.lines("cpu"),
            min=ZERO,
        ),
        panel(
            "containers.memory",
            "timeseries",
            "Container memory (of limit)",
            [(series(cv.CONTAINER_MEMORY_UTILISATION), by_replica)],
            unit="percentunit",
            w=12,
            h=8,
            **alerts.lines("memory"),
            min=ZERO,
        ),
        panel(
            "containers.cores",
            "timeseries",
            "Container CPU cores used",
            [(series(cv.container_cpu_rate(sig.container_cpu)), by_replica)],
            unit="short",
            w=12,
            h=8,
            references=_resource_lines(cpu_lines, lambda cpus: f"{fmt(cpus)} CPU"),
            min=ZERO,
        ),
        panel(
            "containers.bytes",
            "timeseries",
            "Container memory used",
            [(series(cv.container_memory_sum(sig.container_memory)), by_replica)],
            unit="bytes",
            w=12,
            h=8,
            references=_resource_lines(memory_lines, lambda size: bytes_text(int(size))),
            min=ZERO,
        ),
    )
    layout.row("Nodes", "nodes", 2)
    for kind, title, name, legend in (
        ("node_cpu", "Node CPU busy", cv.NODE_CPU_UTILISATION, "{{instance}}"),
        ("node_memory", "Node memory used", cv.NODE_MEMORY_UTILISATION, "{{instance}}"),
        (
            "node_filesystem",
            "Filesystem used",
            cv.NODE_FILESYSTEM_UTILISATION,
            "{{instance}} {{mountpoint}}",
        ),
    ):
        layout.add(
            panel(
                f"nodes.{kind.removeprefix('node_')}",
                "timeseries",
                title,
                [(series(name), legend)],
                unit="percentunit",
                w=8,
                h=8,
                **alerts.lines(kind),
                min=ZERO,
            )
        )
    layout.row("Network", "network", 3)
    for key, title, metric in (
        ("network.receive", "Received", sig.container_network_receive),
        ("network.transmit", "Sent", sig.container_network_transmit),
    ):
        layout.add(
            panel(
                key,
                "timeseries",
                f"Container network: {title.lower()}",
                [(series(cv.container_network_rate(metric)), BY_SERVICE)],
                unit="Bps",
                w=12,
                h=8,
                min=ZERO,
            )
        )
    health_row(layout, alerts, 4, health_services(alerts))
    return layout.done()


def _postgres(
    layout: Layout, block: int, name: str, store: Postgres, alerts: PlannedAlerts
) -> None:
    mine = [("service", "=", name)]
    limit = Decimal(store.max_connections)
    layout.row(f"Postgres: {name}", name, block)
    layout.add(
        panel(
            f"{name}.connections",
            "timeseries",
            "Connections",
            [(series(cv.PG_CONNECTIONS, mine), "{{instance}}")],
            unit="short",
            w=8,
            h=8,
            references=[(constant(limit), f"max_connections {fmt(limit)}", CRITICAL)],
            min=ZERO,
        ),
        panel(
            f"{name}.connections_used",
            "timeseries",
            "Connections (of max_connections)",
            [(series(cv.PG_CONNECTIONS_UTILISATION, mine), "{{instance}}")],
            unit="percentunit",
            w=8,
            h=8,
            **_own(alerts, name).lines("postgres_connections"),
            min=ZERO,
        ),
        panel(
            f"{name}.tuples",
            "timeseries",
            "Tuples",
            [
                (
                    series(cv.pg_tuples_rate(store.tuples_returned_metric), mine),
                    "returned {{datname}}",
                ),
                (
                    series(cv.pg_tuples_rate(store.tuples_fetched_metric), mine),
                    "fetched {{datname}}",
                ),
            ],
            unit="rowsps",
            w=8,
            h=8,
            min=ZERO,
        ),
    )


def _redis(layout: Layout, block: int, name: str, store: Redis, alerts: PlannedAlerts) -> None:
    mine = [("service", "=", name)]
    exporter = eq(store.selector)
    limit = Decimal(store.maxmemory)
    layout.row(f"Redis: {name}", name, block)
    layout.add(
        panel(
            f"{name}.memory",
            "timeseries",
            "Memory used",
            [
                (
                    Expr(
                        "sum_by",
                        {"metric": store.memory_metric, "selector": exporter, "by": ["instance"]},
                    ),
                    "{{instance}}",
                )
            ],
            unit="bytes",
            w=6,
            h=8,
            references=[(constant(limit), f"maxmemory {bytes_text(store.maxmemory)}", CRITICAL)],
            min=ZERO,
        ),
        panel(
            f"{name}.memory_used",
            "timeseries",
            "Memory (of maxmemory)",
            [(series(cv.REDIS_MEMORY_UTILISATION, mine), "{{instance}}")],
            unit="percentunit",
            w=6,
            h=8,
            **_own(alerts, name).lines("redis_memory"),
            min=ZERO,
        ),
        panel(
            f"{name}.hits",
            "timeseries",
            "Keyspace hit ratio",
            [(series(cv.REDIS_HIT_RATIO, mine), "{{instance}}")],
            unit="percentunit",
            w=6,
            h=8,
            min=ZERO,
            max=Decimal(1),
        ),
        panel(
            f"{name}.clients",
            "timeseries",
            "Connected clients",
            [
                (
                    Expr(
                        "sum_by",
                        {"metric": store.clients_metric, "selector": exporter, "by": ["instance"]},
                    ),
                    "{{instance}}",
                )
            ],
            unit="short",
            w=6,
            h=8,
            min=ZERO,
        ),
    )


def _own(alerts: PlannedAlerts, name: str) -> PlannedAlerts:
    return PlannedAlerts(a for a in alerts if ("service", name) in a.labels)


def datastore_panels(spec: Spec, alerts: PlannedAlerts) -> tuple[Panel, ...]:
    """Every panel of the datastores dashboard, one row per datastore, placed."""
    layout = Layout()
    for block, (name, store) in enumerate(sorted(spec.datastores.items()), start=1):
        if isinstance(store, Postgres):
            _postgres(layout, block, name, store, alerts)
        else:
            _redis(layout, block, name, store, alerts)
    return layout.done()
