"""Settings `obsgen diff` compares besides alerts and rules: what Prometheus scrapes and how
often it evaluates, Alertmanager's receivers, and when a route notifies (its grouping and
timings, as inherited down the tree, and the time intervals it names)."""

from __future__ import annotations

from typing import Any

from generator.alertmanager import labels_text, matcher_text
from generator.plan import Plan

# Alertmanager's own defaults, which a route without the setting (and no parent's) gets.
_DEFAULT_TIMING = {"group_wait": "30s", "group_interval": "5m", "repeat_interval": "4h"}


def scraping(plan: Plan) -> dict[str, dict[str, Any]]:
    """What Prometheus scrapes, how often it evaluates, and where it sends alerts: per scrape
    job its targets and labels, per rule group its interval."""
    config = plan.prometheus
    out: dict[str, dict[str, Any]] = {
        "prometheus": {
            "scrape interval": config.scrape_interval,
            "evaluation interval": config.evaluation_interval,
            "alertmanagers": list(config.alertmanagers),
            "external labels": labels_text(dict(config.external_labels)),
        }
    }
    for job in config.jobs:
        out[f"scrape job {job.name}"] = {
            "targets": list(job.targets),
            "labels": labels_text(dict(job.labels)),
            "series relabelled": [
                f"{r.target_label}={r.replacement} where {';'.join(r.source_labels)} "
                f"matches {r.regex}"
                for r in job.metric_relabels
            ],
        }
    out["rule group intervals"] = {
        group.name: group.interval or "the evaluation interval"
        for rule_file in plan.rule_files
        for group in rule_file.groups
    }
    return out


def receivers(plan: Plan) -> dict[str, dict[str, Any]]:
    """Per Alertmanager receiver: its kind and settings (secrets are file paths only)."""
    if plan.alertmanager is None:
        return {}
    return {
        r.name: {
            "kind": r.kind,
            **{name: str(value) for name, value in r.fields},
            **{f"authorization {name}": value for name, value in r.authorization},
        }
        for r in plan.alertmanager.receivers
    }


def notification(plan: Plan) -> dict[str, dict[str, Any]]:
    """Per route (by its path of matchers, so a new receiver is a routing change, not a new
    route): grouping and timings as Alertmanager inherits them, `continue` and time
    intervals; per time interval its spans."""
    am = plan.alertmanager
    if am is None:
        return {}
    out: dict[str, dict[str, Any]] = {}
    stack = [(am.root, {**_DEFAULT_TIMING, "group_by": "nothing"}, "root")]
    while stack:
        route, inherited, where = stack.pop()
        own = {
            "group_by": None if route.group_by is None else ", ".join(route.group_by) or "nothing",
            "group_wait": route.group_wait,
            "group_interval": route.group_interval,
            "repeat_interval": route.repeat_interval,
        }
        settings = {k: v if v is not None else inherited[k] for k, v in own.items()}
        key = f"route {where}"
        while key in out:  # two sibling routes alike in receiver and matchers
            key += "'"
        out[key] = {
            **settings,
            "continue": str(route.continue_).lower(),
            "active in": list(route.active),
            "muted in": list(route.muted),
        }
        for child in route.routes:
            matchers = ", ".join(matcher_text(label, values) for label, values in child.matchers)
            stack.append((child, settings, f"{where} > {{{matchers}}}"))
    for interval in am.time_intervals:
        out[f"time interval {interval.name}"] = {"spans": [_span(s) for s in interval.spans]}
    return out


def _span(span: Any) -> str:
    """`weekdays monday:friday; times 08:00-17:00; location Europe/Berlin`."""
    parts = []
    for name, value in vars(span).items():
        if name == "times":
            value = tuple(f"{start}-{end}" for start, end in value)
        if value:
            parts.append(f"{name} {', '.join(value) if isinstance(value, tuple) else value}")
    return "; ".join(parts)
