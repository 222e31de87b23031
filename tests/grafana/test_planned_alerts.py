"""The dashboards read the planned alerts through `PlannedAlerts`: each kind's threshold
lines are worked out once, from the alerts of that kind in plan order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.grafana import panels
from generator.grafana.panels import PlannedAlerts
from tests.conftest import DURI_OUT, DURI_SPEC, FIXTURES, render_spec

SPECS = [(DURI_SPEC, DURI_OUT), *((FIXTURES / n / "spec.yaml", None) for n in ("payments", "shop"))]


def _alerts(spec: Path, out: Path | None) -> list[Any]:
    build = render_spec(spec, out or spec.parent / "out")
    return [a for f in build.plan.rule_files for a in f.alerts()]


@pytest.mark.parametrize(("spec", "out"), SPECS, ids=["duri", "payments", "shop"])
def test_each_kinds_lines_read_exactly_the_alerts_of_that_kind_in_order(
    spec: Path, out: Path | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    alerts = _alerts(spec, out)
    read: dict[str, list[Any]] = {}

    def recorded(mine: list[Any], kind: str) -> dict[str, Any]:
        read[kind] = list(mine)
        return {"kind": kind}

    monkeypatch.setattr(panels, "_threshold_lines", recorded)
    planned = PlannedAlerts(alerts)
    kinds = {a.kind for a in alerts}
    assert len(kinds) > 5
    for kind in sorted(kinds | {"no-such-kind"}):
        assert planned.lines(kind) == {"kind": kind}
        assert read[kind] == [a for a in alerts if a.kind == kind], kind


def test_each_kinds_lines_are_worked_out_once_and_handed_out_as_copies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alerts = _alerts(DURI_SPEC, DURI_OUT)
    expected = panels._threshold_lines([a for a in alerts if a.kind == "cpu"], "cpu")
    calls: list[str] = []
    real = panels._threshold_lines

    def counted(mine: list[Any], kind: str) -> dict[str, Any]:
        calls.append(kind)
        return real(mine, kind)

    monkeypatch.setattr(panels, "_threshold_lines", counted)
    planned = PlannedAlerts(alerts)
    first = planned.lines("cpu")
    first["description"] = "changed by a caller"
    again = planned.lines("cpu")
    assert planned.lines("latency")["steps"]
    assert calls == ["cpu", "latency"]
    assert again == expected and "changed by a caller" not in again["description"]
