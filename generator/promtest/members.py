"""Who a mapping test expects, written once: member sets as input series.

A mapping test (mapping.py, slo_mapping.py, regression_mapping.py, health_mapping.py) proves
that every service's series reach the shared rules as its own. Listing every expected
series in `exp_samples` costs a line per service and check; instead the test feeds each
expected member once, as `obsgen_member{set="…", service="…", tier="…"}` (a member is the
labels that say whose a series is: service, tier, and where they apply job and slo), and
checks a shared result against the set in two ways:

- `obsgen_member{set="s"} unless on (service, tier) (<expr> == <value>)` is empty: every
  member has a series of that value (none lost, none given another service's labels);
- `count(<expr>)` is the number of members: none doubled, none a stranger's.

Together they are the old exact list: each member once, and nothing else. Sets are shared
by every check that expects the same members: a set wanted again is covered by the sets
already written inside it, and only the rest becomes a new set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from decimal import Decimal

from generator.core.numbers import fmt
from generator.prometheus import Labels
from generator.promtest.cases import Scenario
from generator.promtest.model import Each, ExprCheck, InputSeries, Sample, Segment

MEMBER = "obsgen_member"
MEMBER_KEYS = frozenset({"job", "service", "slo", "tier"})  # labels that say whose a series is


class Members:
    """The member sets of one mapping test, in the order first wanted."""

    def __init__(self) -> None:
        self._sets: list[tuple[tuple[str, ...], frozenset[Labels]]] = []

    def cover(self, members: Iterable[Labels]) -> list[str]:
        """The ids of sets whose union is exactly `members` (labels of the same names):
        every set already written that lies inside it, then a new set of the rest."""
        left = set(members)
        keys = tuple(k for k, _ in next(iter(left))) if left else ()
        ids = []
        for i, (names, found) in enumerate(self._sets):
            if names == keys and found <= left:
                ids.append(str(i + 1))
                left -= found
        if left:
            self._sets.append((keys, frozenset(left)))
            ids.append(str(len(self._sets)))
        return ids

    def series(self, count: int) -> list[InputSeries]:
        """Every member of every set, present (value 1) for `count` samples."""
        held = (Segment(Decimal(1), Decimal(0), count - 1),)
        return [
            InputSeries(MEMBER, tuple(sorted((*member, ("set", str(i + 1))))), held)
            for i, (_, found) in enumerate(self._sets)
            for member in sorted(found)
        ]


Bounds = tuple[Decimal, Decimal]


def each_of(
    members: Members, check: ExprCheck, table: Mapping[Labels, Decimal | Bounds | None]
) -> list[ExprCheck]:
    """`check`'s expression holding a series for every member of `table` (member labels ->
    the value its series holds, or the bounds it lies within; None: any): one check per
    value and set."""
    by_value: dict[Bounds | None, list[Labels]] = {}
    for member, value in table.items():
        bounds = (value, value) if isinstance(value, Decimal) else value
        by_value.setdefault(bounds, []).append(member)
    out = []
    for bounds, found in by_value.items():
        on = tuple(k for k, _ in found[0])
        held = ""
        if bounds is not None:
            low, high = (fmt(b) for b in bounds)
            held = f" of {low}" if low == high else f" from {low} to {high}"
        for set_id in members.cover(found):
            proves = f"{check.proves}: a series{held} for each member of set {set_id}"
            each = Each(MEMBER, set_id, on, bounds)
            out.append(dataclasses.replace(check, samples=(), proves=proves, each=each))
    return out


def total(check: ExprCheck, count: int) -> ExprCheck:
    """`count(<check's expression>)` = `count`: no series doubled, none a stranger's."""
    proves = f"{check.proves}: {count} series in all, none doubled or another's"
    return dataclasses.replace(
        check, samples=(Sample("", (), Decimal(count)),), proves=proves, total=True
    )


def mapping_scenario(
    name: str,
    series: list[InputSeries],
    members: Members,
    checks: list[ExprCheck],
    count: int,
    metrics: frozenset[str] = frozenset(),
) -> Scenario:
    """A mapping test's one scenario: its series and its sets' members (`count` samples
    each), and its checks. `metrics` adds raw metrics it must not share a group with though
    it may feed none (`up`, whose absence a TargetDown mapping reads)."""
    fed = (*series, *members.series(count))
    return Scenario(name, metrics | {s.metric for s in fed}, fed, (), tuple(checks))
