"""Plan the services' recording rules (shared, or a service's own) and each service's threshold
alerts (latency, throughput, CPU, memory; sharing.py shares them between services alike)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.prometheus.containers import container_records, replica_subject, service_resources
from generator.prometheus.ingestion import INGESTED, reads_by_job, selection
from generator.prometheus.model import AlertRule, Expr, Labels, RecordingRule, any_of, labels
from generator.spec import (
    Service,
    Spec,
    Threshold,
    ThresholdAlert,
    effective_alert,
    request_errors,
)

Matchers = list[tuple[str, str, str]]
HUNDRED = Decimal(100)


def eq(selector: dict[str, str]) -> Matchers:
    """Exact-match matchers from a selector mapping, sorted by label."""
    return [(k, "=", v) for k, v in sorted(selector.items())]


def ratio(percent: Decimal) -> Decimal:
    """Percent -> ratio, exactly (80 -> 0.8)."""
    return percent / HUNDRED


def seconds_text(value: Decimal) -> str:
    """0.5 -> '500ms', 2 -> '2s'."""
    return f"{fmt(value * 1000)}ms" if value < 1 else f"{fmt(value)}s"


@dataclass(frozen=True)
class Watch:
    """What a threshold alert watches, and how to word it."""

    kind: str
    alert: str
    series: str
    what: str  # "p95 latency", "CPU use"
    unit: str  # "seconds" | "rps" | "percent"
    value_fmt: str  # Go template rendering $value


def threshold_text(watch: Watch, threshold: Decimal) -> str:
    """The threshold as an SRE writes it: 500ms, 50 req/s, 80%."""
    if watch.unit == "seconds":
        return seconds_text(threshold)
    if watch.unit == "rps":
        return f"{fmt(threshold)} req/s"
    return f"{fmt(threshold)}%"


def threshold_alerts(
    spec: Spec,
    watch: Watch,
    alert: ThresholdAlert | None,
    subject: str,
    static: Labels,
    selector: Matchers,
    context: str = "",
) -> list[AlertRule]:
    """Warning/critical alert rules of one threshold alert on one subject."""
    if alert is None:
        return []
    rules = []
    below = watch.kind == "throughput"
    for severity in ("warning", "critical"):
        tier: Threshold | None = getattr(alert, severity)
        if tier is None:
            continue
        value = tier.threshold if watch.unit != "percent" else ratio(tier.threshold)
        shown = threshold_text(watch, tier.threshold)
        word = "below" if below else "above"
        rules.append(
            AlertRule(
                alert=watch.alert,
                expr=Expr(
                    "compare",
                    {
                        "series": watch.series,
                        "selector": selector,
                        "op": "<" if below else ">",
                        "threshold": value,
                    },
                ),
                for_=tier.for_,
                labels=tuple(sorted((*static, ("severity", severity)))),
                annotations=labels(
                    # subject and context are names the spec restricts to [a-z0-9-]
                    # or our own Go templates ($labels.instance), never free text
                    summary=f"{subject}: {watch.what} {word} {shown}",
                    description=(
                        f"{watch.what[:1].upper()}{watch.what[1:]} of {subject}{context} "
                        f"has been {word} {shown} for {tier.for_}; now {watch.value_fmt}."
                    ),
                    runbook_url=cv.runbook(spec.runbook_url, watch.alert),
                ),
                kind=watch.kind,
                threshold=value,
                direction=word,
                series=watch.series,
                condition=f"{watch.what} {word} {shown}",
            )
        )
    return rules


def http_records(
    spec: Spec, app: Matchers, mine: Matchers, static: Labels, by: list[str]
) -> list[RecordingRule]:
    """RED signals of the services `app` selects: `by` the ingested labels for every service
    the rule is shared by (`static` empty), or one service's with `by` empty and its `static`
    labels."""
    sig = spec.signals
    errors = app + [(m.label, m.op, m.value) for m in request_errors(spec)]
    window = cv.RATE_WINDOW
    rate = {"metric": sig.requests, "selector": app, "window": window}
    rules = [
        RecordingRule(
            cv.requests_rate(sig.requests),
            Expr("sum_rate", rate | {"by": by}),
            static,
        ),
        RecordingRule(
            cv.errors_rate(sig.requests),
            Expr(
                "sum_rate_or_zero_while",
                {"metric": sig.requests, "selector": errors, "window": window, "present": app}
                | {"by": by},
            ),
            static,
        ),
        RecordingRule(
            cv.error_ratio(sig.requests),
            Expr(
                "ratio",
                {
                    "numerator": cv.errors_rate(sig.requests),
                    "denominator": cv.requests_rate(sig.requests),
                    "selector": mine,
                },
            ),
            static,
        ),
        RecordingRule(
            cv.bucket_rate(sig.duration),
            Expr(
                "sum_rate",
                {
                    "metric": f"{sig.duration}_bucket",
                    "selector": app,
                    "window": window,
                    "by": ["le", *by],
                },
            ),
            static,
        ),
    ]
    for percentile in quantiles(spec):
        rules.append(
            RecordingRule(
                cv.quantile(sig.duration, fmt(percentile)),
                Expr(
                    "quantile",
                    {
                        "q": percentile / HUNDRED,
                        "series": cv.bucket_rate(sig.duration),
                        "selector": mine,
                    },
                ),
                static,
            )
        )
    return rules


def own_records(spec: Spec, name: str, service: Service) -> list[RecordingRule]:
    """RED signals of a service not read through its scrape job's labels: its own rules,
    reading its selector (ingestion.py)."""
    static = labels(service=name, tier=service.tier)
    return http_records(spec, eq(service.selector), [("service", "=", name)], static, [])


def shared_records(spec: Spec) -> list[RecordingRule]:
    """The recording rules every service shares, `by (service, tier)` from the series: RED
    signals of the services read through their scrape job (one set per distinct selector
    beside the job), container use (one utilisation rule per distinct limit) and network."""
    rules: list[RecordingRule] = []
    extras: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for name, service in sorted(spec.services.items()):
        if reads_by_job(service):
            rest = tuple(sorted((k, v) for k, v in service.selector.items() if k != "job"))
            extras.setdefault(rest, []).append(name)
    per_selector = []
    for rest, names in sorted(extras.items()):
        mine = selection(spec, names)
        app = sorted([*eq(dict(rest)), *mine])
        per_selector.append(http_records(spec, app, mine, (), list(INGESTED)))
    rules += [any_of(same) for same in zip(*per_selector, strict=True)]
    rules += container_records(spec)
    every = selection(spec, sorted(spec.services))
    for metric in (spec.signals.container_network_receive, spec.signals.container_network_transmit):
        rules.append(
            RecordingRule(
                cv.container_network_rate(metric),
                Expr(
                    "sum_rate",
                    {
                        "metric": metric,
                        "selector": every,
                        "window": cv.RATE_WINDOW,
                        "by": list(INGESTED),
                    },
                ),
            )
        )
    return rules


def quantiles(spec: Spec) -> list[Decimal]:
    """Percentiles recorded for every service: the latency alert's, p95 and p99 (dashboards)."""
    wanted = {Decimal(95), Decimal(99)}
    if spec.alerts.latency:
        wanted.add(spec.alerts.latency.percentile)
    return sorted(wanted)


SERVICE_TEMPLATE = "{{ $labels.service }}"  # a shared rule's annotations name the service so


@dataclass(frozen=True)
class ThresholdSettings:
    """What a service's threshold alerts are planned from besides its name and tier: each
    alert as it applies to the service (service > tier > global, None when off) and the
    container limits its CPU and memory alerts name. Services with equal settings share
    their threshold alert rules (sharing.py)."""

    latency: ThresholdAlert | None
    throughput: ThresholdAlert | None
    cpu: ThresholdAlert | None
    memory: ThresholdAlert | None
    cpu_limit: Decimal
    memory_limit: str

    def key(self) -> tuple[object, ...]:
        """Equal for equal settings: every field by value (the alerts are pydantic models,
        which do not hash; their reprs cost as much as planning the rules again)."""
        return tuple(_value(getattr(self, f.name)) for f in dataclasses.fields(self))


def _value(value: object) -> object:
    """A hashable form of a spec value, equal for equal values (models field by field)."""
    fields = getattr(type(value), "model_fields", None)
    if fields is not None:
        return (type(value).__name__, *(_value(getattr(value, name)) for name in fields))
    if isinstance(value, Decimal):  # 0.50 and 0.5 are equal, yet each prints as written
        return ("Decimal", str(value))
    return value


def threshold_settings(spec: Spec, name: str, service: Service) -> ThresholdSettings:
    """The settings of one service's threshold alerts."""
    limits = service_resources(spec, service).limits
    return ThresholdSettings(
        latency=effective_alert(spec, ("services", name), "latency")
        if spec.alerts.latency
        else None,
        throughput=effective_alert(spec, ("services", name), "throughput"),
        cpu=effective_alert(spec, ("services", name), "cpu"),
        memory=effective_alert(spec, ("services", name), "memory"),
        cpu_limit=limits.cpu,
        memory_limit=str(limits.memory),
    )


def service_alerts(
    spec: Spec, name: str, tier: str, settings: ThresholdSettings, shared: bool = False
) -> list[AlertRule]:
    """Threshold alerts of one service, at its effective `settings`: its own rules, or
    (`shared`) the rules as every service alike shares them, the service and tier taken
    from the series, selecting the stand-in `service` sharing.finish replaces with the
    services the rule covers (then `name` and `tier` are not read)."""
    sig = spec.signals
    static = () if shared else labels(service=name, tier=tier)
    mine: Matchers = [("service", "=", SERVICE_TEMPLATE if shared else name)]
    who = SERVICE_TEMPLATE if shared else name
    rules: list[AlertRule] = []
    if spec.alerts.latency:
        pct = fmt(spec.alerts.latency.percentile)
        watch = Watch(
            "latency",
            cv.alert_name("latency", pct),
            cv.quantile(sig.duration, pct),
            f"p{pct} latency",
            "seconds",
            "{{ $value | humanizeDuration }}",
        )
        rules += threshold_alerts(spec, watch, settings.latency, who, static, mine)
    watches = [
        (
            Watch(
                "throughput",
                cv.alert_name("throughput"),
                cv.requests_rate(sig.requests),
                "request rate",
                "rps",
                "{{ $value | humanize }} req/s",
            ),
            settings.throughput,
            "",
        ),
        (
            Watch(
                "cpu",
                cv.alert_name("cpu"),
                cv.CONTAINER_CPU_UTILISATION,
                "container CPU use",
                "percent",
                "{{ $value | humanizePercentage }}",
            ),
            settings.cpu,
            f" (of its {fmt(settings.cpu_limit)} CPU limit)",
        ),
        (
            Watch(
                "memory",
                cv.alert_name("memory"),
                cv.CONTAINER_MEMORY_UTILISATION,
                "container memory use",
                "percent",
                "{{ $value | humanizePercentage }}",
            ),
            settings.memory,
            f" (of its {settings.memory_limit} byte limit)",
        ),
    ]
    for watch, alert, context in watches:
        subject = who if watch.kind == "throughput" else replica_subject(spec, who)
        rules += threshold_alerts(spec, watch, alert, subject, static, mine, context)
    return rules
