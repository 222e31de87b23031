"""The "Data health" row: is the data the alerts read there, and does the alerting path work?

Each scrape job's targets up or down, the health alerts firing now, rule evaluations failing,
notifications failing or dropped, and node filesystems predicted to fill. Every query and
line is read from the planned health rules (prometheus/health.py): the selectors, windows,
horizon and thresholds of the alerts themselves, so a `health:` number moves the panel and
the alert together. A spec with `health: {enabled: false}` plans no health rule: no row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from generator.core import conventions as cv
from generator.core.numbers import fmt
from generator.grafana.literal import grafana_literal
from generator.grafana.model import CRITICAL, OK, REFERENCE, Panel, Step
from generator.grafana.panels import (
    SEVERITY_COLORS,
    Layout,
    Matchers,
    constant,
    grafana_range,
    panel,
)
from generator.prometheus import HEALTH_KINDS, AlertRule, Expr

ZERO, ONE = Decimal(0), Decimal(1)
HEALTH_COLUMNS = ("alertname", "service", "job", "metric", "severity")
WHERE = "{{instance}} {{mountpoint}}"
# which way each shape's failing counter flows, for the legends of the notification panel
FLOW = {
    "notifications_failing": "Prometheus to Alertmanager",
    "alertmanager_failing": "Alertmanager to receivers",
}


def health_rules(alerts: Iterable[AlertRule]) -> list[AlertRule]:
    """The planned health alerts (none when the spec turns them off)."""
    return [a for a in alerts if a.kind in HEALTH_KINDS]


def health_services(alerts: Iterable[AlertRule]) -> Matchers:
    """A selector of every service a health alert carries (spec names: [a-z0-9-], so the
    alternation needs no escaping)."""
    names = sorted({a.label("service") for a in health_rules(alerts)})
    return [("service", "=~", "|".join(names))]


def _of(rules: list[AlertRule], kind: str) -> list[AlertRule]:
    return [r for r in rules if r.kind == kind]


def _above_zero(rule: AlertRule) -> tuple[Step, ...]:
    """`increased` fires above 0: the dashed line at 0, in the alert's severity colour."""
    return (Step(None, OK), Step(ZERO, SEVERITY_COLORS[rule.label("severity")]))


def _targets(rules: list[AlertRule]) -> Panel | None:
    """Every target of every scrape job TargetDown watches, up (1) or down (0)."""
    down = _of(rules, "target_down")
    if not down:
        return None
    selectors = [grafana_literal(r.expr.args["selector"]) for r in down]
    waits = sorted({r.for_ for r in down})
    return panel(
        "health.targets",
        "table",
        "Scrape targets up",
        [(Expr("any_of", {"series": "up", "selectors": selectors}), "")],
        unit="none",
        w=8,
        h=8,
        columns=("job", "instance"),
        value_column="up",
        # TargetDown fires on up == 0: red below 1
        steps=(Step(None, CRITICAL), Step(ONE, OK)),
        description=f"{cv.TARGET_DOWN} fires when a target reads 0, or a job has no target "
        f"at all (absent from this table), for {' or '.join(waits)}.",
    )


def _firing(rules: list[AlertRule], selector: Matchers) -> Panel:
    """The health alerts firing now, with the job or metric they are about."""
    names = sorted({r.alert for r in rules})
    firing = [*selector, ("alertname", "=~", "|".join(names)), ("alertstate", "=", "firing")]
    return panel(
        "health.alerts",
        "table",
        "Health alerts firing",
        [
            (
                Expr(
                    "sum_by", {"metric": "ALERTS", "selector": firing, "by": list(HEALTH_COLUMNS)}
                ),
                "",
            )
        ],
        unit="none",
        w=8,
        h=8,
        columns=HEALTH_COLUMNS,
        description=f"Which of {', '.join(names)} fire now.",
    )


def _counted(rules: list[AlertRule], kind: str, key: str, title: str) -> Panel | None:
    """A failure counter's increase over the alert's window, against its line at 0."""
    found = _of(rules, kind)
    if not found:
        return None
    rule = found[0]
    args = rule.expr.args
    query = {k: args[k] for k in ("metric", "selector", "window")}
    query["selector"] = grafana_literal(args["selector"])
    return panel(
        key,
        "timeseries",
        f"{title} ({args['window']})",
        [(Expr("increase", query), "{{instance}}")],
        unit="short",
        w=8,
        h=8,
        steps=_above_zero(rule),
        min=ZERO,
        description=f"{rule.alert} fires above 0 for {rule.for_}.",
    )


def _notifications(rules: list[AlertRule]) -> Panel | None:
    """The failed share of notifications, each flow against its alert's threshold."""
    found = [r for kind in FLOW for r in _of(rules, kind)]
    if not found:
        return None
    queries = []
    for rule in found:
        args = rule.expr.args
        query = {k: args[k] for k in ("part", "whole", "selector", "window")}
        query["selector"] = grafana_literal(args["selector"])
        queries.append((Expr("share", query), f"{FLOW[rule.kind]} {{{{instance}}}}"))
    lines = sorted({(Decimal(r.expr.args["threshold"]), r.label("severity")) for r in found})
    told = ", ".join(
        f"{r.alert} above {fmt(Decimal(r.expr.args['threshold']) * 100)}% for {r.for_}"
        for r in found
    )
    return panel(
        "health.notifications",
        "timeseries",
        "Notifications failing",
        queries,
        unit="percentunit",
        w=8,
        h=8,
        steps=(Step(None, OK), *(Step(v, SEVERITY_COLORS[s]) for v, s in lines)),
        min=ZERO,
        description=f"Dashed line: {told}.",
    )


def _disk(rules: list[AlertRule]) -> Panel | None:
    """Free space now and as predicted at the horizon, of each filesystem's size."""
    found = _of(rules, "disk_fill")
    if not found:
        return None
    rule = found[0]
    args = rule.expr.args
    pick = {k: args[k] for k in ("available", "size", "selector")}
    pick["selector"] = grafana_literal(args["selector"])
    predicted = {**pick, "over": args["over"], "horizon_s": args["horizon_s"]}
    ratio = Decimal(args["ratio"])
    horizon = grafana_range(f"{args['horizon_s']}s")
    return panel(
        "health.disk_fill",
        "timeseries",
        "Filesystem free: now and predicted",
        [
            (Expr("predicted_free", predicted), f"in {horizon} {WHERE}"),
            (
                Expr(
                    "ratio",
                    {
                        "numerator": args["available"],
                        "denominator": args["size"],
                        "selector": pick["selector"],
                    },
                ),
                f"now {WHERE}",
            ),
        ],
        unit="percentunit",
        w=8,
        h=8,
        # the prediction fires below 0 (empty): the dashed line at 0
        steps=(Step(None, SEVERITY_COLORS[rule.label("severity")]), Step(ZERO, OK)),
        references=[(constant(ratio), f"free-space guard {fmt(ratio * 100)}%", REFERENCE)],
        max=ONE,
        description=f"{rule.alert} fires when a filesystem is predicted empty within "
        f"{horizon} at its {args['over']} trend while its free space is below the guard "
        f"({fmt(ratio * 100)}%), for {rule.for_}.",
    )


def health_row(layout: Layout, alerts: Sequence[AlertRule], block: int, selector: Matchers) -> None:
    """The "Data health" row in `block`; `selector` picks the health alerts the firing
    table lists (the dashboard's scope). Nothing when no health rule is planned."""
    rules = health_rules(alerts)
    if not rules:
        return
    layout.row("Data health", "health", block)
    candidates = (
        _targets(rules),
        _firing(rules, selector),
        _counted(rules, "rule_failures", "health.rule_failures", "Rule evaluation failures"),
        _notifications(rules),
        _counted(rules, "notifications_dropped", "health.dropped", "Alerts dropped"),
        _disk(rules),
    )
    layout.add(*(p for p in candidates if p is not None))
