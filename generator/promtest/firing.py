"""The check every mapping test ends with: each alert firing once for each service."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from generator.prometheus import AlertRule
from generator.promtest.cases import at
from generator.promtest.inputs import _sorted
from generator.promtest.model import ExprCheck, Sample


def firing_once(
    views: Sequence[AlertRule],
    keys: tuple[str, ...],
    when: int,
    proves: str,
    extra: Callable[[AlertRule], dict[str, str]] | None = None,
) -> ExprCheck:
    """`count by (keys) (ALERTS{alertstate="firing", alertname=~"..."})` at `when`: 1 for
    each of `views` (the rule each service has on its own; `extra`, labels its alert gets
    from the series), and no other group."""
    counted = []
    for view in views:
        labels = {"alertname": view.alert, **dict(view.labels), **(extra(view) if extra else {})}
        counted.append(Sample("", _sorted({k: labels[k] for k in keys}), Decimal(1)))
    names = "|".join(sorted({v.alert for v in views}))
    return ExprCheck(
        "ALERTS",
        (("alertstate", "=", "firing"), ("alertname", "=~", names)),
        at(when),
        tuple(sorted(counted, key=lambda s: s.labels)),
        proves,
        count_by=keys,
    )
