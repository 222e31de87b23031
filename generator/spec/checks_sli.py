"""Cross-field checks of each SLO's SLI and scope: its metric is in the catalogue with the
right type, its matchers name the metric's labels, a latency threshold is a bucket boundary,
the tiers, teams and services it covers exist, and SLO names give distinct alert names."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from generator.core import conventions as cv
from generator.core.regex import re2_problem
from generator.errors import unknown_name
from generator.spec.load import PathT
from generator.spec.metrics import MetricType
from generator.spec.model import Spec
from generator.spec.slo_defs import covered, request_errors, service_team, sli_metric
from generator.spec.slos import SLO, Coverage, Matcher

_TYPES = {
    "ratio": (MetricType.counter,),
    "latency": (MetricType.histogram,),
    "gauge": (MetricType.gauge,),
}


def _metric(spec: Spec, slo: SLO, path: PathT) -> Iterator[tuple[PathT, str]]:
    name = sli_metric(spec, slo)
    if name is None:
        return
    kind = slo.sli.kind
    given = getattr(slo.sli, kind).metric is not None
    where = (*path, "sli", kind, "metric") if given else (*path, "sli", kind)
    metric = spec.metrics.get(name)
    if not given and (metric is None or metric.type not in _TYPES[kind]):
        return  # the default, a signal: its check reports it at `signals`
    if metric is None:
        yield where, f"metric {name!r} is not in the metric catalogue (metrics)"
    elif metric.type not in _TYPES[kind]:
        want = " or ".join(t.value for t in _TYPES[kind])
        yield where, f"metric {name!r} is a {metric.type.value}; a {kind} SLI needs a {want}"
    else:
        yield from _labels(spec, slo, name, (*path, "sli", kind))
        if slo.sli.latency is not None and metric.buckets:
            threshold = slo.sli.latency.threshold
            if threshold not in metric.buckets:
                bounds = ", ".join(str(b) for b in metric.buckets)
                yield (
                    (*path, "sli", kind, "threshold"),
                    (
                        f"{threshold} is not a bucket boundary of {name!r}; latency SLOs "
                        f"count requests per bucket, so pick one of: {bounds}"
                    ),
                )


def _listed(labels: Sequence[str], limit: int = 200) -> str:
    """The labels as a list for a message, cut short (a hostile spec may hold long ones)."""
    text = ", ".join(labels) or "(none)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _labels(spec: Spec, slo: SLO, name: str, path: PathT) -> Iterator[tuple[PathT, str]]:
    """Matchers on labels the metric has, with RE2 patterns."""
    sli = getattr(slo.sli, slo.sli.kind)
    lists: list[tuple[str, Sequence[Matcher]]] = [("exclude", sli.exclude)]
    for side in ("errors", "good"):
        if getattr(sli, side, None):
            lists.append((side, getattr(sli, side)))
    known = spec.metrics[name].labels
    for field, matchers in lists:
        for i, matcher in enumerate(matchers):
            if matcher.op in ("=~", "!~") and (problem := re2_problem(matcher.value)):
                yield (*path, field, i, "value"), problem
            if matcher.label not in known:
                yield (
                    (*path, field, i, "label"),
                    f"label {matcher.label!r} is not a label of {name!r}; its labels: "
                    f"{_listed(known)}",
                )


def _scope(spec: Spec, slo: SLO, path: PathT) -> Iterator[tuple[PathT, str]]:
    """Tiers, teams and services the SLO names exist, and it covers at least one service."""
    scope = slo.services
    if not isinstance(scope, Coverage):
        return
    teams = {t for n in spec.services if (t := service_team(spec, n))}
    for field, known in (("tiers", spec.tiers), ("teams", teams), ("services", spec.services)):
        for i, name in enumerate(getattr(scope, field) or ()):
            if name not in known:
                yield (*path, "services", field, i), unknown_name(field[:-1], name, known)
                return
    if not covered(spec, slo):
        yield (*path, "services"), "covers no service; name tiers, teams or services with one"


def sli_problems(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Problems of every SLO's SLI and scope, each at the field to change."""
    alerts: dict[str, str] = {}
    for name, slo in spec.slos.items():
        path: PathT = ("slos", name)
        yield from _metric(spec, slo, path)
        yield from _scope(spec, slo, path)
        alert = cv.slo_alert(name)
        if alert in alerts:
            yield path, f"its alerts would be named {alert} like those of SLO {alerts[alert]!r}"
        alerts[alert] = name
    if not request_errors(spec):
        yield (
            ("slos",),
            f"no ratio SLO on {spec.signals.requests!r} (signals.requests) names its `errors`: "
            "the services' error ratio (dashboards, regression alerts) counts those; add one",
        )
