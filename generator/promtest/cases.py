"""What every generated behaviour test shares: the context, scenarios and expected alerts.

A scenario is one timeline of raw input series for some subjects (services, the node, a
datastore) and the checks it supports; promtest/plan.py packs scenarios that feed different
metrics into the same promtool test group.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from generator.core.numbers import format_duration, parse_duration
from generator.prometheus import AlertRule, Labels
from generator.promtest.go_template import TemplateExpansionError, expand
from generator.promtest.model import AlertCheck, CaseError, ExpectedAlert, ExprCheck, InputSeries
from generator.spec import Spec

RATE_WINDOW_S = 300  # rules read raw counters with rate(...[5m])


@dataclass(frozen=True)
class Ctx:
    """What scenarios are built from: the spec, input spacing and evaluation step."""

    spec: Spec
    interval_s: int  # spacing of input samples (the scrape interval)
    step_s: int  # promtool's evaluation interval for the file

    @property
    def settle_s(self) -> int:
        """When a rate over 5m of inputs that started at a phase change is steady."""
        return RATE_WINDOW_S + self.interval_s


@dataclass(frozen=True)
class Scenario:
    """Input series and the checks they support."""

    name: str
    metrics: frozenset[str]  # raw metrics fed: scenarios sharing one cannot share a group
    series: tuple[InputSeries, ...]
    alerts: tuple[AlertCheck, ...]
    exprs: tuple[ExprCheck, ...] = ()
    interval_s: int = 0  # its inputs' own spacing (a custom alert's example), 0: the file's


@functools.cache
def seconds(duration: str) -> int:
    """'5m' -> 300."""
    return parse_duration(duration) // 1000


def at(second: int) -> str:
    """A promtool eval_time."""
    return format_duration(second * 1000)


def ceil_to(second: int, step: int) -> int:
    """The first multiple of `step` at or after `second`."""
    return -(-second // step) * step


def expected(alert: AlertRule, extra: Labels, value: Decimal | None) -> ExpectedAlert:
    """The alert as promtool reports it when firing with these expression labels and $value.

    Annotations see the expression's labels; obsgen's rules copy them into the static labels
    (service, tier, slo), so the union is what `$labels` holds for every label they use.
    """
    merged: Mapping[str, str] = dict(extra) | dict(alert.labels)
    try:
        annotations = tuple((k, expand(v, value, merged)) for k, v in alert.annotations)
    except TemplateExpansionError as exc:
        raise CaseError(f"alert {alert.alert}: {exc}") from None
    return ExpectedAlert(tuple(sorted(merged.items())), annotations)


def within(value: Decimal, spread: Decimal) -> tuple[Decimal, Decimal]:
    """The range value ± spread, widened outwards to 7 significant digits (readable bounds
    for a range check; the spread is far wider than the rounding)."""
    low, high = value - spread, value + spread
    digits = Decimal(1).scaleb(max(abs(low), abs(high)).adjusted() - 6)
    return (
        low.quantize(digits, rounding=ROUND_FLOOR).normalize(),
        high.quantize(digits, rounding=ROUND_CEILING).normalize(),
    )


def driven_services(spec: Spec, alerts: list[AlertRule], least: int = 1) -> list[str]:
    """The services whose series the value tests of the shared recording rules feed, in
    name order: those `alerts` are of (a shared rule's chosen services: the mapping test maps
    every other service in), then the first service of each selector and container label
    shape none of them has (so each stranger matcher is proved on a service of its shape),
    then the first others until there are `least`."""
    names = sorted(spec.services)
    picked = {a.label("service") for a in alerts} & set(names)

    def shape(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        service = spec.services[name]
        return tuple(sorted(service.selector)), tuple(sorted(service.container))

    shapes = {shape(n) for n in picked}
    for name in names:
        if shape(name) not in shapes or len(picked) < least:
            shapes.add(shape(name))
            picked.add(name)
    return [n for n in names if n in picked]
