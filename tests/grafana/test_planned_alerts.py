"""The dashboards read the planned alerts through `PlannedAlerts`: each kind's threshold
lines are worked out once, and are what the plain per-call computation gives."""

from __future__ import annotations

from typing import Any

import pytest

from generator.grafana import panels
from generator.grafana.panels import PlannedAlerts, alert_lines
from tests.conftest import DURI_OUT, DURI_SPEC, FIXTURES, render_spec

SPECS = [(DURI_SPEC, DURI_OUT), *((FIXTURES / n / "spec.yaml", None) for n in ("payments", "shop"))]


@pytest.mark.parametrize(("spec", "out"), SPECS, ids=["duri", "payments", "shop"])
def test_planned_alerts_give_each_kinds_lines_as_the_plain_list_does(spec: Any, out: Any) -> None:
    alerts = [
        a for f in render_spec(spec, out or spec.parent / "out").plan.rule_files for a in f.alerts()
    ]
    planned = PlannedAlerts(alerts)
    kinds = {a.kind for a in alerts} | {"no-such-kind"}
    assert len(kinds) > 5
    for kind in sorted(kinds):
        assert alert_lines(planned, kind) == alert_lines(alerts, kind), kind


def test_each_kinds_lines_are_worked_out_once_and_handed_out_as_copies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alerts = [a for f in render_spec(DURI_SPEC, DURI_OUT).plan.rule_files for a in f.alerts()]
    calls: list[str] = []
    real = panels._lines

    def counted(mine: list[Any], kind: str) -> dict[str, Any]:
        calls.append(kind)
        return real(mine, kind)

    monkeypatch.setattr(panels, "_lines", counted)
    planned = PlannedAlerts(alerts)
    first = alert_lines(planned, "cpu")
    first["description"] = "changed by a caller"
    again = alert_lines(planned, "cpu")
    assert alert_lines(planned, "latency")["steps"]
    assert calls == ["cpu", "latency"]
    assert again["description"] != "changed by a caller"
    assert again == alert_lines(alerts, "cpu")
