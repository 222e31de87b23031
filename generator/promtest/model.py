"""The test part of the Plan: `promtool test rules` files proving every alert's behaviour.

Each check also records which alert rules it proves firing or silent (by `rule_key`), so a
test can show that no alert lacks a firing case.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from generator.errors import PlanError
from generator.prometheus import AlertRule, Labels


def rule_key(alert: AlertRule) -> str:
    """A stable name of one alerting rule: its alert name and static labels."""
    inner = ",".join(f'{k}="{v}"' for k, v in alert.labels)
    return f"{alert.alert}{{{inner}}}"


@dataclass(frozen=True)
class Segment:
    """promtool's expanding notation `start+step x count`: count + 1 samples (with
    `missing`, count + 1 samples that are not there: `_x<count + 1>`)."""

    start: Decimal
    step: Decimal  # counters grow, gauges hold or (a filling disk) fall
    count: int
    missing: bool = False  # a gap: series read only at some instants (slo_stand_in.py)


@dataclass(frozen=True)
class InputSeries:
    """One input series of a test group."""

    metric: str
    labels: Labels
    values: tuple[Segment, ...]

    def matchers(self) -> list[tuple[str, str, str]]:
        """The labels as exact matchers (templates write them with the selector filter)."""
        return [(k, "=", v) for k, v in self.labels]


@dataclass(frozen=True)
class ExpectedAlert:
    """A firing alert as promtool reports it (alertname aside)."""

    labels: Labels
    annotations: Labels


@dataclass(frozen=True)
class AlertCheck:
    """Every firing alert of `alertname` at `eval_time`: exactly `expected`."""

    eval_time: str
    alertname: str
    expected: tuple[ExpectedAlert, ...]
    proves: str  # what the check shows, written as a comment above it
    firing: tuple[str, ...] = ()  # rule keys this check proves firing
    silent: tuple[str, ...] = ()  # rule keys this check proves silent


@dataclass(frozen=True)
class Sample:
    """An expected sample of a PromQL test."""

    metric: str
    labels: Labels
    value: Decimal

    def matchers(self) -> list[tuple[str, str, str]]:
        """The labels as exact matchers."""
        return [(k, "=", v) for k, v in self.labels]


@dataclass(frozen=True)
class Each:
    """Every member of a set (the `series{set="…"}` input series of a mapping test,
    promtest/members.py) matched on `on` by a series of the check's expression, with a value
    within `bounds` unless None: `series{set="…"} unless on (on) (expr >= low <= high)` (or
    `== value`, bounds equal) is empty."""

    series: str
    set: str
    on: tuple[str, ...]
    bounds: tuple[Decimal, Decimal] | None = None


@dataclass(frozen=True)
class ExprCheck:
    """A PromQL expression's exact result at `eval_time` (no samples: absent, not NaN), or
    with `within`, that the series holds one sample between the two bounds (promtool
    compares values exactly: a range is checked as `count(series >= low <= high)` = 1)."""

    series: str
    selector: tuple[tuple[str, str, str], ...]
    eval_time: str
    samples: tuple[Sample, ...]
    proves: str
    within: tuple[Decimal, Decimal] | None = None
    count_by: tuple[str, ...] = ()  # check `count by (these) (series)` instead: which series
    each: Each | None = None  # check that every member of a set has a series (none missing)
    total: bool = False  # check `count(...)` of the expression: how many series in all


@dataclass(frozen=True)
class RuleTestGroup:
    """Input series and the checks run on them."""

    name: str
    interval: str  # spacing of input samples
    series: tuple[InputSeries, ...]
    alerts: tuple[AlertCheck, ...]
    exprs: tuple[ExprCheck, ...] = ()


@dataclass(frozen=True)
class RuleTestFile:
    """A `promtool test rules` file."""

    path: str
    rule_files: tuple[str, ...]  # relative to the test file's directory
    evaluation_interval: str
    group_eval_order: tuple[str, ...]  # every loaded group: promtool's default order is random
    groups: tuple[RuleTestGroup, ...]

    @property
    def filename(self) -> str:
        """The file's name, without its directory."""
        return self.path.rsplit("/", 1)[-1]


class CaseError(PlanError):
    """No behaviour test can be generated for an alert (an unpredictable input or template).

    `field` is the spec path of what the alert was planned from, when known: the pipeline
    then reports the problem there, with file:line."""
