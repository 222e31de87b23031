"""A plan seen as behaviour (for `obsgen diff`): what an SRE reviews, keyed by identity.

Alerts are keyed by name and labels (tier aside, so a tier change is a change, not a new
alert), dashboard panels by dashboard and panel key, recording rules by name. Values are
plain text and lists, so deepdiff compares them exactly and a report can quote them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from generator.alertmanager import labels_text
from generator.core.numbers import fmt
from generator.grafana import Panel
from generator.plan import Plan
from generator.prometheus import Expr, RecordingRule
from generator.review.inputs import inputs, show
from generator.review.settings import notification, receivers, scraping

View = dict[str, dict[str, dict[str, Any]]]
ALERTS, PANELS, RECORDS, INPUTS = "alerts", "panels", "records", "inputs"
SCRAPING, RECEIVERS, NOTIFICATION = "scraping", "receivers", "notification"


def strings(value: object) -> Iterator[str]:
    """Every string inside an expression's arguments (series names among them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Expr):
        yield from strings(value.args)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def expr_text(expr: Expr) -> str:
    """A stable text of an expression: its macro and arguments, selectors as `{job="x"}`,
    numbers exact (review/inputs.py `show`)."""
    return show(expr)


def alert_key(name: str, labels: dict[str, str]) -> str:
    """`Name{label="value", ...}` without the tier (a tier change is a change)."""
    return name + labels_text({k: v for k, v in labels.items() if k != "tier"})


def panel_name(dashboard: str, panel: Panel) -> str:
    """`Dashboard title / Panel title (key)`."""
    return f"{dashboard} / {panel.title} ({panel.key})"


def _readers(plan: Plan) -> dict[str, list[str]]:
    """Per recorded series: the alerts, recording rules and panels reading it."""
    records = plan.records()
    found: dict[str, set[str]] = defaultdict(set)
    for rule_file in plan.rule_files:
        for rule in rule_file.records():
            for name in set(strings(rule.expr)) & records - {rule.record}:
                found[name].add(f"recording rule {rule.record}")
        for alert in rule_file.alerts():
            for name in set(strings(alert.expr)) & records:
                found[name].add(f"alert {alert.alert}")
    if plan.grafana is not None:
        for dashboard in plan.grafana.dashboards:
            for panel in dashboard.panels:
                for target in panel.targets:
                    for name in set(strings(target.expr)) & records:
                        found[name].add(f"panel {panel_name(dashboard.title, panel)}")
    return {name: sorted(who) for name, who in found.items()}


def _alerts(plan: Plan) -> dict[str, dict[str, Any]]:
    """Per alert: its condition, `for`, tier, receivers, inhibitions and expression."""
    catalogue = plan.catalogue
    assert catalogue is not None
    exprs = {alert_key(a.alert, dict(a.labels)): expr_text(a.expr) for a in plan.alerts()}
    out = {}
    for entry in catalogue.alerts:  # a row stands for alerts alike but for service and tier
        reaches = [
            r.receiver + ("" if r.when == "always" else f" ({r.when})") for r in entry.reaches
        ]
        muted = [
            " or ".join(i.sources or (f"an alert matching {i.matchers}",))
            + (f" (same {', '.join(i.equal)})" if i.equal else "")
            for i in entry.inhibitions
        ]
        for own in entry.labels:
            labels = dict(own)
            key = alert_key(entry.alert, labels)
            out[key] = {
                "fires when": entry.condition,
                "for": entry.for_,
                "tier": labels["tier"],
                "reaches": reaches if catalogue.routed else ["nobody: the spec has no routing"],
                "inhibited by": muted,
                "runbook": entry.runbook,
                "expression": exprs[key],
            }
    return out


def _steps(panel: Panel) -> list[str]:
    return [f"{fmt(s.value)} {s.color}" for s in panel.steps if s.value is not None]


def _panels(plan: Plan) -> dict[str, dict[str, Any]]:
    """Per dashboard panel: type, thresholds (value and colour) and the queries it runs."""
    if plan.grafana is None:
        return {}
    return {
        panel_name(d.title, p): {
            "type": p.type,
            "thresholds": _steps(p),
            "queries": [f"{t.legend}: {expr_text(t.expr)}" for t in p.targets],
        }
        for d in plan.grafana.dashboards
        for p in d.panels
        if p.type != "row"
    }


def _records(plan: Plan) -> dict[str, dict[str, Any]]:
    """Per recorded series name: the shape of each rule recording it, and who reads it."""
    shapes: dict[str, list[str]] = defaultdict(list)
    for rule_file in plan.rule_files:
        for group in rule_file.groups:
            for rule in group.rules:
                if isinstance(rule, RecordingRule):
                    shapes[rule.record].append(
                        f"{group.name} {labels_text(dict(rule.labels))} {rule.expr.macro}"
                    )
    readers = _readers(plan)
    return {
        name: {"rules": sorted(shape), "read by": readers.get(name, [])}
        for name, shape in shapes.items()
    }


def _inputs(plan: Plan) -> dict[str, dict[str, Any]]:
    """Per recording rule: its arguments, and the alerts and panels whose behaviour they
    change (review/inputs.py)."""
    readers = {f"alert {alert_key(a.alert, dict(a.labels))}": [a.expr] for a in plan.alerts()}
    if plan.grafana is not None:
        for dashboard in plan.grafana.dashboards:
            for panel in dashboard.panels:
                if panel.targets:
                    name = f"panel {panel_name(dashboard.title, panel)}"
                    readers[name] = [t.expr for t in panel.targets]
    return inputs([r for f in plan.rule_files for r in f.records()], readers)


def behaviour(plan: Plan) -> View:
    """The plan as the keyed sections `obsgen diff` compares."""
    return {
        ALERTS: _alerts(plan),
        PANELS: _panels(plan),
        RECORDS: _records(plan),
        INPUTS: _inputs(plan),
        SCRAPING: scraping(plan),
        RECEIVERS: receivers(plan),
        NOTIFICATION: notification(plan),
    }
