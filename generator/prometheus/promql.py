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


# promql-parser's memory grows with the square of a chain of `or` (a shared TargetDown's
# absent() term per service: 1,000 terms took 480 MB): a long chain is parsed in pieces of
# this many terms, each a valid expression, so a term of the wrong type is still refused.
CHAIN_PIECE = 64
_OR_MODIFIER = re.compile(r"\s*(?:on|ignoring)\s*\([^()]*\)", re.IGNORECASE)


def _in_name(c: str) -> bool:
    return c.isalnum() or c in "_:"


def unquoted(text: str, start: int = 0, end: int | None = None) -> Iterator[int]:
    """The indexes of `text[start:end]` outside its string literals (a literal's quotes and
    escapes included), where PromQL's operators, parentheses and commas are."""
    stop = len(text) if end is None else end
    i, quote = start, ""
    while i < stop:
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'`":
            quote = c
        else:
            yield i
        i += 1


def _or_terms(expr: str) -> list[str]:
    """The operands of the expression's outermost chain of `or` (itself if it has none),
    each without the `on (...)`/`ignoring (...)` of the `or` before it."""
    terms, depth, start = [], 0, 0
    for i in unquoted(expr):
        c = expr[i]
        if i < start:  # within the `or` just split at, or its modifier
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif (
            depth == 0
            and expr[i : i + 2].lower() == "or"
            and (i == 0 or not _in_name(expr[i - 1]))
            and (i + 2 == len(expr) or not _in_name(expr[i + 2]))
        ):
            terms.append(expr[start:i])
            found = _OR_MODIFIER.match(expr, i + 2)
            start = found.end() if found else i + 2
    terms.append(expr[start:])
    return terms


def _parse(expr: str) -> Iterator[Any]:
    """The parsed expression, or its pieces (CHAIN_PIECE), each sharing a term with the
    next so that no term is parsed alone."""
    terms = _or_terms(expr) if len(expr) > 4096 else [expr]
    step = CHAIN_PIECE - 1
    pieces = (
        [" or ".join(terms[i : i + CHAIN_PIECE]) for i in range(0, len(terms) - 1, step)]
        if len(terms) > CHAIN_PIECE
        else [expr]
    )
    for piece in pieces:
        try:
            yield promql_parser.parse(piece)
        except Exception as exc:  # the parser raises a bare exception type with its message
            raise ValueError(f"PromQL does not parse: {exc}") from None


@lru_cache(maxsize=4096)  # bounded: a test session parses many hostile specs
def _names(expr: str) -> frozenset[str]:
    names: set[str] = set()
    for node in (n for tree in _parse(expr) for n in nodes(tree)):
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


def range_seconds(expr: str) -> list[int]:
    """The windows, in seconds, of the expression's range selectors and subqueries (how much
    of a series a query loads). Raises ValueError if it does not parse."""
    return [
        int(node.range.total_seconds())
        for tree in _parse(expr)
        for node in nodes(tree)
        if isinstance(node, promql_parser.MatrixSelector | promql_parser.SubqueryExpr)
        and node.range is not None
    ]


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
