"""What every health scenario shares: raw input series fed from t=0, the labels an alert's
selector asks of them, and checks that pin `for` on both sides of the firing evaluation.

A condition that turns true at an input sample S turns true at the first evaluation at or
after S; a window that must empty of a value (`max_over_time`, a series' 5m lookback) empties
strictly after the last such sample plus the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from generator.prometheus import AlertRule, Labels
from generator.promtest.cases import Ctx, at, ceil_to, expected, seconds
from generator.promtest.model import AlertCheck, CaseError, InputSeries, Segment, rule_key

LOOKBACK_S = 300  # Prometheus' default lookback: a series is read 5m after its last sample


def const(value: Decimal | int, count: int) -> Segment:
    """`count` samples of one level."""
    return Segment(Decimal(value), Decimal(0), count - 1)


def raw_series(metric: str, labels: dict[str, str], *values: Segment) -> InputSeries:
    """A raw input series: `metric{labels}` fed the segments in turn."""
    return InputSeries(metric, tuple(sorted(labels.items())), tuple(values))


def selector_labels(alert: AlertRule, key: str = "selector") -> dict[str, str]:
    """The equality matchers of the rule's selector: the labels an input series needs."""
    out: dict[str, str] = {}
    for label, op, value in alert.expr.args[key]:
        if op != "=":
            raise CaseError(f"{alert.alert}: cannot feed a {op} matcher on {label}")
        out[label] = value
    return out


def matching_labels(alert: AlertRule) -> dict[str, str]:
    """The selector's equality matchers (negative matchers are met by the values fed)."""
    return {label: value for label, op, value in alert.expr.args["selector"] if op == "="}


def monitoring_labels(alert: AlertRule) -> dict[str, str]:
    """The labels of a monitoring series: its selector's, on the monitoring's instance."""
    return selector_labels(alert) | {"instance": "monitoring-0"}


def strangers(metric: str, alert: AlertRule, *values: Segment) -> list[InputSeries]:
    """Per equality matcher of the selector, `metric` of another such process: the labels
    of the monitoring series with that one label's value changed, fed `values` (failing
    from the start). The alert must not see them: a selector that lost the matcher would."""
    labels = monitoring_labels(alert)
    return [
        raw_series(metric, labels | {label: f"not-{value}"}, *values)
        for label, value in selector_labels(alert).items()
    ]


def pinned_checks(
    ctx: Ctx,
    name: str,
    alerts: Sequence[AlertRule],
    start: int,
    fired: Sequence[tuple[AlertRule, Labels]],
    why: str,
) -> tuple[AlertCheck, ...]:
    """Silent one step before `start + for`, firing at it: `for` pinned on both sides."""
    wait = seconds(alerts[0].for_)
    if any(seconds(a.for_) != wait for a in alerts):
        raise CaseError(f"{name}: alerts of one name with different `for`")
    when = ceil_to(start + wait, ctx.step_s)
    exp = tuple(sorted((expected(a, extra, None) for a, extra in fired), key=lambda e: e.labels))
    keys = tuple(sorted({rule_key(a) for a, _ in fired}))
    others = tuple(sorted({rule_key(a) for a in alerts} - set(keys)))
    checks = []
    if when - ctx.step_s >= 0:
        checks.append(
            AlertCheck(
                at(when - ctx.step_s),
                name,
                (),
                f"silent one evaluation before {why} has held for {alerts[0].for_}",
                (),
                keys,
            )
        )
    checks.append(
        AlertCheck(
            at(when), name, exp, f"fires once {why} has held for {alerts[0].for_}", keys, others
        )
    )
    return tuple(checks)
