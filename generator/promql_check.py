"""Parse PromQL with promql-parser and list the series names an expression reads."""

from __future__ import annotations

from typing import Any

import promql_parser


def series_names(expr: str) -> set[str]:
    """Metric names the expression selects. Raises ValueError if it does not parse."""
    try:
        tree = promql_parser.parse(expr)
    except Exception as exc:  # the parser raises a bare exception type with its message
        raise ValueError(f"PromQL does not parse: {exc}") from None
    names: set[str] = set()

    def visit(node: Any) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            if node.name:
                names.add(node.name)
            else:
                for matcher in node.matchers.matchers:
                    if matcher.name == "__name__":
                        names.add(matcher.value)
        return True

    promql_parser.walk(tree, visit)
    return names


def unknown_series(expr: str, known: set[str] | frozenset[str]) -> list[str]:
    """Series the expression reads that are neither declared metrics nor recorded rules."""
    return sorted(series_names(expr) - set(known))
