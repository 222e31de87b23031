"""Plan node and datastore (Postgres, Redis) recording rules and threshold alerts."""

from __future__ import annotations

from decimal import Decimal

from generator.core import conventions as cv
from generator.prometheus.model import AlertRule, Expr, RecordingRule, labels
from generator.prometheus.rules import Watch, eq, threshold_alerts
from generator.spec import NODE, Postgres, Redis, Spec, effective_alert

PCT = "{{ $value | humanizePercentage }}"
BY_INSTANCE = ["instance"]


def node_records(spec: Spec) -> list[RecordingRule]:
    """Node CPU, memory and filesystem utilisation per instance."""
    sig, node = spec.signals, spec.exporters.node
    static = labels(service="node", tier=node.tier)
    sel = eq(node.selector)
    fs = [*sel, ("fstype", "!~", cv.IGNORED_FSTYPES)]
    return [
        RecordingRule(
            cv.NODE_CPU_UTILISATION,
            Expr(
                "idle_complement",
                {
                    "metric": sig.node_cpu,
                    "selector": [*sel, ("mode", "=", "idle")],
                    "window": cv.RATE_WINDOW,
                    "by": BY_INSTANCE,
                },
            ),
            static,
        ),
        RecordingRule(
            cv.NODE_MEMORY_UTILISATION,
            Expr(
                "used_ratio",
                {
                    "available": sig.node_memory_available,
                    "total": sig.node_memory_total,
                    "selector": sel,
                },
            ),
            static,
        ),
        RecordingRule(
            cv.NODE_FILESYSTEM_UTILISATION,
            Expr(
                "used_ratio",
                {
                    "available": sig.node_filesystem_available,
                    "total": sig.node_filesystem_size,
                    "selector": fs,
                },
            ),
            static,
        ),
    ]


def node_alerts(spec: Spec) -> list[AlertRule]:
    """Node CPU, memory and filesystem alerts."""
    node = spec.exporters.node
    static = labels(service="node", tier=node.tier)
    mine = [("service", "=", "node")]
    rules: list[AlertRule] = []
    for kind, series, what in (
        ("node_cpu", cv.NODE_CPU_UTILISATION, "CPU use"),
        ("node_memory", cv.NODE_MEMORY_UTILISATION, "memory use"),
        ("node_filesystem", cv.NODE_FILESYSTEM_UTILISATION, "filesystem use"),
    ):
        where = "{{ $labels.instance }}"
        if kind == "node_filesystem":
            where += " {{ $labels.mountpoint }}"
        watch = Watch(kind, cv.alert_name(kind), series, what, "percent", PCT)
        alert = effective_alert(spec, NODE, kind)
        rules += threshold_alerts(spec, watch, alert, f"node {where}", static, mine)
    return rules


def postgres_records(name: str, store: Postgres) -> list[RecordingRule]:
    """Postgres connection use against max_connections and tuple rates."""
    static = labels(service=name, tier=store.tier)
    sel = eq(store.selector)
    rules = [
        RecordingRule(
            cv.PG_CONNECTIONS,
            Expr(
                "sum_by", {"metric": store.connections_metric, "selector": sel, "by": BY_INSTANCE}
            ),
            static,
        ),
        RecordingRule(
            cv.PG_CONNECTIONS_UTILISATION,
            Expr(
                "divide",
                {
                    "series": cv.PG_CONNECTIONS,
                    "selector": [("service", "=", name)],
                    "by": Decimal(store.max_connections),
                },
            ),
            static,
        ),
    ]
    for metric in (store.tuples_returned_metric, store.tuples_fetched_metric):
        rules.append(
            RecordingRule(
                cv.pg_tuples_rate(metric),
                Expr(
                    "sum_rate",
                    {
                        "metric": metric,
                        "selector": sel,
                        "window": cv.RATE_WINDOW,
                        "by": ["datname", "instance"],
                    },
                ),
                static,
            )
        )
    return rules


def redis_records(name: str, store: Redis) -> list[RecordingRule]:
    """Redis memory against maxmemory and the keyspace hit ratio."""
    static = labels(service=name, tier=store.tier)
    sel = eq(store.selector)
    return [
        RecordingRule(
            cv.REDIS_MEMORY_UTILISATION,
            Expr(
                "sum_by_divide",
                {
                    "metric": store.memory_metric,
                    "selector": sel,
                    "by": BY_INSTANCE,
                    "denominator": Decimal(store.maxmemory),
                },
            ),
            static,
        ),
        RecordingRule(
            cv.REDIS_HIT_RATIO,
            Expr(
                "hit_ratio",
                {
                    "hits": store.hits_metric,
                    "misses": store.misses_metric,
                    "selector": sel,
                    "window": cv.RATE_WINDOW,
                    "by": BY_INSTANCE,
                },
            ),
            static,
        ),
    ]


def datastore_alerts(spec: Spec, name: str, store: Postgres | Redis) -> list[AlertRule]:
    """Connection (Postgres) or memory (Redis) alerts of one datastore."""
    static = labels(service=name, tier=store.tier)
    mine = [("service", "=", name)]
    if isinstance(store, Postgres):
        watch = Watch(
            "postgres_connections",
            cv.alert_name("postgres_connections"),
            cv.PG_CONNECTIONS_UTILISATION,
            "connection use",
            "percent",
            PCT,
        )
        context = f" (of max_connections {store.max_connections})"
        alert = effective_alert(spec, ("datastores", name), "postgres_connections")
    else:
        watch = Watch(
            "redis_memory",
            cv.alert_name("redis_memory"),
            cv.REDIS_MEMORY_UTILISATION,
            "memory use",
            "percent",
            PCT,
        )
        context = f" (of maxmemory {store.maxmemory} bytes)"
        alert = effective_alert(spec, ("datastores", name), "redis_memory")
    subject = f"{name} {{{{ $labels.instance }}}}"
    return threshold_alerts(spec, watch, alert, subject, static, mine, context)
