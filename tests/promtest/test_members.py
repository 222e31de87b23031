"""Member sets of the mapping tests (promtest/members.py): each member written once, a set
wanted again made of the sets already written, and the checks exact together; and the
services the value checks of the shared recording rules drive (cases.driven_services)."""

from __future__ import annotations

from decimal import Decimal

from generator.prometheus import AlertRule, Expr
from generator.promtest.cases import driven_services
from generator.promtest.members import MEMBER, Members, each_of, total
from generator.promtest.model import ExprCheck
from generator.spec import load_text, parse_document
from tests.conftest import DURI_SPEC


def _m(service: str, tier: str) -> tuple[tuple[str, str], ...]:
    return (("service", service), ("tier", tier))


A, B, C = _m("a", "x"), _m("b", "x"), _m("c", "y")


def test_a_set_wanted_again_is_made_of_the_sets_inside_it_and_a_new_set_of_the_rest() -> None:
    members = Members()
    assert members.cover([A, B]) == ["1"]
    assert members.cover([A, B, C]) == ["1", "2"]  # {a, b} again, then {c} alone
    assert members.cover([C]) == ["2"]
    assert members.cover([A]) == ["3"]  # {a, b} is not inside {a}: a new set
    fed = [(s.metric, dict(s.labels)) for s in members.series(5)]
    assert fed == [
        (MEMBER, {"service": "a", "set": "1", "tier": "x"}),
        (MEMBER, {"service": "b", "set": "1", "tier": "x"}),
        (MEMBER, {"service": "c", "set": "2", "tier": "y"}),
        (MEMBER, {"service": "a", "set": "3", "tier": "x"}),
    ]
    assert all(len(s.values) == 1 and s.values[0].count == 4 for s in members.series(5))


def test_members_of_one_value_share_a_check_and_the_total_counts_every_member() -> None:
    members = Members()
    read = ExprCheck("slo:objective:ratio", (), "14m", (), "each service's own")
    table = {A: Decimal("0.999"), B: Decimal("0.999"), C: Decimal("0.99")}
    checks = [*each_of(members, read, table), total(read, len(table))]
    each = [(c.each.set, c.each.bounds) for c in checks if c.each is not None]
    assert each == [("1", (Decimal("0.999"), Decimal("0.999"))), ("2", (Decimal("0.99"),) * 2)]
    assert all(c.each.on == ("service", "tier") for c in checks if c.each is not None)
    (counted,) = [c for c in checks if c.total]
    assert [s.value for s in counted.samples] == [Decimal(3)] and not counted.samples[0].labels


def test_value_checks_drive_the_alerts_services_and_one_service_of_each_label_shape() -> None:
    """cases.driven_services: the services the alert tests drive, then the first service of
    each selector and container label shape none of them has, then enough for `least`."""
    text = DURI_SPEC.read_text().replace(
        "container: {name: duri_evolution}", "container: {name: duri_evolution, namespace: lab}"
    )
    spec = parse_document(load_text(text, "spec.yaml"))
    core = AlertRule("X", Expr("m", {}), "1m", (("service", "duri-core"),), ())
    assert driven_services(spec, []) == ["duri-brain", "duri-evolution"]
    assert driven_services(spec, [core]) == ["duri-core", "duri-evolution"]
    assert driven_services(spec, [], least=2) == ["duri-brain", "duri-control", "duri-evolution"]
