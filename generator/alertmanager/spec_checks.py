"""Cross-field checks of the `routing` section, each pointing at the field to change.

First references (receivers, time intervals, tiers, services, teams, labels); when those
hold, the route tree is tried on every label set obsgen's alerts can carry: routes nobody can
reach, alerts that reach nobody at some time of day, alerts that reach one receiver twice,
and inhibitions whose two sides overlap.
"""

from __future__ import annotations

import itertools
import zoneinfo
from collections.abc import Iterator

from generator.alertmanager.model import AMRoute, Matchers
from generator.alertmanager.plan import (
    TABLE_SEVERITIES,
    matchers,
    route_tree,
    subjects,
    watchdog_labels,
)
from generator.alertmanager.tree import (
    describe_moment,
    disjoint,
    gaps,
    labels_text,
    matches,
    read_labels,
    resolve,
    together,
    walk,
)
from generator.core import conventions as cv
from generator.errors import unknown_name
from generator.spec import EmailReceiver, Match, PathT, Route, Routing, Spec, format_path

Problems = Iterator[tuple[PathT, str]]
# Labels every alert carries (slo: SLO alerts only); Prometheus adds the external labels.
ALERT_LABELS = ("alertname", "severity", "service", "tier", "slo")


def _routes(routes: tuple[Route, ...], path: PathT) -> Iterator[tuple[PathT, Route]]:
    for i, route in enumerate(routes):
        yield (*path, i), route
        yield from _routes(route.routes, (*path, i, "routes"))


def _match(spec: Spec, match: Match, path: PathT) -> Problems:
    services = {s.service for s in subjects(spec)} | {spec.name}
    teams = {s.team for s in subjects(spec) if s.team}
    for field, known, what in (
        ("tier", set(spec.tiers), "tier"),
        ("service", services, "service"),
        ("team", teams, "team"),
    ):
        for i, value in enumerate(getattr(match, field) or ()):
            if value not in known:
                yield (*path, field, i), unknown_name(what, value, known)
    external = spec.prometheus.external_labels
    for name, values in match.labels.items():
        if name in (*ALERT_LABELS, "team"):
            yield (*path, "labels", name), f"write this as match.{name}"
        elif name not in external:
            names = ", ".join(sorted(external)) or "none are set"
            yield (
                (*path, "labels", name),
                f"{name!r} is not a Prometheus external label ({names}); labels matches only those",
            )
        elif external[name] not in values:
            yield (
                (*path, "labels", name),
                f"no alert carries this value: Prometheus adds {name}={external[name]!r}",
            )
    if match.team and match.service:
        owned = {s.service for s in subjects(spec) if s.team in match.team}
        if not owned & set(match.service):
            yield (*path, "team"), "the teams own none of the services given in match.service"


def _references(spec: Spec, routing: Routing) -> Problems:
    receivers, intervals = routing.receivers, routing.time_intervals
    if routing.receiver not in receivers:
        yield ("routing", "receiver"), unknown_name("receiver", routing.receiver, receivers)
    used = {routing.receiver}
    used_intervals: set[str] = set()
    carried = _carried(spec)
    grouped: list[tuple[PathT, tuple[str, ...] | None]] = [(("routing",), routing.group_by)]
    grouped += [(p, r.group_by) for p, r in _routes(routing.routes, ("routing", "routes"))]
    for path, group_by in grouped:
        for i, label in enumerate(group_by or ()):
            if label not in carried:
                yield (*path, "group_by", i), _not_carried(label, carried)
    for path, route in _routes(routing.routes, ("routing", "routes")):
        used.add(route.receiver)
        if route.receiver not in receivers:
            yield (*path, "receiver"), unknown_name("receiver", route.receiver, receivers)
        for field in ("active_in", "muted_in"):
            names = getattr(route, field)
            used_intervals.update(names)
            for i, name in enumerate(names):
                if name not in intervals:
                    yield (*path, field, i), unknown_name("time interval", name, intervals)
            if len(set(names)) != len(names):
                yield (*path, field), "names must be unique"
        for name in set(route.active_in) & set(route.muted_in):
            yield (*path, "muted_in"), f"{name!r} is also in active_in: the route never notifies"
        yield from _match(spec, route.match, (*path, "match"))
    for name in receivers:
        if name not in used:
            yield ("routing", "receivers", name), "receiver is not used by any route"
    for name, spans in intervals.items():
        if name not in used_intervals:
            yield ("routing", "time_intervals", name), "time interval is not used by any route"
        for i, span in enumerate(spans):
            if span == type(span)():
                yield ("routing", "time_intervals", name, i), "an empty entry matches all the time"
            elif span.location and not _known_zone(span.location):
                yield (
                    ("routing", "time_intervals", name, i, "location"),
                    f"unknown time zone {span.location!r}",
                )
    for name, receiver in receivers.items():
        if isinstance(receiver, EmailReceiver):
            user, password = receiver.auth_username, receiver.auth_password_file
            if (user is None) != (password is None):
                field = "auth_username" if user is not None else "auth_password_file"
                yield (
                    ("routing", "receivers", name, field),
                    "set auth_username and auth_password_file together (SMTP AUTH needs both)",
                )
    for i, rule in enumerate(routing.inhibit):
        yield from _match(spec, rule.source, ("routing", "inhibit", i, "source"))
        yield from _match(spec, rule.target, ("routing", "inhibit", i, "target"))
        for j, label in enumerate(rule.equal):
            if label not in carried:
                yield ("routing", "inhibit", i, "equal", j), _not_carried(label, carried)


def _carried(spec: Spec) -> set[str]:
    """Labels an alert may carry: those obsgen sets, the external labels, and what its
    expression keeps from the series (catalogue labels, the instance and job of a target)."""
    from_series = {label for metric in spec.metrics.values() for label in metric.labels}
    return {*ALERT_LABELS, *spec.prometheus.external_labels, *from_series, "instance", "job"}


def _not_carried(label: str, carried: set[str]) -> str:
    return f"alerts carry no label {label!r}; they may carry {', '.join(sorted(carried))}"


def _known_zone(name: str) -> bool:
    if not zoneinfo.available_timezones():
        return True  # no tz database here to ask; amtool check-config still checks it
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def universe(spec: Spec, routing: Routing) -> list[dict[str, str]]:
    """Every label set obsgen's alerts can carry, as far as the routes can tell them apart:
    each subject x severity, with each alert name and SLO the routes mention (or another),
    and the Watchdog."""
    mentioned: dict[str, set[str]] = {"alertname": set(), "slo": set()}
    every = [r.match for _, r in _routes(routing.routes, ())]
    every += [m for rule in routing.inhibit for m in (rule.source, rule.target)]
    for match in every:
        for name, values in mentioned.items():
            values.update(getattr(match, name) or ())
    mentioned["alertname"].discard(cv.WATCHDOG)
    external = dict(spec.prometheus.external_labels)
    sets = [{**external, **watchdog_labels(spec), "alertname": cv.WATCHDOG}]
    for subject, severity, name, slo in itertools.product(
        subjects(spec),
        TABLE_SEVERITIES,
        [*sorted(mentioned["alertname"]), ""],
        [*sorted(mentioned["slo"]), ""],
    ):
        labels = {**external, "service": subject.service, "tier": subject.tier}
        labels.update(severity=severity, alertname=name, slo=slo)
        sets.append({k: v for k, v in labels.items() if v})
    return sets


def _shadowers(root: AMRoute, route: AMRoute, sets: list[dict[str, str]]) -> list[str]:
    """Earlier siblings (without continue) that take the alerts `route` would match."""
    parent = next(r for r in walk(root) if route in r.routes)
    index = parent.routes.index(route)
    reaching = [ls for ls in sets if _enters(root, parent, ls) and matches(route.matchers, ls)]
    names = []
    for sibling in parent.routes[:index]:
        if not sibling.continue_ and any(matches(sibling.matchers, ls) for ls in reaching):
            names.append(format_path(sibling.origin))
    return names


def _enters(root: AMRoute, target: AMRoute, labels: dict[str, str]) -> bool:
    return any(r.origin[: len(target.origin)] == target.origin for r in resolve(root, labels))


def _distinct_for_routes(root: AMRoute, sets: list[dict[str, str]]) -> list[dict[str, str]]:
    """The first label set of each class the routes cannot tell apart (equal on every label
    some matcher reads), in order: thousands of services of a few tiers route like a few."""
    read = read_labels(root)
    first: dict[tuple[tuple[str, str], ...], dict[str, str]] = {}
    for labels in sets:
        first.setdefault(tuple(sorted((k, v) for k, v in labels.items() if k in read)), labels)
    return list(first.values())


def _tree(spec: Spec, routing: Routing) -> Problems:
    root = route_tree(spec, routing)
    sets = _distinct_for_routes(root, universe(spec, routing))
    resolved = [(ls, resolve(root, ls)) for ls in sets]
    # a route is entered when an alert ends there or in one of its descendants
    ends = {r.origin for _, taken in resolved for r in taken}
    entered = {origin[:n] for origin in ends for n in range(len(origin) + 1)}
    for route in walk(root):
        if route.origin in entered:
            continue
        shadow = _shadowers(root, route, sets)
        if len(shadow) == 1:
            why = (
                f"{shadow[0]} comes first and, without continue, takes every alert this route "
                "matches: move this route above it, narrow it, or set continue: true on it"
            )
        elif shadow:
            why = (
                f"{' and '.join(shadow)} come first and, without continue, take every alert "
                "this route matches: move this route above them, narrow them, or set "
                "continue: true on them"
            )
        else:
            why = "its matchers (with its parents') fit no alert obsgen generates"
        yield route.origin, f"no alert can reach this route: {why}"
    reported: set[PathT] = set()
    for labels, taken in resolved:
        for moment in gaps(taken)[:1]:
            limited = next(r for r in taken if r.active or r.muted)
            field = "active_in" if limited.active else "muted_in"
            if limited.origin not in reported:
                reported.add(limited.origin)
                yield (
                    (*limited.origin, field),
                    (
                        f"alerts like {labels_text(labels)} reach no receiver "
                        f"{describe_moment(moment)}: add a route that notifies them then"
                    ),
                )
        for a, b in itertools.combinations(taken, 2):
            if a.receiver == b.receiver and together(a, b) and b.origin not in reported:
                reported.add(b.origin)
                yield (
                    (*b.origin, "receiver"),
                    (
                        f"alerts like {labels_text(labels)} reach {b.receiver!r} twice, also "
                        f"through {format_path(a.origin)}: each would be notified twice"
                    ),
                )
    yield from _inhibitions(spec, routing, sets)


def _inhibitions(spec: Spec, routing: Routing, sets: list[dict[str, str]]) -> Problems:
    watchdog = {**watchdog_labels(spec), "alertname": cv.WATCHDOG}
    for i, rule in enumerate(routing.inhibit):
        path: PathT = ("routing", "inhibit", i)
        sides: dict[str, Matchers] = {
            "source": matchers(spec, rule.source),
            "target": matchers(spec, rule.target),
        }
        for side, side_matchers in sides.items():
            if not any(matches(side_matchers, ls) for ls in sets):
                yield (*path, side), "matches no alert obsgen generates"
        if not disjoint(sides["source"], sides["target"]):
            example = next((ls for ls in sets if all(matches(m, ls) for m in sides.values())), None)
            shown = f" (both match {labels_text(example)})" if example else ""
            yield (
                path,
                f"source and target overlap{shown}: an alert could mute itself or its peers; "
                "give both a label (e.g. severity) with different values",
            )
        if matches(sides["target"], watchdog):
            yield (
                (*path, "target"),
                "matches the Watchdog: muting it would trip the dead man's switch",
            )


def routing_problems(spec: Spec) -> Problems:
    """Every problem of the routing section (none when the spec has none)."""
    routing = spec.routing
    if routing is None:
        return
    problems = list(_references(spec, routing))
    yield from problems
    if not problems:
        yield from _tree(spec, routing)
