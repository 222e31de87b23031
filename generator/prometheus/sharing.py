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
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from generator.prometheus.ingestion import Matchers, selection
from generator.prometheus.model import AlertRule, Expr, RecordingRule, Rule
from generator.prometheus.regression import regression_alerts
from generator.prometheus.rules import SERVICE_TEMPLATE, service_alerts, threshold_settings
from generator.spec import Spec

KINDS = ("latency", "throughput", "cpu", "memory")  # the order of a service's threshold alerts
SEVERITIES = ("warning", "critical")


R = TypeVar("R", bound=Rule)
# a stand-in service, planned like any other to get the rule services alike share: its
# name is what an annotation names the series' service with, and no service is called so
SERVICE_REF = SERVICE_TEMPLATE
TIER_REF = "{{ $labels.tier }}"
_REFS = frozenset({SERVICE_REF, TIER_REF})
_STAND_IN = ("service", "=", SERVICE_REF)


def common_labels(views: Sequence[Rule]) -> tuple[tuple[str, str], ...]:
    """The labels every covered service's rule has alike beside its own (severity, slo...),
    and `service` or `tier` when all share one: the series carries the same value, so writing
    it changes nothing the rule records or fires, but it tells two rules of one name apart
    (Prometheus evaluates both; promtool's lint refuses them as duplicates)."""
    common = set(views[0].labels)
    common.intersection_update(*(v.labels for v in views[1:]))
    return tuple(sorted(common))


def _name(rule: Rule) -> str:
    return rule.alert if isinstance(rule, AlertRule) else rule.record


def _split(views: list[R], by: str) -> list[list[R]]:
    parts: dict[str, list[R]] = {}
    for view in views:
        parts.setdefault(dict(view.labels)[by], []).append(view)
    return [parts[k] for k in sorted(parts)]


def unique(planned: list[tuple[R, list[R]]]) -> list[tuple[R, list[R]]]:
    """Shared rules and the rules of the services each covers, two rules of one name alike
    in their common labels split by tier, then by service, until each carries labels of its
    own."""
    # each list's common labels, worked out once (a list not split keeps them)
    commons: dict[int, tuple[list[R], tuple[tuple[str, str], ...]]] = {}

    def key(rule: R, views: list[R]) -> tuple[str, tuple[tuple[str, str], ...]]:
        found = commons.get(id(views))
        if found is None:
            found = commons[id(views)] = (views, common_labels(views))
        return _name(rule), found[1]

    for by in ("tier", "service"):
        taken = Counter(key(rule, views) for rule, views in planned)
        planned = [
            (rule, part)
            for rule, views in planned
            for part in (_split(views, by) if taken[key(rule, views)] > 1 else [views])
        ]
    return planned


def alike(entries: Iterable[tuple[Any, R, R]]) -> list[tuple[R, list[R]]]:
    """(order, shared form, a service's own rule) of every service -> each distinct shared
    form (equal text, equal rule), first order first, with the own rules of the services
    it covers."""
    found: dict[str, tuple[Any, R, list[R]]] = {}
    # a shared form planned once is met once per service: its text is taken once (the rule
    # kept beside it, so that its id is not reused by another)
    texts: dict[int, tuple[R, str]] = {}
    for order, rule, view in entries:
        seen = texts.get(id(rule))
        if seen is None:
            seen = texts[id(rule)] = (rule, repr(rule))
        found.setdefault(seen[1], (order, rule, []))[2].append(view)
    return [(rule, views) for _, rule, views in sorted(found.values(), key=lambda x: x[0])]


def shared_alerts(spec: Spec) -> list[AlertRule]:
    """The threshold alert rules of every service, one per distinct effective setting, in
    the order a service's rules come (alert, severity, then first service covered), made
    unique for promtool's lint (`unique`)."""

    # the shared form depends on the settings alone: planned once per distinct settings
    forms: dict[tuple[object, ...], list[AlertRule]] = {}

    def entries() -> Iterator[tuple[tuple[int, int, str], AlertRule, AlertRule]]:
        for name, service in sorted(spec.services.items()):
            settings = threshold_settings(spec, name, service)
            own = service_alerts(spec, name, service.tier, settings)
            key = settings.key()
            shared = forms.get(key)
            if shared is None:
                shared = forms[key] = service_alerts(spec, name, service.tier, settings, True)
            for rule, view in zip(shared, own, strict=True):
                order = (KINDS.index(rule.kind), SEVERITIES.index(rule.label("severity")), name)
                yield order, rule, view

    planned = alike(entries())
    return _finished(spec, planned)


def _finished(spec: Spec, planned: list[tuple[AlertRule, list[AlertRule]]]) -> list[AlertRule]:
    """The shared alert rules, made unique for promtool's lint, each selecting its services."""
    out = []
    for rule, views in unique(planned):
        shared = finish(spec, rule, views)
        assert isinstance(shared, AlertRule)
        out.append(shared)
    return out


def _select(value: Any, matchers: Matchers) -> Any:
    """`value` (an expression's argument) with the stand-in's matcher replaced by `matchers`."""
    if isinstance(value, Expr):
        return Expr(value.macro, {k: _select(v, matchers) for k, v in value.args.items()})
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            out += matchers if item == _STAND_IN else [_select(item, matchers)]
        return out
    return value


def without_stand_in(rule: R) -> R:
    """A stand-in's rule without the stand-in's labels (the series carries the service's)."""
    kept = tuple((k, v) for k, v in rule.labels if v not in _REFS)
    return dataclasses.replace(rule, labels=kept)


def finish(spec: Spec, rule: Rule, views: Sequence[Rule]) -> Rule:
    """A stand-in's rule selecting the services it covers instead, with the labels they share
    and the rule each would have on its own."""
    names = [dict(v.labels)["service"] for v in views]
    expr = _select(rule.expr, selection(spec, names))
    kept = common_labels(views)
    if isinstance(rule, AlertRule):
        alerts = tuple(v for v in views if isinstance(v, AlertRule))
        return dataclasses.replace(rule, expr=expr, labels=kept, views=alerts)
    records = tuple(v for v in views if isinstance(v, RecordingRule))
    return dataclasses.replace(rule, expr=expr, labels=kept, views=records)


def shared_regression_alerts(spec: Spec) -> list[AlertRule]:
    """The services' regression alerts, one rule per distinct setting (regression.py plans
    them for a stand-in service): every service alike but for its name shares them."""

    def entries() -> Iterator[tuple[tuple[int, str], AlertRule, AlertRule]]:
        for name, service in sorted(spec.services.items()):
            stand_in = service.model_copy(update={"tier": TIER_REF})
            shared = regression_alerts(spec, SERVICE_REF, stand_in)
            own = regression_alerts(spec, name, service)
            for place, (rule, view) in enumerate(zip(shared, own, strict=True)):
                yield (place, name), without_stand_in(rule), view

    planned = alike(entries())
    return _finished(spec, planned)
