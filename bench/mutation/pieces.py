"""The generated tests cut into pieces that each load only the rules they read.

promtool evaluates every rule of every loaded file at every step of a test group, so a group
that checks one service's alert pays for the whole rule set. A piece is one test group's
checks of one alert (of one service, when every rule of that alert carries a static
`service` label) or its value checks that read the same rules, together with the rules
those checks read, found by following recorded names through the expressions. A mutant of a
rule runs only the pieces that read it, against rule files trimmed to what each piece reads
(recomputed on the mutated rule, so a dropped matcher that now reads more series finds them).

Soundness: an alert test compares the alerts of one name at one time; alerts of a rule with
a static `service` label carry that label, so comparing each service's alerts with its
expected ones is the same as comparing them all. A value check reads only the series its
selectors match; a rule producing a name under a static label that contradicts an exact
matcher of every selector of that name cannot add a series to it. Identifiers are matched
as whole tokens of the expressions (strings masked), which over-approximates what is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bench.mutation.mutants import _mask, split_matchers

RuleRef = tuple[str, int, int]  # rule file name, group index, rule index
_IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
EXACT = re.compile(r'^\s*([A-Za-z_]\w*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$')


@dataclass(frozen=True)
class Piece:
    """A test file's group cut to some of its checks, and the rules those checks read."""

    name: str  # e.g. slo.003.AvailabilityErrorBudgetBurn.duri-brain
    test: dict[str, Any]  # the test file document with one group of this piece's checks
    roots: frozenset[RuleRef]  # rules the checks read directly (before following names)


_ALERTNAMES = re.compile(r'\bALERTS\{[^}]*\balertname=~?"([^"]*)"')
_NAMES = re.compile(r'\{[^}]*\b__name__=~?"([^"]*)"')  # {__name__=~"a|b"}: reads a and b


def _rules(docs: Mapping[str, Any]) -> Iterator[tuple[RuleRef, dict[str, Any]]]:
    for file, doc in docs.items():
        for g, group in enumerate(doc.get("groups") or []):
            for r, rule in enumerate(group.get("rules") or []):
                yield (file, g, r), rule


def _selectors(expr: str) -> Iterator[tuple[str, dict[str, str] | None]]:
    """(name, its exact matchers or None when it has no braces) for every identifier."""
    masked = _mask(expr)
    for m in _IDENT.finditer(masked):
        rest = masked[m.end() :].lstrip()
        if not rest.startswith("{"):
            yield m.group(), None
            continue
        open_at = m.end() + (len(masked) - m.end() - len(rest))
        close_at = masked.index("}", open_at)
        exact = {}
        for item in split_matchers(expr[open_at + 1 : close_at]):
            found = EXACT.match(item)
            if found:
                exact[found.group(1)] = found.group(2)
        yield m.group(), exact


class Reads:
    """Which rules an expression reads, over the rule files of one rendered tree."""

    def __init__(self, docs: Mapping[str, Any]) -> None:
        self.producers: dict[str, list[tuple[RuleRef, dict[str, str]]]] = {}
        self.alerts: dict[str, list[tuple[RuleRef, dict[str, str]]]] = {}
        for ref, rule in _rules(docs):
            labels = {str(k): str(v) for k, v in (rule.get("labels") or {}).items()}
            if "record" in rule:
                self.producers.setdefault(str(rule["record"]), []).append((ref, labels))
            else:
                self.alerts.setdefault(str(rule["alert"]), []).append((ref, labels))
        self.edges = {ref: self.read_by(str(rule["expr"])) for ref, rule in _rules(docs)}

    def read_by(self, expr: str) -> frozenset[RuleRef]:
        """The recording rules whose series some selector of `expr` can match, and the
        alerting rules whose `ALERTS` series it reads (by `alertname`, exact or `a|b`); a
        selector by `__name__` (exact or `a|b`) reads every rule recording one of them."""
        found: set[RuleRef] = set()
        for names in _NAMES.findall(expr):
            for name in names.split("|"):
                found.update(ref for ref, _ in self.producers.get(name, ()))
        for names in _ALERTNAMES.findall(expr):
            for alertname in names.split("|"):
                found.update(ref for ref, _ in self.alerts.get(alertname, ()))
        for name, exact in _selectors(expr):
            for ref, labels in self.producers.get(name, ()):
                if exact is None or all(labels.get(k, v) == v for k, v in exact.items()):
                    found.add(ref)
        return frozenset(found)

    def closure(
        self, roots: Iterable[RuleRef], edges: Mapping[RuleRef, frozenset[RuleRef]]
    ) -> frozenset[RuleRef]:
        """`roots` and every rule they read, directly or through other recorded names."""
        seen: set[RuleRef] = set()
        todo = list(roots)
        while todo:
            ref = todo.pop()
            if ref not in seen:
                seen.add(ref)
                todo.extend(edges[ref])
        return frozenset(seen)


def _alert_pieces(
    stem: str, k: int, group: dict[str, Any], reads: Reads
) -> Iterator[tuple[str, list[dict[str, Any]], frozenset[RuleRef]]]:
    by_name: dict[str, list[dict[str, Any]]] = {}
    for check in group.get("alert_rule_test") or []:
        by_name.setdefault(str(check["alertname"]), []).append(check)
    for alertname, checks in by_name.items():
        rules = reads.alerts.get(alertname, [])
        services = {labels.get("service") for _, labels in rules}
        expected = [a for c in checks for a in c.get("exp_alerts") or []]
        split = (
            None not in services
            and len(services) > 1
            and all((a.get("exp_labels") or {}).get("service") in services for a in expected)
        )
        if not split:
            yield f"{stem}.{k:03d}.{alertname}", checks, frozenset(r for r, _ in rules)
            continue
        for service in sorted(s for s in services if s is not None):
            mine = [
                {
                    **c,
                    "exp_alerts": [
                        a
                        for a in c.get("exp_alerts") or []
                        if (a.get("exp_labels") or {}).get("service") == service
                    ],
                }
                for c in checks
            ]
            roots = frozenset(r for r, labels in rules if labels.get("service") == service)
            yield f"{stem}.{k:03d}.{alertname}.{service}", mine, roots


def split(stem: str, doc: dict[str, Any], reads: Reads) -> list[Piece]:
    """Every group of a test file document cut into pieces by the rules its checks read."""
    pieces = []
    for k, group in enumerate(doc["tests"]):
        bare = {
            key: v for key, v in group.items() if key not in ("alert_rule_test", "promql_expr_test")
        }
        for name, checks, roots in _alert_pieces(stem, k, group, reads):
            one = {**doc, "tests": [{**bare, "alert_rule_test": checks}]}
            pieces.append(Piece(name, one, roots))
        by_roots: dict[frozenset[RuleRef], list[dict[str, Any]]] = {}
        for check in group.get("promql_expr_test") or []:
            by_roots.setdefault(reads.read_by(str(check["expr"])), []).append(check)
        for n, (roots, checks) in enumerate(by_roots.items()):
            one = {**doc, "tests": [{**bare, "promql_expr_test": checks}]}
            pieces.append(Piece(f"{stem}.{k:03d}.values{n:02d}", one, roots))
    return pieces


def trimmed(docs: Mapping[str, Any], keep: frozenset[RuleRef]) -> dict[str, Any]:
    """Each rule file document cut to the rules in `keep` (groups left empty are dropped;
    files left empty are left out)."""
    out = {}
    for file, doc in docs.items():
        groups = []
        for g, group in enumerate(doc.get("groups") or []):
            rules = [
                rule for r, rule in enumerate(group.get("rules") or []) if (file, g, r) in keep
            ]
            if rules:
                groups.append({**group, "rules": rules})
        if groups:
            out[file] = {**doc, "groups": groups}
    return out
