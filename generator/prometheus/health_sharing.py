"""Health alerts shared by services (docs/scale.md): TargetDown of the services' scrape jobs
and MetricAbsent of the metrics their rules read, one rule per distinct setting.

- TargetDown: a service's `up` carries its `service` and `tier` (its scrape job's target
  labels), so `up{<services>} == 0` watches every target of every service at once. A job
  without any target has no `up` to read: each service keeps its own
  `absent(up{job=..., service=..., tier=...})` term in the shared rule, which fires with
  those three labels, as its own rule's `absent(up{job=...})` did with its static ones.
- MetricAbsent: `group by (service, tier) (up{<services>} == 1) unless on (service, tier)
  group by (service, tier) (<metric>{<services>})`, a service whose job is up but whose
  series are gone; a container's metric (cAdvisor's series, relabelled with the service)
  while the service's job is there and cAdvisor's is up.

Each shared rule keeps the rule each service would have on its own (`views`), as the other
shared rules do (sharing.py).
"""

from __future__ import annotations

import dataclasses

from generator.prometheus.health import (
    Job,
    Needed,
    absent_annotations,
    jobs,
    metric_absent,
    needed,
    target_down,
)
from generator.prometheus.ingestion import selection
from generator.prometheus.model import AlertRule, Expr
from generator.prometheus.sharing import SERVICE_REF, common_labels, unique
from generator.spec import Spec


def _service_jobs(spec: Spec) -> dict[str, Job]:
    """The services' scrape jobs, by service."""
    return {j.service: j for j in jobs(spec) if j.service in spec.services}


def _rule(first: AlertRule, expr: Expr, views: list[AlertRule], stand_in: AlertRule) -> AlertRule:
    """The rule `views` share: `first`'s alert, reading `expr`, with the labels they share and
    the stand-in's annotations (the service named from the series)."""
    return AlertRule(
        alert=first.alert,
        expr=expr,
        for_=first.for_,
        labels=common_labels(views),
        annotations=stand_in.annotations,
        kind=first.kind,
        series=first.series,
        condition=first.condition,
        views=tuple(views),
    )


def shared_target_down(spec: Spec) -> list[AlertRule]:
    """TargetDown of every service's scrape job, one rule per severity."""
    found: dict[str, list[AlertRule]] = {}
    by_service = _service_jobs(spec)
    for job in by_service.values():
        rule = target_down(spec, job)
        found.setdefault(rule.label("severity"), []).append(rule)
    out = []
    for _, views in unique([(rules[0], rules) for rules in found.values()]):  # first seen first
        mine = [by_service[v.label("service")] for v in views]
        each = [
            [("job", "=", j.name), ("service", "=", j.service), ("tier", "=", j.tier)] for j in mine
        ]
        names = [j.service for j in mine]
        expr = Expr("targets_down", {"selector": selection(spec, names), "each": each})
        stand_in = target_down(spec, Job("", SERVICE_REF, mine[0].tier))
        out.append(_rule(views[0], expr, views, stand_in))
    return out


def shared_metric_absent(spec: Spec, needs: list[Needed]) -> list[AlertRule]:
    """MetricAbsent of every metric the services' rules read through their `service` label,
    one rule per metric, severity and serving job."""
    found: dict[tuple[str, str, str], list[AlertRule]] = {}
    for need in needs:
        rule = metric_absent(spec, need)
        key = (need.metric, rule.label("severity"), need.exporter or "")
        found.setdefault(key, []).append(rule)
    out = []
    planned = [(rules[0], rules) for rules in found.values()]  # as a service's rules read them
    for first, views in unique(planned):
        exporter = first.expr.args["exporter"]
        sel = selection(spec, [v.label("service") for v in views])
        args = {"metric": first.series, "selector": sel, "up": sel, "exporter": exporter}
        stand_in = dataclasses.replace(
            first, annotations=absent_annotations(spec, first.series, SERVICE_REF, first.for_)
        )
        out.append(_rule(first, Expr("absent_while_up_each", args), views, stand_in))
    return out


def health_rules(spec: Spec) -> tuple[list[AlertRule], list[AlertRule]]:
    """(TargetDown, MetricAbsent) rules: the services' shared, then every other job's and
    metric's own."""
    shared = _service_jobs(spec)
    targets = shared_target_down(spec)
    targets += [target_down(spec, j) for j in jobs(spec) if j.service not in shared]
    needs = needed(spec)
    metrics = shared_metric_absent(spec, [n for n in needs if n.each])
    metrics += [metric_absent(spec, n) for n in needs if not n.each]
    place: dict[tuple[str, str], int] = {}
    for i, need in enumerate(needs):
        place.setdefault((need.metric, need.job.service), i)

    def first(rule: AlertRule) -> int:  # in the order of needed(): a service's, in turn
        return min(place[(v.series, v.label("service"))] for v in (rule.views or (rule,)))

    return targets, sorted(metrics, key=first)
