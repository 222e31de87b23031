"""Plan the per-service recording rules and threshold alerts (latency, throughput, CPU, memory)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.prometheus.containers import container_records, replica_subject, service_resources
from generator.prometheus.model import AlertRule, Expr, Labels, RecordingRule, labels
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


def service_records(spec: Spec, name: str, service: Service) -> list[RecordingRule]:
    """Recording rules of one service: RED signals and container use against limits."""
    sig = spec.signals
    static = labels(service=name, tier=service.tier)
    app = eq(service.selector)
    box = eq(service.container)
    mine = [("service", "=", name)]
    errors = app + [(m.label, m.op, m.value) for m in request_errors(spec)]
    window = cv.RATE_WINDOW
    rules = [
        RecordingRule(
            cv.requests_rate(sig.requests),
            Expr(
                "sum_rate",
                {"metric": sig.requests, "selector": app, "window": window},
            ),
            static,
        ),
        RecordingRule(
            cv.errors_rate(sig.requests),
            Expr(
                "sum_rate_or_zero_while",
                {"metric": sig.requests, "selector": errors, "window": window, "present": app},
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
                "sum_rate_by",
                {
                    "metric": f"{sig.duration}_bucket",
                    "selector": app,
                    "window": window,
                    "by": ["le"],
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
    rules += container_records(spec, name, service)
    for metric in (sig.container_network_receive, sig.container_network_transmit):
        rules.append(
            RecordingRule(
                cv.container_network_rate(metric),
                Expr(
                    "sum_rate",
                    {"metric": metric, "selector": box, "window": window},
                ),
                static,
            )
        )
    return rules


def quantiles(spec: Spec) -> list[Decimal]:
    """Percentiles recorded for every service: the latency alert's, p95 and p99 (dashboards)."""
    wanted = {Decimal(95), Decimal(99)}
    if spec.alerts.latency:
        wanted.add(spec.alerts.latency.percentile)
    return sorted(wanted)


def service_alerts(spec: Spec, name: str, service: Service) -> list[AlertRule]:
    """Threshold alerts of one service, at its effective values (service > tier > global)."""
    sig = spec.signals
    static = labels(service=name, tier=service.tier)
    mine = [("service", "=", name)]
    limits = service_resources(spec, service).limits
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
        latency = effective_alert(spec, ("services", name), "latency")
        rules += threshold_alerts(spec, watch, latency, name, static, mine)
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
            effective_alert(spec, ("services", name), "throughput"),
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
            effective_alert(spec, ("services", name), "cpu"),
            f" (of its {fmt(limits.cpu)} CPU limit)",
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
            effective_alert(spec, ("services", name), "memory"),
            f" (of its {limits.memory} byte limit)",
        ),
    ]
    for watch, alert, context in watches:
        subject = name if watch.kind == "throughput" else replica_subject(spec, name)
        rules += threshold_alerts(spec, watch, alert, subject, static, mine, context)
    return rules
