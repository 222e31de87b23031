"""Checks of the per-tier and per-subject alert overrides (services, datastores, the nodes):
every effective value is checked as the global one is, and each problem points at the
override that set the value."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from generator.core.numbers import fmt
from generator.spec.alert_overrides import (
    ALL_ALERTS,
    DATASTORE_ALERTS,
    LEVELS,
    NODE,
    NODE_ALERTS,
    SERVICE_ALERTS,
    Origin,
    Subject,
    resolved_level,
    subject_of,
)
from generator.spec.alerts import Threshold
from generator.spec.load import PathT
from generator.spec.model import Spec

BELOW = frozenset({"throughput"})  # fires when the value falls below the threshold
PERCENT = frozenset(ALL_ALERTS) - {"latency", "throughput"}


def _is_override(origin: Origin) -> bool:
    return origin[:1] != ("alerts",)


def _subjects(spec: Spec) -> Iterator[tuple[Subject, tuple[str, ...]]]:
    """Every subject of threshold alerts and the alert kinds it carries."""
    for name in sorted(spec.services):
        yield ("services", name), SERVICE_ALERTS
    for name, store in sorted(spec.datastores.items()):
        yield ("datastores", name), DATASTORE_ALERTS[store.kind]
    yield NODE, NODE_ALERTS


def _layers(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Every override layer: the path of each alert kind it sets, and the kind."""
    layers = [(("tiers", n), t.alerts) for n, t in sorted(spec.tiers.items())]
    layers += [(subject, subject_of(spec, subject)[1]) for subject, _ in _subjects(spec)]
    for path, overrides in layers:
        if overrides is not None:
            for kind in ALL_ALERTS:
                if getattr(overrides, kind, None) is not None:
                    yield (*path, "alerts", kind), kind


def _latency_bounds(spec: Spec, value: Decimal) -> str | None:
    """Why a latency threshold can never or always fire on the histogram's buckets."""
    assert spec.alerts.latency is not None
    duration = spec.metrics.get(spec.signals.duration)
    if duration is None or not duration.buckets:
        return None
    pct = spec.alerts.latency.percentile
    floor = pct / 100 * min(duration.buckets)
    if value <= floor:
        return (
            f"{fmt(value)} s is always exceeded: the p{fmt(pct)} of {spec.signals.duration!r} "
            f"never falls below {fmt(floor)} s; raise the threshold or add a smaller bucket"
        )
    if value >= max(duration.buckets):
        return (
            f"{fmt(value)} s can never be exceeded: {spec.signals.duration!r} has no bucket "
            f"above {fmt(max(duration.buckets))} s; lower the threshold or add a larger bucket"
        )
    return None


def _value(spec: Spec, kind: str, value: Decimal) -> str | None:
    """What is wrong with one threshold value of an alert kind, if anything."""
    if value < 0:
        return "must not be negative"
    if kind in PERCENT and not Decimal(0) < value <= Decimal(100):
        return f"is a percent: between 0 and 100 (got {fmt(value)})"
    if kind == "latency":
        return _latency_bounds(spec, value)
    return None


def _subject(spec: Spec, subject: Subject, kind: str) -> Iterator[tuple[PathT, str]]:
    levels: dict[str, tuple[Threshold | None, dict[str, Origin]]] = {
        level: resolved_level(spec, subject, kind, level) for level in LEVELS
    }
    for level, (tier, origin) in levels.items():
        if "missing" in origin:
            yield (
                origin["missing"],
                f"no {level} level of alerts.{kind} to inherit from (none in `alerts:`, or "
                f"turned off by a tier), so a {level} level set here needs both a threshold "
                "and a for",
            )
        if tier is not None and _is_override(origin["threshold"]):
            problem = _value(spec, kind, tier.threshold)
            if problem:
                yield (*origin["threshold"], "threshold"), problem
    (warning, w_from), (critical, c_from) = levels["warning"], levels["critical"]
    if warning is None or critical is None:
        return
    if not (_is_override(w_from["threshold"]) or _is_override(c_from["threshold"])):
        return  # both global: the check of `alerts:` names it
    w, c = warning.threshold, critical.threshold
    if w <= c if kind in BELOW else w >= c:
        side = "above" if kind in BELOW else "below"
        where = w_from["threshold"] if _is_override(w_from["threshold"]) else c_from["threshold"]
        yield (
            (*where, "threshold"),
            f"for {_named(subject)} the warning threshold ({fmt(w)}) must be {side} the "
            f"critical ({fmt(c)}): the warning is the early one; change one of them",
        )


def _named(subject: Subject) -> str:
    section, name = subject
    return "the nodes" if subject == NODE else f"{section[:-1]} {name}"


def override_problems(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Problems of the alert overrides, each once, at the override that causes it."""
    seen: dict[PathT, str] = {}  # one problem per field (a tier's shows once, not per service)
    for path, kind in _layers(spec):
        if kind == "latency" and spec.alerts.latency is None:
            seen[path] = (
                "there is no global alerts.latency (it names the percentile watched); "
                "define alerts.latency with its percentile first"
            )
    for subject, kinds in _subjects(spec):
        for kind in kinds:
            if kind == "latency" and spec.alerts.latency is None:
                continue
            for path, message in _subject(spec, subject, kind):
                seen.setdefault(path, message)
    yield from seen.items()
