"""Spec -> Alertmanager plan (pure): receivers, route tree, inhibitions, time intervals, the
Watchdog alert, and the routing table that amtool proves.

`team` in a spec matcher becomes the set of services the team owns: alerts carry `service`,
so routing by team needs no extra label and stays exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from generator.alertmanager.model import (
    AlertmanagerPlan,
    AMInhibitRule,
    AMReceiver,
    AMRoute,
    AMTimeInterval,
    AMTimeSpan,
    Matchers,
    Origin,
    RoutingRow,
    Scalar,
)
from generator.alertmanager.tree import (
    Router,
    describe_route_time,
    labels_text,
    matched_labels,
    stray_by_severity,
    walk,
)
from generator.core import conventions as cv
from generator.errors import PlanError
from generator.prometheus import AlertRule, Expr, labels
from generator.spec import (
    EmailReceiver,
    Match,
    PagerDutyReceiver,
    Route,
    Routing,
    SlackReceiver,
    Spec,
    TimeSpan,
    WebhookReceiver,
)

# Severities every subject is tested with in the routing table ("none" is the Watchdog's).
TABLE_SEVERITIES = ("critical", "warning", "info")


@dataclass(frozen=True)
class Subject:
    """Something alerts are about: its `service` and `tier` labels, and its owning team."""

    service: str
    tier: str
    team: str | None


def subjects(spec: Spec) -> list[Subject]:
    """Services, the node, cAdvisor, the datastores and (with health alerts) the system
    itself, as the rule planners label their alerts."""
    team = spec.defaults.team
    out = [Subject(n, s.tier, s.team or team) for n, s in spec.services.items()]
    out.append(Subject("node", spec.exporters.node.tier, team))
    out.append(Subject("cadvisor", spec.exporters.cadvisor.tier, team))  # its TargetDown
    out += [Subject(n, d.tier, d.team or team) for n, d in spec.datastores.items()]
    if spec.health.enabled:  # the monitoring's own alerts carry the system, as the Watchdog
        out.append(Subject(spec.name, watchdog_labels(spec)["tier"], team))
    return sorted(out, key=lambda s: s.service)


def watchdog_labels(spec: Spec) -> dict[str, str]:
    """The Watchdog's labels: the system as service, the most critical tier (first on ties)."""
    tier = max(spec.tiers.items(), key=lambda item: item[1].availability)[0]
    return {"service": spec.name, "severity": "none", "tier": tier}


def watchdog_rule(spec: Spec) -> AlertRule:
    """An alert that always fires: when it stops reaching the dead man's switch, alerting is
    broken somewhere between Prometheus and the receiver."""
    return AlertRule(
        alert=cv.WATCHDOG,
        expr=Expr("constant", {"value": 1}),
        for_="0s",
        labels=labels(**watchdog_labels(spec)),
        annotations=labels(
            summary=f"{spec.name}: alerting pipeline heartbeat (always firing)",
            description=(
                f"Always firing, so that a dead man's switch notices when alerts of {spec.name} "
                "stop arriving: Prometheus down, rules not evaluated, or Alertmanager unreachable."
            ),
            runbook_url=cv.runbook(spec.runbook_url, cv.WATCHDOG),
        ),
        kind="watchdog",
        condition="always (a heartbeat: the dead man's switch alarms when it stops arriving)",
    )


def matchers(spec: Spec, match: Match) -> Matchers:
    """Spec matcher -> label sets (sorted); `team` turns into the services it owns."""
    sets: dict[str, Iterable[str]] = {
        name: values
        for name in ("alertname", "severity", "tier", "service", "slo")
        if (values := getattr(match, name)) is not None
    }
    sets.update(match.labels)
    if match.team is not None:
        owned = {s.service for s in subjects(spec) if s.team in match.team}
        sets["service"] = owned & set(sets.get("service", owned))
    return tuple((name, tuple(sorted(values))) for name, values in sorted(sets.items()))


def _route(spec: Spec, route: Route, origin: Origin) -> AMRoute:
    return AMRoute(
        receiver=route.receiver,
        matchers=matchers(spec, route.match),
        group_by=route.group_by,
        group_wait=route.group_wait,
        group_interval=route.group_interval,
        repeat_interval=route.repeat_interval,
        continue_=route.continue_,
        active=route.active_in,
        muted=route.muted_in,
        routes=tuple(
            _route(spec, child, (*origin, "routes", i)) for i, child in enumerate(route.routes)
        ),
        origin=origin,
    )


def route_tree(spec: Spec, routing: Routing) -> AMRoute:
    """The root route (catch-all receiver, default grouping and timings) and its children."""
    return AMRoute(
        receiver=routing.receiver,
        group_by=routing.group_by,
        group_wait=routing.group_wait,
        group_interval=routing.group_interval,
        repeat_interval=routing.repeat_interval,
        routes=tuple(
            _route(spec, r, ("routing", "routes", i)) for i, r in enumerate(routing.routes)
        ),
        origin=("routing",),
    )


def _receiver(name: str, spec_receiver: object) -> AMReceiver:
    fields: list[tuple[str, Scalar | None]]
    auth: tuple[tuple[str, str], ...] = ()
    if isinstance(spec_receiver, PagerDutyReceiver):
        kind, fields = (
            "pagerduty",
            [
                ("routing_key_file", spec_receiver.routing_key_file),
                ("url", spec_receiver.url),
                ("send_resolved", spec_receiver.send_resolved),
            ],
        )
    elif isinstance(spec_receiver, SlackReceiver):
        kind, fields = (
            "slack",
            [
                ("api_url_file", spec_receiver.api_url_file),
                ("channel", spec_receiver.channel),
                ("send_resolved", spec_receiver.send_resolved),
            ],
        )
    elif isinstance(spec_receiver, EmailReceiver):
        kind, fields = (
            "email",
            [
                (
                    "to",
                    ", ".join(spec_receiver.to),
                ),  # Alertmanager takes one comma-separated string
                ("from", spec_receiver.from_),
                ("smarthost", spec_receiver.smarthost),
                ("auth_username", spec_receiver.auth_username),
                ("auth_password_file", spec_receiver.auth_password_file),
                ("require_tls", spec_receiver.require_tls),
                ("send_resolved", spec_receiver.send_resolved),
            ],
        )
    else:
        assert isinstance(spec_receiver, WebhookReceiver)
        kind, fields = (
            "webhook",
            [
                ("url", spec_receiver.url),
                ("max_alerts", spec_receiver.max_alerts),
                ("send_resolved", spec_receiver.send_resolved),
            ],
        )
        if spec_receiver.http_config is not None:
            a = spec_receiver.http_config.authorization
            auth = (("type", a.type), ("credentials_file", a.credentials_file))
    kept = tuple((k, v) for k, v in fields if v is not None)
    return AMReceiver(name, kind, f"{kind}_configs", kept, auth)


def _time_interval(name: str, spans: Iterable[TimeSpan]) -> AMTimeInterval:
    out = []
    for span in spans:
        out.append(
            AMTimeSpan(
                weekdays=span.weekdays,
                times=tuple((t.start_time, t.end_time) for t in span.times),
                days_of_month=span.days_of_month,
                months=span.months,
                years=span.years,
                location=span.location,
            )
        )
    return AMTimeInterval(name, tuple(out))


def _covers(
    members: list[dict[str, str]], routed: tuple[str, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The values of each label the matchers do not read, where the row's alerts differ from
    the first (the one it shows) in it; "" for alerts without the label (as matchers read it:
    such an alert may carry it from the series it fires on)."""
    first = members[0]
    names = sorted({n for m in members for n in m} - set(routed))
    out = []
    for name in names:
        values = sorted({m.get(name, "") for m in members})
        if values != [first.get(name, "")]:
            out.append((name, tuple(values)))
    return tuple(out)


def _row(
    router: Router, members: list[dict[str, str]], routed: tuple[str, ...], alert: bool
) -> RoutingRow:
    """The row of label sets alike in every routed label: the first stands for them all."""
    taken = router.resolve(members[0])
    times = [describe_route_time(r) for r in taken]
    when = tuple(t or "always" for t in times) if any(times) else ()
    return RoutingRow(
        labels=tuple(sorted(members[0].items())),
        receivers=tuple(r.receiver for r in taken),
        when=when,
        alert=alert,
        covers=_covers(members, routed),
    )


def alert_label_set(alert: AlertRule, external: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The labels an alert reaches Alertmanager with: external labels, its own, its name."""
    return tuple(sorted({**external, **dict(alert.labels), "alertname": alert.alert}.items()))


def routed_values(labels: Mapping[str, str], routed: Iterable[str]) -> tuple[str, ...]:
    """An alert's values of the routed labels ("" for a missing one, as matchers read it):
    alerts alike in these share a routing-table row."""
    return tuple(labels.get(name, "") for name in routed)


def _classes(
    label_sets: Iterable[tuple[tuple[str, str], ...]], routed: tuple[str, ...]
) -> dict[tuple[str, ...], list[dict[str, str]]]:
    found: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for ls in sorted(label_sets):
        labels = dict(ls)
        found.setdefault(routed_values(labels, routed), []).append(labels)
    return found


def routing_rows(
    spec: Spec,
    router: Router,
    label_sets: Iterable[tuple[tuple[str, str], ...]],
    external: dict[str, str],
    routed: tuple[str, ...],
) -> tuple[RoutingRow, ...]:
    """One row per distinct values of the `routed` labels among the generated alerts (the
    label sets they reach Alertmanager with, `alert_label_set`), then one per those of the
    subject x severity combinations no alert row has."""
    alert_rows = _classes(set(label_sets), routed)
    combos = _classes(
        {
            tuple(sorted({**external, "service": s.service, "tier": s.tier, "severity": v}.items()))
            for s in subjects(spec)
            for v in TABLE_SEVERITIES
        },
        routed,
    )
    rows = [_row(router, members, routed, True) for members in alert_rows.values()]
    rows += [
        _row(router, members, routed, False)
        for key, members in combos.items()
        if key not in alert_rows
    ]
    return tuple(rows)


def _check_coverage(router: Router, routing: Routing, sets: list[dict[str, str]]) -> None:
    """Every alert reaches a route of its own: the root's receiver catches only what no route
    expected, so an alert left to it is routing forgotten (at the spec's routes, one problem
    naming every severity left)."""
    stray = stray_by_severity(router, sets)
    if not stray:
        return
    parts = [
        f"{severity!r} ({len(found)}, e.g. {labels_text(found[0])})"
        for severity, found in stray.items()
    ]
    field: tuple[str, ...] = ("routing", "routes") if routing.routes else ("routing",)
    hints = []
    severity = next((s for s in stray if s != "none"), None)
    if severity is not None:
        hints.append(f"add a route matching them (e.g. match: {{severity: {severity}}})")
    if "none" in stray:
        hints.append(f"route the {cv.WATCHDOG} (severity none) to a dead man's switch")
    raise PlanError(
        f"alerts of severity {', '.join(parts)} reach only the catch-all receiver "
        f"{routing.receiver!r}: {'; '.join(hints)}",
        field,
    )


def _check_reached(router: Router, rows: Iterable[RoutingRow]) -> None:
    """Every route is taken by an alert obsgen generates or a service x severity combination
    of the routing table: a route matching only alert names this spec has no rule for (a
    regression route without `regression`) is reported at the route, not left for the
    routing-table check of the output to find without a place in the spec."""
    ends = [r.origin for row in rows for r in router.resolve(dict(row.labels))]
    entered = {origin[:n] for origin in ends for n in range(len(origin) + 1)}
    problems = tuple(
        (
            route.origin,
            "no alert this spec generates, nor any service and severity of the routing "
            "table, reaches this route: its matchers (with its parents') fit none of them",
        )
        for route in walk(router.root)
        if route.origin not in entered
    )
    if problems:
        (field, message), *more = problems
        raise PlanError(message, field, tuple(more))


def plan_alertmanager(spec: Spec, alerts: Iterable[AlertRule]) -> AlertmanagerPlan | None:
    """The Alertmanager plan of a spec with a routing section (None without one)."""
    routing = spec.routing
    if routing is None:
        return None
    root = route_tree(spec, routing)
    router = Router(root)
    external = dict(spec.prometheus.external_labels)
    label_sets = [alert_label_set(a, external) for a in alerts]  # each worked out once
    _check_coverage(router, routing, [dict(ls) for ls in label_sets])
    inhibit_rules = tuple(
        AMInhibitRule(
            matchers(spec, rule.source),
            matchers(spec, rule.target),
            rule.equal,
            ("routing", "inhibit", i),
        )
        for i, rule in enumerate(routing.inhibit)
    )
    routed = matched_labels(root, (m for r in inhibit_rules for m in (r.source, r.target)))
    rows = routing_rows(spec, router, label_sets, external, routed)
    _check_reached(router, rows)
    return AlertmanagerPlan(
        path=cv.ALERTMANAGER_CONFIG,
        table_path=cv.ROUTING_TABLE,
        root=root,
        receivers=tuple(_receiver(n, r) for n, r in sorted(routing.receivers.items())),
        inhibit_rules=inhibit_rules,
        time_intervals=tuple(
            _time_interval(n, spans) for n, spans in sorted(routing.time_intervals.items())
        ),
        rows=rows,
        routed=routed,
    )
