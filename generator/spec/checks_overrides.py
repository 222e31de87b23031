"""Checks of the per-tier and per-service alert overrides: every effective value is checked
as the global one is, and each problem points at the override that set the value."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from generator.core.numbers import fmt
from generator.spec.alert_overrides import LEVELS, SERVICE_ALERTS, Origin, resolved_level
from generator.spec.alerts import Threshold
from generator.spec.load import PathT
from generator.spec.model import Spec

BELOW = frozenset({"throughput"})  # fires when the value falls below the threshold
PERCENT = frozenset({"cpu", "memory"})


def _is_override(origin: Origin) -> bool:
    return origin[:1] != ("alerts",)


def _layers(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Every override layer: its path and the alert kinds it sets."""
    for name, tier in sorted(spec.tiers.items()):
        if tier.alerts is not None:
            for kind in SERVICE_ALERTS:
                if getattr(tier.alerts, kind) is not None:
                    yield ("tiers", name, "alerts", kind), kind
    for name, service in sorted(spec.services.items()):
        if service.alerts is not None:
            for kind in SERVICE_ALERTS:
                if getattr(service.alerts, kind) is not None:
                    yield ("services", name, "alerts", kind), kind


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


def _service(spec: Spec, service: str, kind: str) -> Iterator[tuple[PathT, str]]:
    levels: dict[str, tuple[Threshold | None, dict[str, Origin]]] = {
        level: resolved_level(spec, service, kind, level) for level in LEVELS
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
            f"for service {service} the warning threshold ({fmt(w)}) must be {side} the "
            f"critical ({fmt(c)}): the warning is the early one; change one of them",
        )


def override_problems(spec: Spec) -> Iterator[tuple[PathT, str]]:
    """Problems of the alert overrides, each once, at the override that causes it."""
    seen: dict[PathT, str] = {}  # one problem per field (a tier's shows once, not per service)
    for path, kind in _layers(spec):
        if kind == "latency" and spec.alerts.latency is None:
            seen[path] = (
                "there is no global alerts.latency (it names the percentile watched); "
                "define alerts.latency with its percentile first"
            )
    for service in sorted(spec.services):
        for kind in SERVICE_ALERTS:
            if kind == "latency" and spec.alerts.latency is None:
                continue
            for path, message in _service(spec, service, kind):
                seen.setdefault(path, message)
    yield from seen.items()
