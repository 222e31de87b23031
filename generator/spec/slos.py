"""The `slos` section (version 2): named SLOs, each with one SLI of one kind, an objective,
a period, the services it covers and its alerting (docs/slo.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from generator.spec.fields import (
    Duration,
    LabelName,
    LabelValue,
    MetricName,
    Model,
    Name,
    Objective,
    Positive,
    within,
)

Period = Annotated[Duration, within("365d", "error budgets are kept over days or weeks")]
SLI_KINDS = ("ratio", "latency", "gauge", "promql")
TIER = "tier"


class Matcher(Model):
    """A label matcher on the SLI's metric."""

    label: LabelName = Field(description="Label name.")
    op: Literal["=", "!=", "=~", "!~"] = Field("=~", description="PromQL matcher operator.")
    value: LabelValue = Field(description="Value or RE2 regular expression.")


Matchers = Annotated[tuple[Matcher, ...], Field(min_length=1, max_length=20)]
Exclude = Annotated[
    tuple[Matcher, ...],
    Field(
        max_length=20,
        description=(
            "Events left out of both sides of the SLI (health checks, probes): an event any "
            "one of these matchers selects is neither good nor bad."
        ),
    ),
]


class RatioSLI(Model):
    """Share of good events of a counter: `errors` (or `good`) among all its events."""

    metric: MetricName | None = Field(
        None, description="Counter of all events; default: `signals.requests`."
    )
    errors: Matchers | None = Field(
        None, description="Matchers selecting the bad events (give this or `good`)."
    )
    good: Matchers | None = Field(
        None, description="Matchers selecting the good events (give this or `errors`)."
    )
    exclude: Exclude = ()

    @model_validator(mode="after")
    def _one_side(self) -> RatioSLI:
        if (self.errors is None) == (self.good is None):
            raise ValueError("give exactly one of `errors` and `good` (the other side is the rest)")
        return self


class LatencySLI(Model):
    """Share of events served at or under `threshold`, from a histogram's buckets."""

    metric: MetricName | None = Field(
        None, description="Histogram of event durations; default: `signals.duration`."
    )
    threshold: Positive = Field(
        description="Latency threshold in seconds; must be a bucket boundary of the histogram."
    )
    exclude: Exclude = ()


class GaugeSLI(Model):
    """Share of samples at 1 of a 0/1 gauge (probe_success, up): each sample of the service's
    series is an event, good at 1 and bad at 0; no sample, no event (never a good one)."""

    metric: MetricName = Field(description="A 0/1 gauge of the metric catalogue.")
    exclude: Exclude = ()


PromQL = Annotated[str, Field(min_length=1, max_length=2000)]


class PromqlSLI(Model):
    """Bad and all events per second over 5m, written in PromQL with `$selector` standing
    for the covered service's selector matchers; obsgen sums each to one series."""

    errors: PromQL = Field(
        description="Bad events per second, e.g. "
        '`rate(grpc_server_handled_total{$selector, grpc_code!="OK"}[5m])`.'
    )
    total: PromQL = Field(
        description="All events per second, e.g. `rate(grpc_server_handled_total{$selector}[5m])`."
    )


class SLI(Model):
    """What counts as a good and as a bad event: exactly one kind."""

    ratio: RatioSLI | None = Field(None, description="Errors (or good) among a counter's events.")
    latency: LatencySLI | None = Field(None, description="Events within a latency threshold.")
    gauge: GaugeSLI | None = Field(None, description="Samples of a 0/1 gauge at 1.")
    promql: PromqlSLI | None = Field(None, description="Event rates written in PromQL.")

    @model_validator(mode="after")
    def _one_kind(self) -> SLI:
        given = [k for k in SLI_KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            got = f"got {' and '.join(given)}" if given else "got none"
            raise ValueError(f"give exactly one SLI kind of: {', '.join(SLI_KINDS)} ({got})")
        return self

    @property
    def kind(self) -> str:
        """ratio | latency | gauge | promql."""
        return next(k for k in SLI_KINDS if getattr(self, k) is not None)


class Coverage(Model):
    """The services an SLO covers: exactly one of tiers, teams or services."""

    tiers: tuple[Name, ...] | None = Field(
        None, min_length=1, max_length=100, description="Services of these tiers."
    )
    teams: tuple[Name, ...] | None = Field(
        None, min_length=1, max_length=100, description="Services of these teams."
    )
    services: tuple[Name, ...] | None = Field(
        None, min_length=1, max_length=1000, description="These services."
    )

    @model_validator(mode="after")
    def _one(self) -> Coverage:
        if sum(x is not None for x in (self.tiers, self.teams, self.services)) != 1:
            raise ValueError("give exactly one of `tiers`, `teams` and `services`")
        return self


def _tier_or_number(value: object) -> object:
    return None if value == TIER else value


ObjectiveOrTier = Annotated[
    Objective | None,
    BeforeValidator(_tier_or_number),
    WithJsonSchema(
        {
            "anyOf": [
                {"const": TIER},
                {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100},
            ]
        }
    ),
]


class SLO(Model):
    """One named SLO: an SLI, an objective over a period, the services it covers, its alerts."""

    sli: SLI = Field(description="The service level indicator: one kind.")
    objective: ObjectiveOrTier = Field(
        None,
        description=(
            "Percent of good events (99.9), or `tier` (the default): the availability of each "
            "covered service's tier."
        ),
    )
    period: Period = Field("30d", description="SLO period (error budget window; at most 365d).")
    services: Literal["all"] | Coverage = Field(
        "all", description="Services covered: `all`, or one of {tiers|teams|services: [..]}."
    )
    alerting: tuple[Literal["page", "ticket"], ...] = Field(
        ("page", "ticket"),
        max_length=2,
        description="Burn-rate alerts: page (fast burn), ticket (slow burn), both or none ([]).",
    )
    min_events: Annotated[int, Field(ge=1, le=1_000_000_000)] = Field(
        1000,
        description=(
            "Events a burn-rate alert's long window must hold before it may fire (low "
            "traffic guard): with fewer, a handful of errors would look like a fast burn."
        ),
    )

    @model_validator(mode="after")
    def _alerting_once(self) -> SLO:
        if len(set(self.alerting)) != len(self.alerting):
            raise ValueError("`alerting` names page and ticket at most once each")
        return self

    def objective_for(self, tier: Decimal) -> Decimal:
        """This SLO's objective for a service whose tier's availability is `tier`."""
        return tier if self.objective is None else self.objective


SLOs = Annotated[
    dict[Name, SLO],
    Field(max_length=50, description="The SLOs, by name ([a-z][a-z0-9-]*, used in alert names)."),
]
