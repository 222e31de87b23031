"""Behaviour tests of the health alerts (prometheus/health.py): each fires once its data goes
missing or its failure counter moves, not one evaluation before its `for`, and stays silent
while the data is there.

Every scenario feeds raw series from t=0 at the file's input spacing. A condition that turns
true at an input sample S turns true at the first evaluation at or after S; a window that
must empty of a value (`max_over_time`, a series' 5m lookback) empties strictly after the
last such sample plus the window. `for` is then pinned on both sides: silent one evaluation
step before `start + for`, firing at it.
"""

from __future__ import annotations

from generator.core import conventions as cv
from generator.prometheus import AlertRule
from generator.promtest.cases import Ctx, Scenario, driven_services
from generator.promtest.health_disk import disk_fill
from generator.promtest.health_monitoring import counter_share, gauge_low, increased
from generator.promtest.health_presence import metric_absent, missing_is_not_zero, target_down
from generator.promtest.model import CaseError

_SHAPES = {
    "increased": increased,
    "gauge_low": gauge_low,
    "counter_share": counter_share,
    "fill_prediction": disk_fill,
}


def health_scenarios(ctx: Ctx, name: str, alerts: list[AlertRule]) -> list[Scenario]:
    """The scenarios proving the health alerts named `name` (TargetDown's also prove how the
    recorded rates read missing data)."""
    if name == cv.TARGET_DOWN:
        return [
            *target_down(ctx, name, alerts),
            missing_is_not_zero(ctx, driven_services(ctx.spec, alerts, least=2)),
        ]
    if name == cv.METRIC_ABSENT:
        return metric_absent(ctx, name, alerts)
    out = []
    for alert in alerts:
        shape = _SHAPES.get(alert.expr.macro)
        if shape is None:
            raise CaseError(f"{name}: no health test for expressions of {alert.expr.macro}")
        out += shape(ctx, name, alert)
    return out
