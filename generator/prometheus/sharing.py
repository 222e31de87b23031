"""Threshold alert rules shared by every service with the same effective settings.

A service's threshold alerts read its recorded signals, which carry its `service` and `tier`
(ingestion.py), so one rule serves every service whose threshold, `for`, labels and wording
are alike: the rule takes the service and tier from the series and names the service in its
annotations with `{{ $labels.service }}`. Services are grouped by the rule they would share
(an override, a different container limit in the wording, a level turned off: another
rule); each rule selects its services by tier, less the others of those tiers, or by name
(ingestion.selection). The number stays in the rule text: a reviewer reads `> 0.5` in a diff.

Each shared rule keeps the rule each of its services would have on its own (`views`): the
catalogue, routing and dashboards read those, the generated tests drive the first and the
mapping test every one (promtest/mapping.py).
"""

from __future__ import annotations

import dataclasses

from generator.prometheus.ingestion import selection
from generator.prometheus.model import AlertRule, Expr
from generator.prometheus.rules import service_alerts
from generator.spec import Spec

KINDS = ("latency", "throughput", "cpu", "memory")  # the order of a service's threshold alerts
SEVERITIES = ("warning", "critical")


def _static(views: list[AlertRule]) -> tuple[tuple[str, str], ...]:
    """The labels every covered service's alert has alike beside its own (severity...), and
    `service` or `tier` when all share one: the series carries the same value, so writing it
    changes nothing that fires, but it tells two rules of one alert and severity apart
    (Prometheus evaluates both; promtool's lint refuses them as duplicates)."""
    common = set(views[0].labels).intersection(*(set(v.labels) for v in views[1:]))
    return tuple(sorted(common))


def _split(views: list[AlertRule], by: str) -> list[list[AlertRule]]:
    parts: dict[str, list[AlertRule]] = {}
    for view in views:
        parts.setdefault(view.label(by), []).append(view)
    return [parts[k] for k in sorted(parts)]


def shared_alerts(spec: Spec) -> list[AlertRule]:
    """The threshold alert rules of every service, one per distinct effective setting, in
    the order a service's rules come (alert, severity, then first service covered). Two
    rules of one alert and severity alike in their common labels are split by tier, then by
    service, until each carries labels of its own."""
    found: dict[str, tuple[tuple[int, int, str], AlertRule, list[AlertRule]]] = {}
    for name, service in sorted(spec.services.items()):
        alike = service_alerts(spec, name, service, shared=True)
        own = service_alerts(spec, name, service)
        for rule, view in zip(alike, own, strict=True):
            key = repr(rule)
            if key not in found:
                order = (KINDS.index(rule.kind), SEVERITIES.index(rule.label("severity")), name)
                found[key] = (order, rule, [])
            found[key][2].append(view)
    planned = [(rule, views) for _, rule, views in sorted(found.values(), key=lambda x: x[0])]
    for by in ("tier", "service"):
        taken: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
        for rule, views in planned:
            named = (rule.alert, _static(views))
            taken[named] = taken.get(named, 0) + 1
        planned = [
            (rule, part)
            for rule, views in planned
            for part in (_split(views, by) if taken[(rule.alert, _static(views))] > 1 else [views])
        ]
    rules = []
    for rule, views in planned:
        names = [view.label("service") for view in views]
        args = {**rule.expr.args, "selector": selection(spec, names)}
        rules.append(
            dataclasses.replace(
                rule,
                expr=Expr(rule.expr.macro, args),
                labels=_static(views),
                views=tuple(views),
            )
        )
    return rules
