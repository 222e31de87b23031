"""Container CPU and memory per replica, each against its own container's limit.

cAdvisor writes one series set per running container; a service with three replicas has
three. Summing them over the service and dividing by one container's limit reads three
replicas at 50 % as 150 %, so every series here keeps the replica labels
(`exporters.cadvisor.replica_labels`) and each replica is measured, alerted on and drawn
on its own. The limit is the spec's (`resources.limits`), not cAdvisor's
`container_spec_*` series: docs/grafana.md, "Containers", says why.
"""

from __future__ import annotations

from decimal import Decimal

from generator.core import conventions as cv
from generator.prometheus.ingestion import INGESTED, selection
from generator.prometheus.model import Expr, RecordingRule, any_of
from generator.spec import Service, ServiceResources, Spec


def service_resources(spec: Spec, service: Service) -> ServiceResources:
    """The service's resources, or the spec defaults (crosscheck guarantees one exists)."""
    resources = service.resources or spec.defaults.resources
    assert resources is not None
    return resources


def replica_labels(spec: Spec) -> list[str]:
    """The labels telling one running container of a service from another."""
    return list(spec.exporters.cadvisor.replica_labels)


def replica_subject(spec: Spec, name: str) -> str:
    """How an alert names the replica it fires for: the service, then its replica labels
    as Go templates ({{ $labels.instance }}/{{ $labels.name }})."""
    shown = "/".join(f"{{{{ $labels.{label} }}}}" for label in replica_labels(spec))
    return f"{name} replica {shown}"


def container_records(spec: Spec) -> list[RecordingRule]:
    """CPU cores and memory bytes used per replica of every service (by the ingested labels
    cAdvisor's relabelling puts on its series), and each against its container's limit: one
    rule per distinct limit."""
    sig = spec.signals
    every = selection(spec, sorted(spec.services))
    by = [*replica_labels(spec), *INGESTED]
    cpu, memory = (
        cv.container_cpu_rate(sig.container_cpu),
        cv.container_memory_sum(sig.container_memory),
    )
    cpu_limits: dict[Decimal, list[str]] = {}
    memory_limits: dict[Decimal, list[str]] = {}
    for name, service in sorted(spec.services.items()):
        limits = service_resources(spec, service).limits
        cpu_limits.setdefault(Decimal(limits.cpu), []).append(name)
        memory_limits.setdefault(Decimal(limits.memory), []).append(name)
    rules = [
        RecordingRule(
            cpu,
            Expr(
                "sum_rate",
                {
                    "metric": sig.container_cpu,
                    "selector": every,
                    "window": cv.RATE_WINDOW,
                    "by": by,
                },
            ),
        ),
    ]
    rules.append(
        any_of(
            [
                RecordingRule(
                    cv.CONTAINER_CPU_UTILISATION,
                    Expr(
                        "divide", {"series": cpu, "selector": selection(spec, names), "by": limit}
                    ),
                )
                for limit, names in sorted(cpu_limits.items())
            ]
        )
    )
    rules.append(
        RecordingRule(
            memory,
            Expr("sum_by", {"metric": sig.container_memory, "selector": every, "by": by}),
        )
    )
    rules.append(
        any_of(
            [
                RecordingRule(
                    cv.CONTAINER_MEMORY_UTILISATION,
                    Expr(
                        "divide",
                        {"series": memory, "selector": selection(spec, names), "by": limit},
                    ),
                )
                for limit, names in sorted(memory_limits.items())
            ]
        )
    )
    return rules
