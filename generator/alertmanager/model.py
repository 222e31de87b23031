"""The planned Alertmanager configuration and its routing table: every decision made.

Matchers are sets: `(label, (value, ...))` means the label holds one of the values. That is
the only matcher form obsgen writes, so routes and inhibitions compare exactly in Python.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Matchers = tuple[tuple[str, tuple[str, ...]], ...]
Origin = tuple[str | int, ...]  # where a route comes from: its spec path or its output path
Scalar = str | bool | int


@dataclass(frozen=True)
class AMRoute:
    """A route of the tree; unset timings and grouping are inherited from the parent."""

    receiver: str
    matchers: Matchers = ()
    group_by: tuple[str, ...] | None = None
    group_wait: str | None = None
    group_interval: str | None = None
    repeat_interval: str | None = None
    continue_: bool = False
    active: tuple[str, ...] = ()  # active_time_intervals
    muted: tuple[str, ...] = ()  # mute_time_intervals
    routes: tuple[AMRoute, ...] = ()
    origin: Origin = ()


@dataclass(frozen=True)
class AMReceiver:
    """A receiver with one notifier: `config_key` (e.g. pagerduty_configs) and its fields."""

    name: str
    kind: str
    config_key: str
    fields: tuple[tuple[str, Scalar], ...]
    authorization: tuple[tuple[str, str], ...] = ()  # http_config.authorization, if any


@dataclass(frozen=True)
class AMTimeSpan:
    """One entry of a time interval (Alertmanager's field names)."""

    weekdays: tuple[str, ...] = ()
    times: tuple[tuple[str, str], ...] = ()
    days_of_month: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    location: str | None = None


@dataclass(frozen=True)
class AMTimeInterval:
    """A named time interval."""

    name: str
    spans: tuple[AMTimeSpan, ...]


@dataclass(frozen=True)
class AMInhibitRule:
    """An inhibition: while a source alert fires, targets sharing `equal` labels are muted."""

    source: Matchers
    target: Matchers
    equal: tuple[str, ...]
    origin: Origin = ()


@dataclass(frozen=True)
class RoutingRow:
    """One routing proof: the receivers Alertmanager must pick for every alert alike in the
    labels its matchers read (`AlertmanagerPlan.routed`), shown by one of them.

    `labels` is that one alert's label set, which amtool tests. `receivers` lists one entry
    per matched route, in tree order, exactly as `amtool config routes test` prints them.
    When a matched route is time-limited, `when` says for each receiver when it notifies
    ("always", "in business-hours", ...): amtool ignores time intervals, so obsgen checks
    them itself. `covers` lists, for each label the matchers do not read whose values differ
    among the alerts the row stands for, every value they take (`service`, `long_window`).
    """

    labels: tuple[tuple[str, str], ...]
    receivers: tuple[str, ...]
    when: tuple[str, ...] = ()
    alert: bool = True  # generated alerts (True) or severity/tier/service combinations
    covers: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def stands_for(self, labels: Mapping[str, str], routed: Sequence[str]) -> bool:
        """Whether the row stands for an alert: alike in every routed label, and each other
        label the row's own value or one it covers (a missing label reads as "")."""
        shown, covers = self.shown, self._covers
        if any(shown.get(n, "") != labels.get(n, "") for n in routed):
            return False
        others = ({*labels, *shown} - set(routed)) | covers.keys()
        return all(labels.get(n, "") in covers.get(n, (shown.get(n, ""),)) for n in others)

    @functools.cached_property
    def shown(self) -> dict[str, str]:
        """The labels of the alert the row shows, as a dict (made once: a row stands for
        thousands of alerts)."""
        return dict(self.labels)

    @functools.cached_property
    def _covers(self) -> dict[str, tuple[str, ...]]:
        return dict(self.covers)


@dataclass(frozen=True)
class AlertmanagerPlan:
    """alertmanager.yml and its routing table."""

    path: str
    table_path: str
    root: AMRoute
    receivers: tuple[AMReceiver, ...]
    inhibit_rules: tuple[AMInhibitRule, ...]
    time_intervals: tuple[AMTimeInterval, ...]
    rows: tuple[RoutingRow, ...]
    # the labels route and inhibit matchers read: a row per distinct values of these
    routed: tuple[str, ...] = ()
