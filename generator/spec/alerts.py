"""Threshold alerts, regression alerts, the baseline and the guide's targets."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from generator.spec.fields import Duration, Model, Number, Objective, Percent, Positive, within

# The generated promtool tests simulate every wait sample by sample: these bounds keep a
# build to seconds (and an alert held for more than a day is a report, not an alert).
AlertFor = Annotated[Duration, within("1d", "an alert held longer is a report, not an alert")]


class Threshold(Model):
    """One alert tier: fire when the signal crosses `threshold` for `for`."""

    threshold: Number = Field(description="The value that fires the alert, in the signal's unit.")
    for_: AlertFor = Field(
        alias="for", description="How long the condition must hold (at most 1d)."
    )


class ThresholdAlert(Model):
    """Warning and critical tiers of one threshold alert."""

    warning: Threshold | None = Field(None, description="Warning tier (tickets, chat).")
    critical: Threshold | None = Field(None, description="Critical tier (pages).")


class LatencyAlert(ThresholdAlert):
    """Latency alert on a percentile of the request duration histogram (seconds)."""

    percentile: Objective = Field(description="Percentile watched, e.g. 95 for p95.")


class Alerts(Model):
    """Threshold alerts. Units: seconds, requests/s, percent."""

    latency: LatencyAlert | None = Field(None, description="Request latency percentile, seconds.")
    throughput: ThresholdAlert | None = Field(
        None, description="Request rate (req/s); fires when traffic falls BELOW the threshold."
    )
    cpu: ThresholdAlert | None = Field(None, description="Container CPU, percent of its limit.")
    memory: ThresholdAlert | None = Field(
        None, description="Container memory, percent of its limit."
    )
    node_cpu: ThresholdAlert | None = Field(None, description="Node CPU busy, percent.")
    node_memory: ThresholdAlert | None = Field(None, description="Node memory used, percent.")
    node_filesystem: ThresholdAlert | None = Field(
        None, description="Node filesystem used, percent."
    )
    postgres_connections: ThresholdAlert | None = Field(
        None, description="Postgres connections, percent of max_connections."
    )
    redis_memory: ThresholdAlert | None = Field(
        None, description="Redis memory used, percent of maxmemory."
    )


class RegressionMetric(StrEnum):
    """Signals that regression detection compares with the past."""

    latency_p95 = "latency_p95"
    throughput = "throughput"
    error_rate = "error_rate"


class Regression(Model):
    """Alert when a signal is worse than the same signal `compare` ago by `threshold` percent."""

    threshold: Percent = Field(description="Percent worse than before that fires.")
    compare: Annotated[Duration, within("4w", "the test feeds a whole compare period")] = Field(
        "1d", description="How far back to compare (PromQL offset; at most 4w)."
    )
    metrics: tuple[RegressionMetric, ...] = Field(min_length=1, description="Signals compared.")
    for_: Annotated[Duration, within("6h", "a regression is caught within hours")] = Field(
        "30m", alias="for", description="How long the regression must hold (at most 6h)."
    )
    min_request_rate: Positive = Field(
        description="Requests/s needed now and before for a comparison to count (noise guard)."
    )
    severity: Literal["warning", "info"] = Field("warning", description="Severity of the alerts.")
    error_rate_floor: Percent | None = Field(
        None,
        description="ErrorRateRegression fires only while the error ratio is also above this "
        "floor, percent of requests: after a day without errors any error would otherwise be "
        "'higher than before'. Default: `baseline.error_rate` when the spec has a baseline, "
        "else 1 (one request in a hundred).",
    )

    def error_floor(self, baseline: Baseline | None) -> Decimal:
        """The error-ratio floor in percent: `error_rate_floor`, else the baseline's error
        rate, else DEFAULT_ERROR_RATE_FLOOR."""
        if self.error_rate_floor is not None:
            return self.error_rate_floor
        return baseline.error_rate if baseline is not None else DEFAULT_ERROR_RATE_FLOOR


# Without a baseline: below 1 % of requests failing a rise is no regression worth a ticket
# (at the 1 req/s noise guard, 3 failures in a 5m window); higher rates are the SLO alerts'.
DEFAULT_ERROR_RATE_FLOOR = Decimal(1)


class Baseline(Model):
    """Measured normal figures (dashboards draw them; `error_rate` is the default floor of
    the error-ratio regression alert)."""

    latency_p95: Positive = Field(description="Normal p95 latency, seconds.")
    latency_p99: Positive = Field(description="Normal p99 latency, seconds.")
    throughput: Positive = Field(description="Normal request rate, requests/s.")
    error_rate: Percent = Field(description="Normal error rate, percent of requests.")
    cpu: Percent = Field(description="Normal CPU use, percent of limit.")
    memory: Percent = Field(description="Normal memory use, percent of limit.")


class Targets(Model):
    """Performance goals (dashboards draw them as target lines)."""

    latency_p95: Positive = Field(description="p95 latency must stay under this, seconds.")
    throughput: Positive = Field(description="The service must sustain this rate, requests/s.")
    cpu: Percent = Field(description="CPU use must stay under this, percent of limit.")
    memory: Percent = Field(description="Memory use must stay under this, percent of limit.")
