"""The network rates no alert reads are proved by value (promtest/network.py)."""

from __future__ import annotations

from decimal import Decimal

from generator.core import conventions as cv
from generator.promtest.cases import driven_services
from generator.promtest.model import ExprCheck
from tests.conftest import DURI_OUT, DURI_SPEC, render_spec


def _checks() -> list[ExprCheck]:
    plan = render_spec(DURI_SPEC, DURI_OUT).plan
    return [
        e
        for t in plan.tests
        for g in t.groups
        for e in g.exprs
        if "network" in e.series and e.within is not None  # the mapping test counts them
    ]


def test_each_driven_service_network_rate_is_checked_mid_change_in_a_tenth_percent_band() -> None:
    checks = _checks()
    sig_names = {c.series for c in checks}
    assert sig_names == {
        cv.container_network_rate("container_network_receive_bytes_total"),
        cv.container_network_rate("container_network_transmit_bytes_total"),
    }
    services = {c.selector[0][2] for c in checks}
    b = render_spec(DURI_SPEC, DURI_OUT)
    (alerts,) = [f for f in b.plan.rule_files if f.path == cv.ALERTS_FILE]
    assert services == set(driven_services(b.spec, alerts.representatives()))
    for c in checks:
        assert c.within is not None
        low, high = c.within
        # 1 minute at 1000 B/s and 4 at 3000 B/s: 2600 B/s, neither phase's rate
        assert low < Decimal(2600) < high and high - low < Decimal(6)
