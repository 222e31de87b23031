"""Per-tier and per-service overrides of the service threshold alerts, and the effective
alerts of one service (most specific wins: service > tier > global `alerts:`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BeforeValidator, Discriminator, Field, Tag, WithJsonSchema

from generator.spec.alerts import AlertFor, LatencyAlert, Threshold, ThresholdAlert
from generator.spec.fields import Model, Number, shown

if TYPE_CHECKING:
    from generator.spec.model import Spec

# The alerts a tier or a service may override: the ones planned per service.
SERVICE_ALERTS = ("latency", "throughput", "cpu", "memory")
LEVELS = ("warning", "critical")


def _off(example: str) -> BeforeValidator:
    """`off` (YAML 1.1 reads a bare `off` as false) or a mapping; anything else is refused
    with one line showing `example`."""

    def check(value: object) -> object:
        if value is False or value == "off":
            return "off"
        if not isinstance(value, dict):
            raise ValueError(f"must be `off` or a mapping such as {example} (got {shown(value)})")
        return value

    return BeforeValidator(check)


def _branch(value: object) -> str:
    return "off" if value == "off" else "values"


_OFF = Annotated[
    Literal["off"],
    Tag("off"),
    WithJsonSchema({"enum": ["off", False], "description": "Turn it off (YAML `off`)."}),
]


class LevelOverride(Model):
    """A partial alert level: what is not given comes from the less specific level."""

    threshold: Number | None = Field(
        None, description="The value that fires the alert, in the signal's unit."
    )
    for_: AlertFor | None = Field(
        None, alias="for", description="How long the condition must hold (at most 1d)."
    )


# `off`, or the values: one error per mistake, not one per branch of the union
Level = Annotated[
    Annotated[LevelOverride, Tag("values")] | _OFF,
    Discriminator(_branch),
    _off("{threshold: 5, for: 10m}"),
]


class AlertOverride(Model):
    """Overrides of one threshold alert's levels: partial values, or `off` for a level."""

    warning: Level | None = Field(
        None, description="Warning level: partial `{threshold, for}`, or `off`."
    )
    critical: Level | None = Field(
        None, description="Critical level: partial `{threshold, for}`, or `off`."
    )


AlertSetting = Annotated[
    Annotated[AlertOverride, Tag("values")] | _OFF,
    Discriminator(_branch),
    _off("{warning: off, critical: {threshold: 5}}"),
]


class AlertOverrides(Model):
    """Per-tier or per-service values of the service threshold alerts (docs/alerts.md):
    per alert, per level a partial `{threshold, for}` or `off`, or `off` for the alert."""

    latency: AlertSetting | None = Field(
        None, description="Latency alert (the percentile stays the global one), seconds."
    )
    throughput: AlertSetting | None = Field(None, description="Request rate alert, req/s.")
    cpu: AlertSetting | None = Field(None, description="Container CPU alert, percent.")
    memory: AlertSetting | None = Field(None, description="Container memory alert, percent.")


Origin = tuple[str | int, ...]  # the spec path a value came from


def _layers(spec: Spec, service: str) -> list[tuple[Origin, AlertOverrides]]:
    """The override layers of a service, least specific first."""
    svc = spec.services[service]
    layers: list[tuple[Origin, AlertOverrides]] = []
    tier = spec.tiers.get(svc.tier)
    if tier is not None and tier.alerts is not None:
        layers.append((("tiers", svc.tier, "alerts"), tier.alerts))
    if svc.alerts is not None:
        layers.append((("services", service, "alerts"), svc.alerts))
    return layers


def resolved_level(
    spec: Spec, service: str, kind: str, level: str
) -> tuple[Threshold | None, dict[str, Origin]]:
    """The effective level of one alert for a service, and the spec path each of its values
    came from (`threshold`, `for`; `level`: the last override; `missing`: a level added
    without both a threshold and a for)."""
    base: ThresholdAlert | None = getattr(spec.alerts, kind)
    start = getattr(base, level) if base is not None else None
    values: dict[str, object] = {}
    origin: dict[str, Origin] = {}
    if start is not None:
        values = {"threshold": start.threshold, "for_": start.for_}
        origin = {"threshold": ("alerts", kind, level), "for": ("alerts", kind, level)}
    for path, layer in _layers(spec, service):
        setting: AlertSetting | None = getattr(layer, kind)
        if setting is None:
            continue
        if setting == "off":
            values, origin = {}, {"level": (*path, kind)}
            continue
        assert isinstance(setting, AlertOverride)
        part: LevelOverride | Literal["off"] | None = getattr(setting, level)
        if part is None:
            continue
        here: Origin = (*path, kind, level)
        if part == "off":
            values, origin = {}, {"level": here}
            continue
        assert isinstance(part, LevelOverride)
        if part.threshold is not None:
            values["threshold"], origin["threshold"] = part.threshold, here
        if part.for_ is not None:
            values["for_"], origin["for"] = part.for_, here
        origin["level"] = here
    if values and ("threshold" not in values or "for_" not in values):
        origin["missing"] = origin["level"]  # a level added without its threshold or for
    if "threshold" not in values or "for_" not in values:
        return None, origin
    return Threshold.model_validate(values), origin


def effective_alert(spec: Spec, service: str, kind: str) -> ThresholdAlert | None:
    """The alert of `kind` as it applies to `service`, or None when it has no level left."""
    levels = {level: resolved_level(spec, service, kind, level)[0] for level in LEVELS}
    if all(v is None for v in levels.values()):
        return None
    if kind == "latency":
        # the percentile is global; checks refuse latency overrides without a global alert
        assert spec.alerts.latency is not None
        return LatencyAlert(percentile=spec.alerts.latency.percentile, **levels)
    return ThresholdAlert(**levels)
