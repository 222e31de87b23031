"""SLOs tested together, in rounds: the scenarios (slo.py) feed every SLO of a service its
own traffic, so two SLOs of one service whose SLIs read the same raw metric (two ratio SLOs
on one request counter) cannot share a scenario; they are proved in separate rounds, each
round's scenarios named after its SLOs. SLOs without alerts take part only in the value
scenarios of their windows (slo_long.py).
SLOs fed their recorded rates (slo_stand_in.py) reserve the raw metrics their rules read:
no round, and no test group, holding their scenarios feeds those."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from generator.prometheus import AlertRule, SLOPlan
from generator.promtest.cases import Ctx, Scenario
from generator.promtest.slo import (
    FINE_WINDOW_S,
    MAX_WINDOW_S,
    Builder,
    guard_slo_scenarios,
    slo_scenarios,
    window_slo_scenarios,
)
from generator.promtest.slo_feed import feeds_metrics, stand_in_reads
from generator.promtest.slo_gauge import gauge_scenarios
from generator.promtest.slo_guard import early_guard_scenarios
from generator.promtest.slo_long import long_window_scenarios, short_window_scenarios
from generator.promtest.slo_missing import missing_slo_scenarios
from generator.promtest.slo_outage import outage_slos
from generator.promtest.slo_split import split_scenarios


def slo_rounds(ctx: Ctx, slos: Sequence[SLOPlan]) -> list[list[str]]:
    """SLO names in rounds, first fit: no round holds two SLOs that feed one raw metric of
    one service."""
    fed: dict[str, set[tuple[str, str]]] = {}
    for s in slos:
        fed.setdefault(s.slo, set()).update((s.service, m) for m in feeds_metrics(ctx, s))
    rounds: list[tuple[list[str], set[tuple[str, str]]]] = []
    for name in sorted(fed):
        home = next((r for r in rounds if not (r[1] & fed[name])), None)
        if home is None:
            rounds.append(([name], set(fed[name])))
        else:
            home[0].append(name)
            home[1].update(fed[name])
    return [names for names, _ in rounds]


def _named(scenarios: list[Scenario], names: Sequence[str], prefix: bool) -> list[Scenario]:
    if not prefix:
        return scenarios
    shown = "SLOs " + ", ".join(names) + ": "
    return [dataclasses.replace(s, name=shown + s.name) for s in scenarios]


def _reserving(scenarios: list[Scenario], reads: frozenset[str]) -> list[Scenario]:
    """The scenarios, counting `reads` among the metrics they feed, so that no scenario
    feeding one of those joins their test group."""
    if not reads:
        return scenarios
    return [dataclasses.replace(s, metrics=s.metrics | reads) for s in scenarios]


def slo_round_scenarios(
    ctx: Ctx, windows: Ctx, long: Ctx, slos: Sequence[SLOPlan], alerts: Sequence[AlertRule]
) -> tuple[list[Scenario], list[Scenario], list[Scenario]]:
    """The SLO scenarios of every round at the SLO tests' step (`ctx`), at the coarser step
    of the long windows (`windows`) and at the long-window value step (`long`)."""
    main: list[Scenario] = []
    coarse: list[Scenario] = []
    values: list[Scenario] = []
    rounds = slo_rounds(ctx, slos)
    several = len(rounds) > 1
    for names in rounds:
        every = [s for s in slos if s.slo in names]
        mine = [s for s in every if s.burns]  # SLOs without alerts: windows by value only
        theirs = [a for a in alerts if a.label("slo") in names]
        reads = frozenset(m for s in every for m in stand_in_reads(ctx, s))
        found: list[Scenario] = []
        slow: list[Scenario] = []
        if mine:
            found = slo_scenarios(ctx, mine, theirs)
            # one window over, the other just under; guards of windows longer than a test
            fine = Builder(ctx, mine, theirs)
            found += split_scenarios(fine, lambda span: span <= FINE_WINDOW_S)
            found += early_guard_scenarios(fine, lambda span: span > MAX_WINDOW_S)
            slow = guard_slo_scenarios(windows, mine, theirs)
            slow += window_slo_scenarios(windows, mine, theirs)
            coarse_split = Builder(windows, mine, theirs)
            slow += split_scenarios(coarse_split, lambda span: span > FINE_WINDOW_S)
        slow += short_window_scenarios(windows, every, MAX_WINDOW_S)
        found += missing_slo_scenarios(ctx, every)
        main += _reserving(_named(found, names, several), reads)
        coarse += _reserving(_named(slow, names, several), reads)
        values += _reserving(_named(long_window_scenarios(long, every), names, several), reads)
    coarse += gauge_scenarios(windows, slos, alerts)  # a gauge SLI's own rules, from samples
    return main, coarse, values


def outage_proven(ctx: Ctx, slos: Sequence[SLOPlan]) -> set[tuple[str, str]]:
    """(service, SLO) pairs whose fastest page the outage scenario of their round proves."""
    proven = set()
    for names in slo_rounds(ctx, slos):
        mine = [s for s in slos if s.slo in names and s.burns]
        proven |= {(s.service, s.slo) for s in outage_slos(mine)}
    return proven
