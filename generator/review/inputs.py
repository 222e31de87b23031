"""What each alert and panel reads, down to the raw series (for `obsgen diff`).

An alert reads recorded series, which read others, which read raw metrics through a selector
and with constants (a CPU limit, `max_connections`, an SLO's bucket boundary). A change of
any of these changes when the alert fires although the alert's own expression is the same.
So every recording rule is seen as its arguments, one field per argument, and carries the
alerts and panels that read it, directly or through other recording rules.

A reader reads a rule when its expression names the rule's series and none of its equality
matchers contradicts one of the rule's labels (`{service="checkout"}` reads the checkout
rule of a per-service series, not the others).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from generator.alertmanager import labels_text
from generator.core.numbers import fmt
from generator.prometheus import Expr, RecordingRule

_OPS = frozenset({"=", "!=", "=~", "!~"})


def rule_key(rule: RecordingRule) -> str:
    """`series{label="value", ...}` without the tier: which rule of a series this is."""
    return rule.record + labels_text({k: v for k, v in rule.labels if k != "tier"})


def _is_selector(value: object) -> bool:
    return (
        isinstance(value, list | tuple)
        and bool(value)
        and all(
            isinstance(m, list | tuple) and len(m) == 3 and m[1] in _OPS and isinstance(m[0], str)
            for m in value
        )
    )


def show(value: object) -> str:
    """One argument as a reviewer reads it: selectors as `{label="value"}`, numbers exact."""
    if _is_selector(value):
        assert isinstance(value, list | tuple)
        return "{" + ", ".join(f'{m[0]}{m[1]}"{m[2]}"' for m in value) + "}"
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return fmt(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, Expr):
        args = ", ".join(f"{k}={show(v)}" for k, v in sorted(value.args.items()))
        return f"{value.macro}({args})"
    return str(value)


def arguments(expr: Expr, prefix: str = "") -> dict[str, str]:
    """The expression as one field per argument, named `macro argument` (nested expressions
    as `macro argument.macro argument`), each shown whole."""
    fields = {f"{prefix}expression": expr.macro}
    for name, value in sorted(expr.args.items()):
        if isinstance(value, Expr):
            fields.update(arguments(value, f"{prefix}{expr.macro} {name}."))
        else:
            fields[f"{prefix}{expr.macro} {name}"] = show(value)
    return fields


def _walk(value: object) -> Iterator[object]:
    yield value
    if isinstance(value, Expr):
        yield from _walk(value.args)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


def _equalities(expr: Expr) -> dict[str, set[str]]:
    """Per label, the values the expression's `=` matchers ask for."""
    asked: dict[str, set[str]] = defaultdict(set)
    for value in _walk(expr):
        if _is_selector(value):
            assert isinstance(value, list | tuple)
            for label, op, wanted in value:
                if op == "=":
                    asked[label].add(str(wanted))
    return asked


class Reads:
    """The recording rules of a plan, and which of them an expression reads."""

    def __init__(self, rules: list[RecordingRule]) -> None:
        self.rules = {rule_key(r): r for r in rules}
        self._by_series: dict[str, list[str]] = defaultdict(list)
        for key, rule in sorted(self.rules.items()):
            self._by_series[rule.record].append(key)
        self._closure: dict[str, frozenset[str]] = {}

    def direct(self, expr: Expr) -> set[str]:
        """Keys of the rules `expr` names and does not exclude by an `=` matcher."""
        asked = _equalities(expr)
        found = set()
        for value in _walk(expr):
            if not isinstance(value, str):
                continue
            for key in self._by_series.get(value, ()):
                labels = dict(self.rules[key].labels)
                if all(labels[k] in v for k, v in asked.items() if k in labels):
                    found.add(key)
        return found

    def closure(self, expr: Expr) -> set[str]:
        """Keys of every rule `expr` reads, directly or through other recording rules."""
        out: set[str] = set()
        for key in self.direct(expr):
            out |= {key} | self._rule_closure(key, frozenset())
        return out

    def _rule_closure(self, key: str, seen: frozenset[str]) -> frozenset[str]:
        if key in self._closure:
            return self._closure[key]
        if key in seen:  # a cycle would be a planner bug; do not loop on it
            return frozenset()
        found: set[str] = set()
        for read in self.direct(self.rules[key].expr) - {key}:
            found |= {read} | self._rule_closure(read, seen | {key})
        self._closure[key] = frozenset(found)
        return self._closure[key]


def inputs(rules: list[RecordingRule], readers: dict[str, list[Expr]]) -> dict[str, dict[str, Any]]:
    """Per recording rule (series and labels): its arguments, and the readers (name ->
    expressions) that read it directly or through other rules."""
    reads = Reads(rules)
    who: dict[str, set[str]] = defaultdict(set)
    for name, exprs in readers.items():
        for expr in exprs:
            for key in reads.closure(expr):
                who[key].add(name)
    return {
        key: {"expression": arguments(rule.expr), "changes": sorted(who.get(key, ()))}
        for key, rule in reads.rules.items()
    }
