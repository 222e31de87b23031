"""Output checks of alertmanager.yml, read back from the rendered text: what amtool cannot
prove. amtool tests routes but ignores inhibitions and time intervals, so here, in Python:
inhibit sources and targets are disjoint, their `equal` labels are labels our alerts carry,
every alert severity has a route other than the catch-all, every route and receiver is used,
no alert reaches nobody at some time or one receiver twice, and the routing table agrees
with the configuration as written: its rows split by exactly the labels the matchers read,
and every generated alert is one a row stands for.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from generator.alertmanager.model import AlertmanagerPlan, AMRoute, Matchers, RoutingRow
from generator.alertmanager.tree import (
    Router,
    describe_moment,
    disjoint,
    gaps,
    labels_text,
    matched_labels,
    matches,
    parse_matcher,
    resolve,
    stray_by_severity,
    together,
    walk,
)
from generator.core import conventions as cv
from generator.prometheus import AlertRule, Labels

_ROUTE_KEYS = {
    "receiver",
    "matchers",
    "group_by",
    "group_wait",
    "group_interval",
    "repeat_interval",
    "continue",
    "active_time_intervals",
    "mute_time_intervals",
    "routes",
}
_INHIBIT_KEYS = {"source_matchers", "target_matchers", "equal"}
# Inline secret fields of Alertmanager receivers; obsgen writes only their *_file forms.
_SECRETS = {
    "routing_key",
    "service_key",
    "api_url",
    "auth_password",
    "auth_secret",
    "credentials",
    "password",
    "bearer_token",
    "api_key",
    "token",
}


class _Reader:
    """Reads alertmanager.yml back into routes and matchers, collecting problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{self.file}: {where}: {message}")

    def matchers(self, items: Any, where: str) -> Matchers:
        out = []
        for i, text in enumerate(items or []):
            try:
                out.append(parse_matcher(str(text)))
            except ValueError as exc:
                self.fail(f"{where}[{i}]", str(exc))
        return tuple(sorted(out))

    def route(self, node: Any, where: str, origin: tuple[str | int, ...]) -> AMRoute:
        if not isinstance(node, dict):
            self.fail(where, "a route must be a mapping")
            return AMRoute(receiver="", origin=origin)
        for key in sorted(set(node) - _ROUTE_KEYS):
            hint = " (deprecated: write matchers)" if key in ("match", "match_re") else ""
            self.fail(where, f"unexpected key {key!r}{hint}")
        children = node.get("routes") or []
        return AMRoute(
            receiver=str(node.get("receiver", "")),
            matchers=self.matchers(node.get("matchers"), f"{where}.matchers"),
            continue_=node.get("continue") is True,
            active=tuple(node.get("active_time_intervals") or ()),
            muted=tuple(node.get("mute_time_intervals") or ()),
            routes=tuple(
                self.route(child, f"{where}.routes[{i}]", (*origin, "routes", i))
                for i, child in enumerate(children)
            ),
            origin=origin,
        )


def _secrets(node: Any, where: str) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _SECRETS:
                yield f"{where}.{key}: a secret written inline; only *_file paths are allowed"
            yield from _secrets(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _secrets(item, f"{where}[{i}]")


def _where(origin: tuple[str | int, ...]) -> str:
    return "route" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in origin)


def _alert_labels(alerts: Sequence[AlertRule], external: Labels) -> list[dict[str, str]]:
    return [{**dict(external), **dict(a.labels), "alertname": a.alert} for a in alerts]


def _table_rows(doc: Any) -> list[RoutingRow]:
    rows = []
    for section, alert in (("alerts", True), ("combinations", False)):
        for row in (doc or {}).get(section) or []:
            rows.append(
                RoutingRow(
                    labels=tuple(sorted((str(k), str(v)) for k, v in row["labels"].items())),
                    receivers=tuple(row["receivers"]),
                    when=tuple(row.get("when") or ()),
                    alert=alert,
                    covers=tuple(
                        (str(k), tuple(str(v) for v in values))
                        for k, values in (row.get("covers") or {}).items()
                    ),
                )
            )
    return rows


def _routes(root: AMRoute, rows: list[RoutingRow], fail: Any) -> None:
    taken = {row: resolve(root, dict(row.labels)) for row in rows}
    ends = [r.origin for routes in taken.values() for r in routes]
    entered = {origin[:n] for origin in ends for n in range(len(origin) + 1)}
    for route in walk(root):
        if route.origin not in entered:
            fail(_where(route.origin), "no alert or combination in the routing table reaches it")
    for row, routes in taken.items():
        got = tuple(r.receiver for r in routes)
        shown = labels_text(dict(row.labels))
        if got != row.receivers:
            fail("routing table", f"{shown}: table says {list(row.receivers)}, config {list(got)}")
        for moment in gaps(routes)[:1]:
            fail("time intervals", f"{shown} reaches no receiver {describe_moment(moment)}")
        for a, b in itertools.combinations(routes, 2):
            if a.receiver == b.receiver and together(a, b):
                fail("routes", f"{shown} reaches {a.receiver!r} twice (duplicate notifications)")


def _accounting(
    rows: list[RoutingRow], alerts: list[dict[str, str]], routed: Sequence[str], fail: Any
) -> None:
    """Every alert is one a row of the alerts section stands for, and every such row shows
    an alert the rules generate."""
    by_class = {tuple(dict(r.labels).get(n, "") for n in routed): r for r in rows if r.alert}
    sent: set[tuple[str, ...]] = set()  # the classes whose row shows a generated alert
    strays = []
    for labels in alerts:
        key = tuple(labels.get(n, "") for n in routed)
        found = by_class.get(key)
        if found is None or not found.stands_for(labels, routed):
            strays.append(labels)
        elif labels == found.shown:  # the alert the row shows
            sent.add(key)
    for key, row in by_class.items():
        if key not in sent:
            fail("routing table", f"{labels_text(dict(row.labels))} is no generated alert")
    for labels in strays:
        fail("routing table", f"no row of its alerts stands for {labels_text(labels)}")


def _coverage(root: AMRoute, alerts: list[dict[str, str]], fail: Any) -> None:
    for severity, stray in stray_by_severity(Router(root), alerts).items():
        fail(
            "route",
            f"{len(stray)} alert(s) of severity {severity!r} reach only the catch-all "
            f"route, e.g. {labels_text(stray[0])}",
        )


def _inhibitions(doc: Any, reader: _Reader, alerts: list[dict[str, str]]) -> list[Matchers]:
    """Problems of the inhibit rules; their source and target matchers, as read back."""
    read: list[Matchers] = []
    for i, rule in enumerate(doc.get("inhibit_rules") or []):
        where = f"inhibit_rules[{i}]"
        for key in sorted(set(rule) - _INHIBIT_KEYS):
            reader.fail(where, f"unexpected key {key!r} (0.25 knows only matchers and equal)")
        source = reader.matchers(rule.get("source_matchers"), f"{where}.source_matchers")
        target = reader.matchers(rule.get("target_matchers"), f"{where}.target_matchers")
        read += [source, target]
        if not source or not target or not disjoint(source, target):
            reader.fail(where, "source and target matchers are not disjoint")
        # labels obsgen sets on some alerts must be on every alert either side matches;
        # labels kept from the series (instance, ...) are not known here
        static = {name for labels in alerts for name in labels}
        equal = [name for name in rule.get("equal") or [] if name in static]
        for labels in alerts:
            if not (matches(source, labels) or matches(target, labels)):
                continue
            missing = [name for name in equal if name not in labels]
            if missing:
                reader.fail(
                    where,
                    f"equal label(s) {', '.join(missing)} missing on {labels_text(labels)}: "
                    "alerts lacking a label all compare equal on it",
                )
            if labels["alertname"] == cv.WATCHDOG and matches(target, labels):
                reader.fail(where, "the target matches the Watchdog")
    return read


def check_alertmanager(
    am: AlertmanagerPlan | None,
    alerts: Sequence[AlertRule],
    external: Labels,
    parsed: Mapping[str, Any],
) -> list[str]:
    """Problems of the rendered alertmanager.yml and routing table (none without routing),
    for the planned `alerts` as Prometheus sends them (with its `external` labels)."""
    if am is None:
        return []
    doc = parsed.get(am.path)
    reader = _Reader(am.path)
    if not isinstance(doc, dict) or not isinstance(doc.get("route"), dict):
        return [f"{am.path}: no route tree"]
    root = reader.route(doc["route"], "route", ())
    receivers = [str(r.get("name")) for r in doc.get("receivers") or []]
    intervals = {str(t.get("name")) for t in doc.get("time_intervals") or []}
    reader.problems.extend(_secrets(doc.get("receivers"), "receivers"))
    if len(set(receivers)) != len(receivers):
        reader.fail("receivers", "names must be unique")
    for route in walk(root):
        if route.receiver not in receivers:
            reader.fail(_where(route.origin), f"unknown receiver {route.receiver!r}")
        for name in (*route.active, *route.muted):
            if name not in intervals:
                reader.fail(_where(route.origin), f"unknown time interval {name!r}")
    if reader.problems:
        return reader.problems
    table = parsed.get(am.table_path)
    rows = _table_rows(table)
    if rows != list(am.rows):
        reader.fail(am.table_path, "does not read back as the planned routing table")
    _routes(root, rows, reader.fail)
    reached = {name for row in rows for name in row.receivers}
    for name in receivers:
        if name not in reached:
            reader.fail("receivers", f"{name!r} is reached by no row of the routing table")
    sent = _alert_labels(alerts, external)
    _coverage(root, sent, reader.fail)
    # rows stand for the alerts alike in what the configuration as written reads
    routed = matched_labels(root, _inhibitions(doc, reader, sent))
    written = (table or {}).get("routed") if isinstance(table, dict) else None
    if written != list(routed):
        reader.fail(am.table_path, f"routed: {written}, but the matchers read {list(routed)}")
    _accounting(rows, sent, routed, reader.fail)
    return reader.problems
