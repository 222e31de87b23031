"""Per-tier and per-subject overrides of the threshold alerts, and the effective alerts of
one subject (a service, a datastore, or the nodes): most specific wins, subject > tier >
global `alerts:`."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Discriminator, Field, Tag, WithJsonSchema

from generator.spec.alerts import AlertFor, LatencyAlert, Threshold, ThresholdAlert
from generator.spec.fields import Model, Number, shown

if TYPE_CHECKING:
    from generator.spec.model import Spec

# The alerts each kind of subject carries, and so may override.
SERVICE_ALERTS = ("latency", "throughput", "cpu", "memory")
NODE_ALERTS = ("node_cpu", "node_memory", "node_filesystem")
DATASTORE_ALERTS = {"postgres": ("postgres_connections",), "redis": ("redis_memory",)}
ALL_ALERTS = (*SERVICE_ALERTS, *NODE_ALERTS, *(k for v in DATASTORE_ALERTS.values() for k in v))
LEVELS = ("warning", "critical")
NODE = ("exporters", "node")
Subject = tuple[str, str]  # ("services", name) | ("datastores", name) | NODE


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
    """Per-service values of the service threshold alerts (docs/alerts.md): per alert, per
    level a partial `{threshold, for}` or `off`, or `off` for the alert."""

    latency: AlertSetting | None = Field(
        None, description="Latency alert (the percentile stays the global one), seconds."
    )
    throughput: AlertSetting | None = Field(None, description="Request rate alert, req/s.")
    cpu: AlertSetting | None = Field(None, description="Container CPU alert, percent.")
    memory: AlertSetting | None = Field(None, description="Container memory alert, percent.")


class NodeAlertOverrides(Model):
    """The nodes' values of the node alerts: per level a partial `{threshold, for}` or `off`,
    or `off` for the alert."""

    node_cpu: AlertSetting | None = Field(None, description="Node CPU alert, percent.")
    node_memory: AlertSetting | None = Field(None, description="Node memory alert, percent.")
    node_filesystem: AlertSetting | None = Field(
        None, description="Node filesystem alert, percent."
    )


class PostgresAlertOverrides(Model):
    """A Postgres datastore's values of its connection alert."""

    postgres_connections: AlertSetting | None = Field(
        None, description="Connection use alert, percent of max_connections."
    )


class RedisAlertOverrides(Model):
    """A Redis datastore's values of its memory alert."""

    redis_memory: AlertSetting | None = Field(
        None, description="Memory use alert, percent of maxmemory."
    )


class TierAlertOverrides(
    AlertOverrides, NodeAlertOverrides, PostgresAlertOverrides, RedisAlertOverrides
):
    """A tier's values of every threshold alert, for the services, datastores and nodes of
    the tier (docs/alerts.md): per alert, per level a partial `{threshold, for}` or `off`,
    or `off` for the alert."""


Origin = tuple[str | int, ...]  # the spec path a value came from


def subject_of(spec: Spec, subject: Subject) -> tuple[str, Any]:
    """The tier of a subject and its own overrides (None when it has none)."""
    section, name = subject
    if section == "services":
        service = spec.services[name]
        return service.tier, service.alerts
    if section == "datastores":
        store = spec.datastores[name]
        return store.tier, store.alerts
    return spec.exporters.node.tier, spec.exporters.node.alerts


def _layers(spec: Spec, subject: Subject) -> list[tuple[Origin, Any]]:
    """The override layers of a subject, least specific first."""
    tier_name, own = subject_of(spec, subject)
    layers: list[tuple[Origin, Any]] = []
    tier = spec.tiers.get(tier_name)
    if tier is not None and tier.alerts is not None:
        layers.append((("tiers", tier_name, "alerts"), tier.alerts))
    if own is not None:
        layers.append(((*subject, "alerts"), own))
    return layers


def resolved_level(
    spec: Spec, subject: Subject, kind: str, level: str
) -> tuple[Threshold | None, dict[str, Origin]]:
    """The effective level of one alert for a subject, and the spec path each of its values
    came from (`threshold`, `for`; `level`: the last override; `missing`: a level added
    without both a threshold and a for)."""
    base: ThresholdAlert | None = getattr(spec.alerts, kind)
    start = getattr(base, level) if base is not None else None
    values: dict[str, object] = {}
    origin: dict[str, Origin] = {}
    if start is not None:
        values = {"threshold": start.threshold, "for_": start.for_}
        origin = {"threshold": ("alerts", kind, level), "for": ("alerts", kind, level)}
    for path, layer in _layers(spec, subject):
        setting: AlertSetting | None = getattr(layer, kind, None)
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
    # each value was validated where it was written (the same types): no second pass
    threshold, for_ = values["threshold"], values["for_"]
    assert isinstance(threshold, Decimal) and isinstance(for_, str)
    return Threshold.model_construct(threshold=threshold, for_=for_), origin


def effective_alert(spec: Spec, subject: Subject, kind: str) -> ThresholdAlert | None:
    """The alert of `kind` as it applies to a subject, or None when it has no level left."""
    levels = {level: resolved_level(spec, subject, kind, level)[0] for level in LEVELS}
    if all(v is None for v in levels.values()):
        return None
    if kind == "latency":
        # the percentile is global; checks refuse latency overrides without a global alert
        assert spec.alerts.latency is not None
        return LatencyAlert(percentile=spec.alerts.latency.percentile, **levels)
    return ThresholdAlert(**levels)
