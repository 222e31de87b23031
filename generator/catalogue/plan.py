"""Plan the alert catalogue (out/ALERTS.md, docs/review.md): one entry per alerting rule,
read from the rest of the plan, never recomputed.

Receivers come from the Alertmanager routing table rows (the route resolution amtool
proves); inhibitions from the planned inhibit rules, matched with Alertmanager's own matcher
semantics (alertmanager/tree.py); SLO time-to-fire figures from catalogue/timing.py, which
shares the outage computation of the generated promtool tests.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import ROUND_HALF_EVEN, Decimal

from generator.alertmanager import (
    AlertmanagerPlan,
    AMInhibitRule,
    RoutingRow,
    alert_label_set,
    matcher_text,
    matches,
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
)
from generator.catalogue.timing import outage_seconds, seconds_at, table_rates
from generator.core import conventions as cv
from generator.core import slo_math as sm
from generator.core.numbers import format_duration, parse_duration
from generator.prometheus import AlertRule, BurnAlertPlan, RuleFile, SLOPlan
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


def _reaches(
    rows: Mapping[tuple[tuple[str, str], ...], RoutingRow], labels: tuple[tuple[str, str], ...]
) -> tuple[Reach, ...]:
    if not rows:
        return ()
    row = rows[labels]
    when = row.when or ("always",) * len(row.receivers)
    return tuple(Reach(r, w) for r, w in zip(row.receivers, when, strict=True))


def _source_text(rule: AMInhibitRule) -> str:
    return ", ".join(matcher_text(name, values) for name, values in rule.source)


Labelled = Sequence[tuple[AlertRule, Mapping[str, str]]]  # every alert with its label set


Sources = dict[tuple[int, tuple[str, ...]], list[tuple[AlertRule, str]]]


def _sources(am: AlertmanagerPlan | None, everyone: Labelled) -> Sources:
    """Per inhibit rule (by index) and values of its `equal` labels, the alerts matching its
    source: built once, so finding who can mute an alert stays linear in the alert count."""
    index: Sources = {}
    for i, rule in enumerate(am.inhibit_rules if am is not None else ()):
        for other, theirs in everyone:
            if matches(rule.source, theirs):
                key = (i, tuple(theirs.get(n, "") for n in rule.equal))
                index.setdefault(key, []).append(
                    (other, f"{other.alert} {other.label('severity')}")
                )
    return index


def _inhibitions(
    am: AlertmanagerPlan | None, alert: AlertRule, mine: Mapping[str, str], sources: Sources
) -> tuple[Inhibition, ...]:
    """Inhibit rules whose target matches the alert, with the alerts that can mute it: they
    match the source and agree on every `equal` label (a label neither sets reads as "")."""
    if am is None:
        return ()
    found = []
    for i, rule in enumerate(am.inhibit_rules):
        if not matches(rule.target, mine):
            continue
        agreeing = sources.get((i, tuple(mine.get(n, "") for n in rule.equal)), [])
        names = sorted({text for other, text in agreeing if other is not alert})
        found.append(Inhibition(tuple(names), _source_text(rule), rule.equal))
    return tuple(found)


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


def _slo_of(plan: _Parts, alert: AlertRule) -> tuple[SLOPlan, BurnAlertPlan]:
    slo = plan.slo_index[(alert.label("service"), alert.label("slo"))]
    return slo, next(b for b in slo.burns if b.long == alert.label("long_window"))


def _entry(
    alert: AlertRule, mine: Mapping[str, str], plan: _Parts, sources: Sources
) -> CatalogueAlert:
    burn = None
    if alert.kind == "slo":
        slo, window = _slo_of(plan, alert)
        proven = (slo.service, slo.slo) in plan.proven and window == fastest_page(slo)
        burn = _burn_figures(plan.ctx, slo, window, parse_duration(alert.for_) // 1000, proven)
    labels = dict(alert.labels)
    return CatalogueAlert(
        alert=alert.alert,
        labels=alert.labels,
        service=labels["service"],
        tier=labels["tier"],
        severity=labels["severity"],
        condition=alert.condition,
        for_=alert.for_,
        reaches=_reaches(plan.rows, alert_label_set(alert, plan.external)),
        inhibitions=_inhibitions(plan.am, alert, mine, sources),
        runbook=dict(alert.annotations)["runbook_url"],
        burn=burn,
    )


def _slo_entry(ctx: Ctx, slo: SLOPlan, for_s: Mapping[str, int]) -> CatalogueSLO:
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
    return CatalogueSLO(
        service=slo.service,
        tier=slo.tier,
        slo=slo.slo,
        objective=slo.objective,
        budget=slo.budget,
        period=slo.period,
        columns=columns,
        rows=rows,
        plot=cv.slo_plot(slo.tier, slo.slo),
    )


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


def plot_inputs(slo: SLOPlan, entry: CatalogueSLO) -> tuple[object, ...]:
    """Everything a plot is drawn from (catalogue/plots.py), apart from the plan-wide timing:
    the SLO (its service aside) and its burn columns, `for` included."""
    return (slo_shape(slo), entry.columns)


def assert_shared_plots(slos: Sequence[SLOPlan], entries: Sequence[CatalogueSLO]) -> None:
    """Services of one tier share its plot (conventions.slo_plot), so they must share every
    input of it; a difference is a bug of the planner, not of the spec."""
    first: dict[str, tuple[str, tuple[object, ...]]] = {}
    for slo, entry in zip(slos, entries, strict=True):
        service, inputs = first.setdefault(entry.plot, (slo.service, plot_inputs(slo, entry)))
        if inputs != plot_inputs(slo, entry):
            raise AssertionError(f"{entry.plot}: {service} and {slo.service} differ in its inputs")


class _Parts:
    """What the entries read: SLOs, routing, the tests' context and which SLOs they prove."""

    def __init__(self, spec: Spec, slos: Sequence[SLOPlan], am: AlertmanagerPlan | None) -> None:
        self.slos, self.am = slos, am
        self.slo_index = {(s.service, s.slo): s for s in slos}
        self.ctx = slo_context(spec)
        self.external = dict(spec.prometheus.external_labels)
        self.proven = outage_proven(self.ctx, slos)
        # routing-table row of each alert's label set, the first as Alertmanager lists them
        self.rows: dict[tuple[tuple[str, str], ...], RoutingRow] = {}
        for row in am.rows if am is not None else ():
            if row.alert:
                self.rows.setdefault(row.labels, row)


def _order(alert: AlertRule) -> tuple[str, str, int, int]:
    long = dict(alert.labels).get("long_window")
    return (
        alert.label("service"),
        alert.alert,
        SEVERITY_ORDER.get(alert.label("severity"), len(SEVERITY_ORDER)),
        sm.seconds(long) if long else 0,
    )


def plan_catalogue(
    spec: Spec,
    rule_files: Sequence[RuleFile],
    slos: Sequence[SLOPlan],
    am: AlertmanagerPlan | None,
) -> Catalogue:
    """The catalogue of every alerting rule in `rule_files`, in service and alert order."""
    parts = _Parts(spec, slos, am)
    alerts = sorted((a for f in rule_files for a in f.alerts()), key=_order)
    everyone = [(a, dict(alert_label_set(a, parts.external))) for a in alerts]
    sources = _sources(am, everyone)
    burn_for = {
        (a.label("service"), a.label("slo"), a.label("long_window")): parse_duration(a.for_) // 1000
        for a in alerts
        if a.kind == "slo"
    }
    alerting = [s for s in slos if s.burns]  # an SLO without alerts has no time to fire
    slo_entries = tuple(
        _slo_entry(
            parts.ctx,
            s,
            {b.long: burn_for[(s.service, s.slo, b.long)] for b in s.burns},
        )
        for s in alerting
    )
    assert_shared_plots(alerting, slo_entries)
    return Catalogue(
        path=cv.CATALOGUE,
        alerts=tuple(_entry(a, mine, parts, sources) for a, mine in everyone),
        slos=slo_entries,
        routed=am is not None,
        request_rate=REQUEST_RATE,
        step_s=parts.ctx.step_s,
        interval_s=parts.ctx.interval_s,
        tests=cv.test_file("slo"),
        routing_table=cv.ROUTING_TABLE,
    )
