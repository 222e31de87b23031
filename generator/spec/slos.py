"""The `slos` section: availability and latency objectives and their guard."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from generator.spec.fields import (
    Duration,
    LabelName,
    LabelValue,
    Model,
    Objective,
    Positive,
    within,
)

Period = Annotated[Duration, within("365d", "error budgets are kept over days or weeks")]


class Matcher(Model):
    """A label matcher on the requests metric."""

    label: LabelName = Field(description="Label name.")
    op: Literal["=", "!=", "=~", "!~"] = Field("=~", description="PromQL matcher operator.")
    value: LabelValue = Field(description="Value or RE2 regular expression.")


class AvailabilitySLO(Model):
    """Availability SLO: share of requests that are not errors; objective from the tier."""

    errors: tuple[Matcher, ...] = Field(
        min_length=1, description="Matchers selecting error requests among all requests."
    )
    period: Period = Field("30d", description="SLO period (error budget window; at most 365d).")


class LatencySLO(Model):
    """Latency SLO: share of requests served at or under `threshold`."""

    objective: Objective = Field(
        description="Percent of requests that must be at or under the threshold (95 = p95)."
    )
    threshold: Positive = Field(
        description="Latency threshold in seconds; must be a histogram bucket boundary."
    )
    period: Period = Field("30d", description="SLO period (error budget window; at most 365d).")


class SLOs(Model):
    """The SLOs every service gets."""

    availability: AvailabilitySLO = Field(description="Availability SLO of every service.")
    latency: LatencySLO | None = Field(None, description="Latency SLO of every service.")
    min_events: Annotated[int, Field(ge=1, le=1_000_000_000)] = Field(
        1000,
        description=(
            "Requests a burn-rate alert's long window must hold before it may fire (low "
            "traffic guard): with fewer, a handful of errors would look like a fast burn."
        ),
    )
