"""The `routing` section of the spec: route tree, inhibitions, time intervals, receivers.

Receivers live in `spec/receivers.py`, field types in `spec/routing_fields.py`. Cross-field
checks (references, reachability, time coverage) live in `alertmanager/spec_checks.py`.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from generator.spec.receivers import Receiver
from generator.spec.routing_fields import (
    AlertNames,
    GroupInterval,
    GroupWait,
    LabelName,
    MatchValues,
    Model,
    Name,
    Names,
    RepeatInterval,
    Severities,
    regex_check,
)

_LOCATION = re.compile(r"^(UTC|Local|[A-Z][A-Za-z_\-]+(/[A-Za-z0-9_+\-]+){1,2})$")
_WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


class Match(Model):
    """Which alerts a route or inhibition side selects: every field given must match.

    A list means any of its values. `team` selects the alerts of the services and datastores
    the team owns (alerts carry `service`, not `team`).
    """

    alertname: AlertNames | None = Field(None, description="Alert name(s), e.g. Watchdog.")
    severity: Severities | None = Field(
        None, description="Severity or severities: critical, warning, info, none (Watchdog)."
    )
    tier: Names | None = Field(None, description="Tier name(s).")
    service: Names | None = Field(
        None, description="Service name(s): services, 'node', datastores."
    )
    team: Names | None = Field(
        None, description="Team(s): the alerts of the services and datastores they own."
    )
    slo: Names | None = Field(None, description="SLO name(s) of SLO alerts.")
    labels: dict[LabelName, MatchValues] = Field(
        default_factory=dict, description="Other labels alerts carry: Prometheus external labels."
    )


class Route(Model):
    """A route: alerts it matches go to its receiver (or to a matching child route)."""

    match: Match = Field(default_factory=Match, description="Alerts this route takes.")
    receiver: Name = Field(description="Receiver (a name in routing.receivers).")
    group_by: tuple[LabelName, ...] | None = Field(
        None, description="Labels that group alerts into one notification; inherited if unset."
    )
    group_wait: GroupWait | None = Field(
        None,
        description="Wait before the first notice of a group (at most 1h); inherited if unset.",
    )
    group_interval: GroupInterval | None = Field(
        None,
        description="Wait before notifying about new alerts in a group (at most 1d); inherited.",
    )
    repeat_interval: RepeatInterval | None = Field(
        None, description="Wait before repeating a notification (at most 5d); inherited if unset."
    )
    continue_: bool = Field(
        False, alias="continue", description="Keep matching later sibling routes after this one."
    )
    active_in: tuple[Name, ...] = Field(
        (), description="Time intervals outside which this route sends nothing."
    )
    muted_in: tuple[Name, ...] = Field((), description="Time intervals when it sends nothing.")
    routes: tuple[Route, ...] = Field((), description="Child routes, tried in order.")


class InhibitRule(Model):
    """While a `source` alert fires, mute `target` alerts with the same `equal` labels."""

    source: Match = Field(description="Alerts that inhibit.")
    target: Match = Field(description="Alerts that are muted; must not overlap `source`.")
    equal: tuple[LabelName, ...] = Field(
        min_length=1,
        description="Labels source and target must share (without them one alert mutes all).",
    )


def _weekday(value: str) -> str:
    parts = value.split(":")
    for part in parts:
        if part not in _WEEKDAYS or len(parts) > 2:
            raise ValueError(f"{value!r}: weekdays are {', '.join(_WEEKDAYS)} or a range a:b")
    if _WEEKDAYS.index(parts[0]) > _WEEKDAYS.index(parts[-1]):
        raise ValueError(
            f"{value!r}: a range a:b runs forward within one week from sunday to saturday "
            "(Alertmanager refuses it); split it, e.g. friday:saturday and sunday"
        )
    return value


def _ordinal(part: str, names: tuple[str, ...], negative_base: int) -> int:
    """A range end as Alertmanager orders it: a name by its place, a negative day of the
    month counted back from a 28-day month (its check of ranges always reversed)."""
    if part in names:
        return names.index(part) + 1
    number = int(part)
    return negative_base + number if number < 0 else number


def _range_of(low: int, high: int, names: tuple[str, ...] = ()) -> AfterValidator:
    def check(value: str) -> str:
        parts = value.split(":")
        if len(parts) > 2:
            raise ValueError(f"{value!r} is not a value or a range a:b")
        for part in parts:
            if part in names:
                continue
            if not re.fullmatch(r"-?\d+", part) or not low <= int(part) <= high or part == "0":
                shown = f"{', '.join(names)} or " if names else ""
                raise ValueError(f"{value!r}: expected {shown}numbers {low}..{high} (not 0)")
        if len(parts) == 2:
            start, end = parts
            if start.startswith("-") and not end.startswith("-"):
                raise ValueError(f"{value!r}: a range from a negative day must end on one")
            if _ordinal(start, names, 28) > _ordinal(end, names, 28):
                raise ValueError(f"{value!r}: the range ends before it starts (a:b needs a <= b)")
        return value

    return AfterValidator(check)


def _clock(value: str) -> str:
    m = re.fullmatch(r"(\d{2}):(\d{2})", value)
    hour, minute = (int(m.group(1)), int(m.group(2))) if m else (-1, -1)
    if not (0 <= hour < 24 and 0 <= minute < 60) and (hour, minute) != (24, 0):
        raise ValueError(f"{value!r} is not a time of day HH:MM (00:00 to 24:00)")
    return value


Clock = Annotated[str, AfterValidator(_clock)]


class TimeRange(Model):
    """A span of the day (start inclusive, end exclusive)."""

    start_time: Clock = Field(description="Start, HH:MM.")
    end_time: Clock = Field(description="End, HH:MM; after start_time.")

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.end_time <= self.start_time:
            raise ValueError(f"end_time {self.end_time} must be after start_time {self.start_time}")
        return self


class TimeSpan(Model):
    """One entry of a time interval; every field given must hold (Alertmanager semantics)."""

    weekdays: tuple[Annotated[str, AfterValidator(_weekday)], ...] = Field(
        (), description="Days or ranges: monday, monday:friday."
    )
    times: tuple[TimeRange, ...] = Field((), description="Times of day.")
    days_of_month: tuple[Annotated[str, _range_of(-31, 31)], ...] = Field(
        (), description="Days of the month or ranges (1:7; negative counts from the end)."
    )
    months: tuple[Annotated[str, _range_of(1, 12, _MONTHS)], ...] = Field(
        (), description="Months or ranges: january:march, 1:3."
    )
    years: tuple[Annotated[str, _range_of(1970, 9999)], ...] = Field(
        (), description="Years or ranges: 2025:2026."
    )
    location: Annotated[str, regex_check(_LOCATION, "IANA time zone name")] | None = Field(
        None, description="IANA time zone the times are in, e.g. Asia/Seoul; UTC if unset."
    )


class Routing(Model):
    """Alertmanager routing: who hears about which alert, and when."""

    receiver: Name = Field(
        description="Catch-all receiver of the root route: alerts no route takes go here."
    )
    group_by: tuple[LabelName, ...] = Field(
        ("alertname", "service"), description="Default grouping labels."
    )
    group_wait: GroupWait = Field(
        "30s", description="Default wait before a first notice (at most 1h)."
    )
    group_interval: GroupInterval = Field(
        "5m", description="Default wait between group updates (at most 1d)."
    )
    repeat_interval: RepeatInterval = Field(
        "4h", description="Default wait before repeating (at most 5d)."
    )
    receivers: dict[Name, Receiver] = Field(min_length=1, description="Notification targets.")
    routes: tuple[Route, ...] = Field((), description="Routes, tried in order.")
    inhibit: tuple[InhibitRule, ...] = Field((), description="Inhibition rules.")
    time_intervals: dict[Name, tuple[TimeSpan, ...]] = Field(
        default_factory=dict,
        # checks try every in/out combination of the intervals: 2**12 stays instant
        max_length=12,
        description="Named time intervals (e.g. business hours) for active_in / muted_in.",
    )
