"""Alertmanager's routing semantics in Python: which routes an alert reaches, when each
notifies, and how obsgen writes and reads back its matchers.

Used three times over the same logic: on the spec (errors with locations), on the plan (the
routing table) and on the rendered alertmanager.yml read back (output checks). amtool proves
the route tree; time intervals and inhibitions it ignores, so they are checked here.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from generator.alertmanager.model import AMRoute, Matchers

# RE2 metacharacters; every one is backslash-escaped so an alternation matches only literals.
_RE2_META = frozenset("\\.+*?()|[]{}^$")
_MATCHER = re.compile(r'^([a-zA-Z_][a-zA-Z0-9_]*)(=~|=)("(?:[^"\\]|\\.)*")$')


def matcher_text(label: str, values: Sequence[str]) -> str:
    """`label="v"` for one value, `label=~"a|b"` for several (values regex-escaped)."""
    if len(values) == 1:
        return f"{label}={json.dumps(values[0], ensure_ascii=False)}"
    escaped = "|".join("".join(f"\\{c}" if c in _RE2_META else c for c in v) for v in values)
    return f"{label}=~{json.dumps(escaped, ensure_ascii=False)}"


def parse_matcher(text: str) -> tuple[str, tuple[str, ...]]:
    """Read back a matcher obsgen writes; ValueError for any other form."""
    m = _MATCHER.match(text)
    if not m:
        raise ValueError(f'{text!r} is not a matcher of the form label="value" or label=~"a|b"')
    label, op, quoted = m.groups()
    value = json.loads(quoted)
    if op == "=":
        values: tuple[str, ...] = (value,)
    else:
        values = _alternatives(value)
    if matcher_text(label, values) != text:
        raise ValueError(f"{text!r} is not in obsgen's canonical form")
    return label, values


def _alternatives(regex: str) -> tuple[str, ...]:
    """Split an alternation of escaped literals at its unescaped `|`, unescaping each."""
    parts, current, chars = [], "", iter(regex)
    for c in chars:
        if c == "\\":
            current += next(chars, "")
        elif c == "|":
            parts.append(current)
            current = ""
        else:
            current += c
    return (*parts, current)


def matches(matchers: Matchers, labels: Mapping[str, str]) -> bool:
    """Whether a label set satisfies every matcher (a missing label reads as "")."""
    return all(labels.get(name, "") in values for name, values in matchers)


def resolve(root: AMRoute, labels: Mapping[str, str]) -> list[AMRoute]:
    """The routes that take an alert, in tree order (Alertmanager's dispatch.Route.Match)."""
    found: list[AMRoute] = []
    for child in root.routes:
        if not matches(child.matchers, labels):
            continue
        found.extend(resolve(child, labels))
        if not child.continue_:
            break
    return found or [root]


def walk(root: AMRoute) -> Iterator[AMRoute]:
    """Every route of the tree, parents before children."""
    yield root
    for child in root.routes:
        yield from walk(child)


def read_labels(root: AMRoute) -> frozenset[str]:
    """The label names the route tree's matchers read (`alertname` only if one does).

    Which routes take an alert depends on these alone: matchers compare a label with the
    values written in the configuration (a missing label reads as ""), `continue` only
    decides whether later siblings are tried, and time intervals depend on the clock.
    """
    return frozenset(name for route in walk(root) for name, _ in route.matchers)


def matched_labels(root: AMRoute, inhibit: Iterable[Matchers]) -> tuple[str, ...]:
    """The label names any route or inhibit matcher reads, sorted: Alertmanager routes and
    mutes alike every alert alike in these. (`equal` and `group_by` compare alerts with each
    other, never with a value of the configuration.)"""
    return tuple(sorted(read_labels(root).union(name for m in inhibit for name, _ in m)))


class Router:
    """Route resolution memoized by the labels the tree reads: thousands of alerts (every
    service's) fall into the few classes the routes can tell apart, each resolved once."""

    def __init__(self, root: AMRoute) -> None:
        self.root = root
        self.read = tuple(sorted(read_labels(root)))
        self._taken: dict[tuple[str, ...], list[AMRoute]] = {}

    def resolve(self, labels: Mapping[str, str]) -> list[AMRoute]:
        """The routes that take an alert with these labels, in tree order (`resolve`)."""
        key = tuple(labels.get(name, "") for name in self.read)
        taken = self._taken.get(key)
        if taken is None:
            taken = self._taken[key] = resolve(self.root, labels)
        return taken


def notifies(route: AMRoute, inside: Mapping[str, bool]) -> bool:
    """Whether a route sends, given which time intervals the present moment falls in."""
    if route.active and not any(inside[name] for name in route.active):
        return False
    return not any(inside[name] for name in route.muted)


def moments(routes: Sequence[AMRoute]) -> list[dict[str, bool]]:
    """Every combination of being in or out of the intervals these routes name.

    Intervals are treated as independent, which never hides a gap: at worst it reports one
    that the calendar makes impossible (use one interval as active_in and muted_in instead).
    """
    names = sorted({n for r in routes for n in (*r.active, *r.muted)})
    return [
        dict(zip(names, bits, strict=True))
        for bits in itertools.product((False, True), repeat=len(names))
    ]


def gaps(routes: Sequence[AMRoute]) -> list[dict[str, bool]]:
    """Moments when none of the routes notifies."""
    return [m for m in moments(routes) if not any(notifies(r, m) for r in routes)]


def together(a: AMRoute, b: AMRoute) -> bool:
    """Whether two routes can notify at the same moment."""
    return any(notifies(a, m) and notifies(b, m) for m in moments([a, b]))


def describe_moment(moment: Mapping[str, bool]) -> str:
    """'in business-hours, outside holidays' (or 'at any time')."""
    inside = [n for n, v in sorted(moment.items()) if v]
    outside = [n for n, v in sorted(moment.items()) if not v]
    parts = ([f"in {' and '.join(inside)}"] if inside else []) + (
        [f"outside {' and '.join(outside)}"] if outside else []
    )
    return ", ".join(parts) or "at any time"


def describe_route_time(route: AMRoute) -> str | None:
    """When a route notifies ('in business-hours', 'outside holidays'); None for always."""
    parts = []
    if route.active:
        parts.append(f"in {' or '.join(route.active)}")
    if route.muted:
        parts.append(f"outside {' and '.join(route.muted)}")
    return ", ".join(parts) or None


def disjoint(a: Matchers, b: Matchers) -> bool:
    """Whether no label set can match both (some label both constrain to disjoint values)."""
    other = dict(b)
    return any(name in other and not set(values) & set(other[name]) for name, values in a)


def labels_text(labels: Mapping[str, str]) -> str:
    """{a="b", c="d"} for messages, sorted."""
    return "{" + ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items())) + "}"


def stray_by_severity(
    router: Router, label_sets: Sequence[Mapping[str, str]]
) -> dict[str, list[Mapping[str, str]]]:
    """The alerts no route but the root's catch-all takes, by severity (sorted)."""
    stray: dict[str, list[Mapping[str, str]]] = {}
    root = router.root
    for labels in label_sets:
        if router.resolve(labels) == [root]:
            stray.setdefault(labels.get("severity", ""), []).append(labels)
    return dict(sorted(stray.items()))
