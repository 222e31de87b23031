"""Parse PromQL with promql-parser and list the series names an expression reads."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import promql_parser

# A label value (not a metric name) never changes which series an expression reads, and rules
# repeat per service with only such values differing: each shape is parsed once. Values with
# a backslash are left as written, so an escape the parser would refuse is still refused.
_VALUE = re.compile(r'\b(?!__name__\b)([A-Za-z_]\w*)(\s*!?=\s*)"[^"\\]*"')


@lru_cache(maxsize=4096)  # bounded: a test session parses many hostile specs
def _names(expr: str) -> frozenset[str]:
    try:
        tree = promql_parser.parse(expr)
    except Exception as exc:  # the parser raises a bare exception type with its message
        raise ValueError(f"PromQL does not parse: {exc}") from None
    names: set[str] = set()
    for node in nodes(tree):
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            else:
                for matcher in node.matchers.matchers:
                    if matcher.name == "__name__":
                        names.add(matcher.value)
    return frozenset(names)


# The sub-expressions of each node type (literals and selectors have none).
_CHILDREN = {
    promql_parser.BinaryExpr: ("lhs", "rhs"),
    promql_parser.AggregateExpr: ("expr", "param"),
    promql_parser.ParenExpr: ("expr",),
    promql_parser.UnaryExpr: ("expr",),
    promql_parser.SubqueryExpr: ("expr",),
    promql_parser.MatrixSelector: ("vector_selector",),
}


def nodes(tree: Any) -> Iterator[Any]:
    """Every node of a parsed expression, each read once. promql_parser.walk re-reads the
    subtrees below each node: a chain of 1,000 `or` took it 2 minutes, this a millisecond."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, promql_parser.Call):
            stack.extend(node.args)
            continue
        for name in _CHILDREN.get(type(node), ()):
            child = getattr(node, name)
            if child is not None:
                stack.append(child)


def series_names(expr: str) -> set[str]:
    """Metric names the expression selects. Raises ValueError if it does not parse."""
    try:
        return set(_names(_VALUE.sub(r'\1\2""', expr)))
    except ValueError:
        return set(_names(expr))  # the expression as written: its own error message


def unknown_series(expr: str, known: set[str] | frozenset[str]) -> list[str]:
    """Series the expression reads that are neither declared metrics nor recorded rules."""
    return sorted(series_names(expr) - set(known))


# Series Prometheus itself provides, which rules and dashboards may read.
BUILTIN_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE", "up"})


def known_series(metrics: Iterable[str], records: Iterable[str]) -> frozenset[str]:
    """Every series an output may read: the catalogue's, the recorded ones, Prometheus' own."""
    return frozenset({*metrics, *records, *BUILTIN_SERIES})


def expression_problem(expr: str, known: frozenset[str]) -> str | None:
    """Why an output expression is refused (it does not parse, or reads a series that is
    neither declared nor recorded), or None. Shared by rules, targets and dashboards."""
    try:
        unknown = unknown_series(expr, known)
    except ValueError as exc:
        return f"{exc}: {expr}"
    if unknown:
        return (
            f"reads {', '.join(unknown)}, which is neither in the metric catalogue "
            "nor a recording rule"
        )
    return None
