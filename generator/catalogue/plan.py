"""Plan the alert catalogue (out/ALERTS.md, docs/review.md): one row per distinct content of
an alert's columns but its service and tier, read from the rest of the plan, never recomputed.

Receivers come from the Alertmanager routing table rows (the route resolution amtool
proves, once per class of alerts the matchers can tell apart); inhibitions from the planned
inhibit rules, matched with Alertmanager's own matcher semantics (alertmanager/tree.py); SLO
time-to-fire figures from catalogue/timing.py, which shares the outage computation of the
generated promtool tests. Each column is worked out once per what it depends on, so a
thousand services cost a few distinct rows, not a thousand.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TypeVar

from generator.alertmanager import (
    AlertmanagerPlan,
    AMInhibitRule,
    matcher_text,
    matches,
    routed_values,
)
from generator.catalogue.model import (
    BurnColumn,
    BurnFigures,
    Catalogue,
    CatalogueAlert,
    CatalogueSLO,
    Inhibition,
    RateRow,
    Reach,
    SLOPlot,
)
from generator.catalogue.timing import outage_seconds, seconds_at, table_rates
from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.core.numbers import format_duration, parse_duration
from generator.prometheus import AlertRule, BurnAlertPlan, Labels, RuleFile, SLOPlan
from generator.promtest import REQUEST_RATE, Ctx, fastest_page, outage_proven, slo_context
from generator.spec import Spec

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2, "none": 3}
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _duration(seconds: int | None) -> str | None:
    return None if seconds is None else format_duration(seconds * 1000)


def _percent(value: Decimal) -> Decimal:
    """A share as a percentage with two decimals (reviewers read 9.26 %, not 9.259259...)."""
    return (value * HUNDRED).quantize(CENT, rounding=ROUND_HALF_EVEN).normalize()


def _source_text(rule: AMInhibitRule) -> str:
    return ", ".join(matcher_text(name, values) for name, values in rule.source)


T = TypeVar("T")
Labelled = Sequence[tuple[AlertRule, Mapping[str, str]]]  # every alert with its label set


Sources = dict[tuple[int, tuple[str, ...]], tuple[str, ...]]


def _sources(am: AlertmanagerPlan | None, everyone: Labelled) -> Sources:
    """Per inhibit rule (by index) and values of its `equal` labels, the names of the alerts
    matching its source: built once, so finding who can mute an alert stays linear in the
    alert count."""
    index: dict[tuple[int, tuple[str, ...]], set[str]] = {}
    for i, rule in enumerate(am.inhibit_rules if am is not None else ()):
        for other, theirs in everyone:
            if matches(rule.source, theirs):
                key = (i, tuple(theirs.get(n, "") for n in rule.equal))
                index.setdefault(key, set()).add(f"{other.alert} {other.label('severity')}")
    return {key: tuple(sorted(names)) for key, names in index.items()}


def _burn_figures(
    ctx: Ctx, slo: SLOPlan, burn: BurnAlertPlan, for_s: int, proven: bool
) -> BurnFigures:
    outage = outage_seconds(ctx.step_s, ctx.interval_s, slo, burn, for_s)
    spent = None
    if outage is not None:
        spent = _percent(Decimal(outage) / (slo.budget * sm.seconds(slo.period)))
    return BurnFigures(
        budget_share=burn.budget_share * HUNDRED,
        factor=sm.exact_text(burn.factor),
        long=burn.long,
        short=burn.short,
        period=slo.period,
        outage=_duration(outage),
        outage_budget=spent,
        proven=proven,
    )


def _slo_entry(
    ctx: Ctx, slo: SLOPlan, for_s: Mapping[str, int]
) -> tuple[tuple[BurnColumn, ...], tuple[RateRow, ...]]:
    """One SLO's burn alerts and their time to fire at 1-2-5 steps of error rates."""
    fors = tuple(for_s[b.long] for b in slo.burns)
    rows = _rate_rows(ctx.step_s, ctx.interval_s, slo_shape(slo), fors)
    columns = tuple(
        BurnColumn(
            b.severity,
            b.long,
            b.short,
            sm.exact_text(b.factor),
            sm.exact_text(b.threshold),
            for_s[b.long],
        )
        for b in slo.burns
    )
    return columns, rows


@functools.lru_cache(maxsize=256)  # the services of a tier share these figures
def _rate_rows(
    step_s: int, interval_s: int, slo: SLOPlan, fors: tuple[int, ...]
) -> tuple[RateRow, ...]:
    rows = []
    for rate in table_rates(slo):
        times = tuple(
            _duration(seconds_at(step_s, interval_s, slo, b, rate, for_s))
            for b, for_s in zip(slo.burns, fors, strict=True)
        )
        rows.append(RateRow(rate * HUNDRED, times))
    return tuple(rows)


def slo_shape(slo: SLOPlan) -> SLOPlan:
    """The SLO with its service aside: what its time-to-fire figures and plot depend on,
    shared by the services of a tier."""
    return replace(slo, service="")


def plot_inputs(slo: SLOPlan, columns: tuple[BurnColumn, ...]) -> tuple[object, ...]:
    """Everything a plot is drawn from (catalogue/plots.py), apart from the plan-wide timing:
    the SLO (its service aside) and its burn columns, `for` included."""
    return (slo_shape(slo), columns)


def assert_shared_plots(slos: Sequence[SLOPlan], columns: Sequence[tuple[BurnColumn, ...]]) -> None:
    """Services of one tier share its plot (conventions.slo_plot), so they must share every
    input of it; a difference is a bug of the planner, not of the spec."""
    first: dict[str, tuple[str, tuple[object, ...]]] = {}
    for slo, cols in zip(slos, columns, strict=True):
        plot = cv.slo_plot(slo.tier, slo.slo)
        service, inputs = first.setdefault(plot, (slo.service, plot_inputs(slo, cols)))
        if inputs != plot_inputs(slo, cols):
            raise AssertionError(f"{plot}: {service} and {slo.service} differ in its inputs")


class _Parts:
    """What the rows read, each worked out once: SLOs, routing, the tests' context and which
    SLOs they prove, and the figures of each SLO burn alert."""

    def __init__(self, spec: Spec, slos: Sequence[SLOPlan], am: AlertmanagerPlan | None) -> None:
        self.am = am
        self.slo_index = {(s.service, s.slo): s for s in slos}
        self.ctx = slo_context(spec)
        self.external = dict(spec.prometheus.external_labels)
        self.proven = outage_proven(self.ctx, slos)
        # receivers of each class of alerts the routing table has a row for
        self.routed = am.routed if am is not None else ()
        # a column worked out once is kept once per distinct value, so that rows can tell
        # values apart by identity (`_rows`)
        self._kept: dict[object, object] = {}
        self.reaches: dict[tuple[str, ...], tuple[Reach, ...]] = {}
        for row in am.rows if am is not None else ():
            if row.alert:
                when = row.when or ("always",) * len(row.receivers)
                self.reaches[routed_values(dict(row.labels), self.routed)] = self.kept(
                    tuple(Reach(r, w) for r, w in zip(row.receivers, when, strict=True))
                )
        self.no_reach: tuple[Reach, ...] = self.kept(())
        # each SLO's shape (its service aside) as a number, equal shapes one number
        shapes: dict[SLOPlan, int] = {}
        self._shape = {
            key: shapes.setdefault(slo_shape(s), len(shapes)) for key, s in self.slo_index.items()
        }
        self._burns: dict[tuple[int, str, str, bool], BurnFigures] = {}
        self._rules = am.inhibit_rules if am is not None else ()
        self._target_read = tuple(sorted({n for r in self._rules for n, _ in r.target}))
        self._targeted: dict[tuple[str, ...], tuple[int, ...]] = {}
        self._inhibitions: dict[tuple[object, ...], tuple[Inhibition, ...]] = {}

    def kept(self, value: T) -> T:
        """The one object kept for values equal to `value`."""
        return self._kept.setdefault(value, value)  # type: ignore[return-value]

    def burn(self, alert: AlertRule) -> BurnFigures:
        """The figures of an SLO burn alert, worked out once per SLO shape, window, `for`
        and whether the tests prove them (the services of a tier share them)."""
        key = (alert.label("service"), alert.label("slo"))
        long = alert.label("long_window")
        # the shape decides the window and whether it is the fastest page
        memo = (self._shape[key], long, alert.for_, key in self.proven)
        found = self._burns.get(memo)
        if found is None:
            slo = self.slo_index[key]
            window = next(b for b in slo.burns if b.long == long)
            for_s = parse_duration(alert.for_) // 1000
            proven = key in self.proven and window == fastest_page(slo)
            figures = _burn_figures(self.ctx, slo, window, for_s, proven)
            found = self._burns[memo] = self.kept(figures)
        return found

    def inhibitions(self, mine: Mapping[str, str], sources: Sources) -> tuple[Inhibition, ...]:
        """Who can mute an alert: each inhibit rule whose target matches it (found once per
        values of the labels target matchers read) with the alerts that match its source
        and agree on its `equal` labels (`sources`; `equal` is often `service`, so those
        are looked up per alert). The spec checks keep sources and targets disjoint, so an
        alert never mutes itself."""
        values = tuple(mine.get(n, "") for n in self._target_read)
        targeted = self._targeted.get(values)
        if targeted is None:
            targeted = self._targeted[values] = tuple(
                i for i, rule in enumerate(self._rules) if matches(rule.target, mine)
            )
        key = tuple(
            (i, sources.get((i, tuple(mine.get(n, "") for n in self._rules[i].equal)), ()))
            for i in targeted
        )
        found = self._inhibitions.get(key)
        if found is None:
            found = self._inhibitions[key] = self.kept(
                tuple(
                    Inhibition(names, _source_text(self._rules[i]), self._rules[i].equal)
                    for i, names in key
                )
            )
        return found


def _order(alert: AlertRule) -> tuple[str, str, int, int]:
    labels = dict(alert.labels)
    long = labels.get("long_window")
    return (
        labels["service"],
        alert.alert,
        SEVERITY_ORDER.get(labels["severity"], len(SEVERITY_ORDER)),
        sm.seconds(long) if long else 0,
    )


class _Rank:
    """Services in spec order (then the datastores', then the others by name)."""

    def __init__(self, spec: Spec) -> None:
        self.index = {name: i for i, name in enumerate([*spec.services, *spec.datastores])}

    def __call__(self, service: str) -> tuple[int, str]:
        return (self.index.get(service, len(self.index)), service)

    def sort(self, pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(service, tier) pairs -> their distinct services and tiers, in spec order."""
        ordered = sorted(set(pairs), key=lambda p: self(p[0]))
        return tuple(dict.fromkeys(s for s, _ in ordered)), tuple(
            dict.fromkeys(t for _, t in ordered)
        )


# every column of a row but Service and Tier
_RowKey = tuple[
    str, str, str, str, tuple[Reach, ...], tuple[Inhibition, ...], str, BurnFigures | None
]


def _runbook(alert: AlertRule) -> str:
    return next(value for name, value in alert.annotations if name == "runbook_url")


def _rows(alerts: Sequence[AlertRule], parts: _Parts, rank: _Rank) -> tuple[CatalogueAlert, ...]:
    """One row per distinct content of every column but Service and Tier, at the place of its
    first alert; each column is worked out once per what it depends on (the routed labels,
    the labels inhibit rules read, the SLO's shape), not once per alert."""
    # the labels each alert reaches Alertmanager with (alertmanager.alert_label_set)
    everyone = [(a, {**parts.external, **dict(a.labels), "alertname": a.alert}) for a in alerts]
    sources = _sources(parts.am, everyone)
    found: dict[tuple[object, ...], tuple[_RowKey, list[Labels]]] = {}
    for alert, mine in everyone:
        reaches = parts.reaches.get(routed_values(mine, parts.routed), parts.no_reach)
        inhibitions = parts.inhibitions(mine, sources)
        burn = parts.burn(alert) if alert.kind == "slo" else None
        runbook = _runbook(alert)
        plain = (alert.alert, mine["severity"], alert.condition, alert.for_)
        # the columns `parts` works out are kept once per value: alike when identical, so
        # an alert's row is found without comparing them field by field
        seen = (*plain, id(reaches), id(inhibitions), runbook, id(burn))
        found.setdefault(seen, ((*plain, reaches, inhibitions, runbook, burn), []))[1].append(
            alert.labels
        )
    rows = []
    for key, own in found.values():
        name, severity, condition, for_, reaches, inhibitions, runbook, burn = key
        mapped = [dict(labels) for labels in own]
        services, tiers = rank.sort((m["service"], m["tier"]) for m in mapped)
        rows.append(
            CatalogueAlert(
                alert=name,
                services=services,
                tiers=tiers,
                labels=tuple(own),
                severity=severity,
                condition=condition,
                for_=for_,
                reaches=reaches,
                inhibitions=inhibitions,
                runbook=runbook,
                burn=burn,
            )
        )
    return tuple(rows)


def _slo_tables(
    alerts: Sequence[AlertRule], slos: Sequence[SLOPlan], ctx: Ctx, rank: _Rank
) -> tuple[CatalogueSLO, ...]:
    """One time-to-fire table per distinct content (SLO, objective, budget, windows and
    figures), in the order of its first SLO, for every service that has it."""
    burn_for = {
        (a.label("service"), a.label("slo"), a.label("long_window")): parse_duration(a.for_) // 1000
        for a in alerts
        if a.kind == "slo"
    }
    alerting = [s for s in slos if s.burns]  # an SLO without alerts has no time to fire
    # the figures depend on the SLO's shape (its service aside) and `for`s: once per shape
    # a table before its services and plots are known: the key of the services that share it
    figures: dict[tuple[SLOPlan, tuple[int, ...]], CatalogueSLO] = {}
    found: dict[CatalogueSLO, list[SLOPlan]] = {}
    columns_of = []
    for s in alerting:
        for_s = {b.long: burn_for[(s.service, s.slo, b.long)] for b in s.burns}
        shape = (slo_shape(s), tuple(for_s[b.long] for b in s.burns))
        table = figures.get(shape)
        if table is None:
            columns, rows = _slo_entry(ctx, s, for_s)
            table = figures[shape] = CatalogueSLO(
                (), s.slo, s.objective, s.budget, s.period, columns, rows, ()
            )
        found.setdefault(table, []).append(s)
        columns_of.append(table.columns)
    assert_shared_plots(alerting, columns_of)
    out = []
    for table, members in found.items():
        ordered = sorted(members, key=lambda m: rank(m.service))
        first_of_tier: dict[str, str] = {}
        for m in ordered:
            first_of_tier.setdefault(m.tier, m.service)
        plots = tuple(
            SLOPlot(cv.slo_plot(tier, table.slo), tier, service)
            for tier, service in first_of_tier.items()
        )
        services = tuple(m.service for m in ordered)
        out.append(dataclasses.replace(table, services=services, plots=plots))
    return tuple(out)


def plan_catalogue(
    spec: Spec,
    rule_files: Sequence[RuleFile],
    slos: Sequence[SLOPlan],
    am: AlertmanagerPlan | None,
) -> Catalogue:
    """The catalogue of every alerting rule in `rule_files`: a row per distinct content of
    its columns but Service and Tier, in service and alert order."""
    parts = _Parts(spec, slos, am)
    rank = _Rank(spec)
    alerts = sorted((a for f in rule_files for a in f.alerts()), key=_order)
    return Catalogue(
        path=cv.CATALOGUE,
        rules=sum(len(f.rules_alerting()) for f in rule_files),
        alerts=_rows(alerts, parts, rank),
        slos=_slo_tables(alerts, slos, parts.ctx, rank),
        routed=am is not None,
        request_rate=REQUEST_RATE,
        step_s=parts.ctx.step_s,
        interval_s=parts.ctx.interval_s,
        tests=cv.test_file("slo"),
        routing_table=cv.ROUTING_TABLE,
    )
