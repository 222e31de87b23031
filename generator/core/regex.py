"""Label values that PromQL matchers accept or reject: for test inputs and spec checks.

Regular expressions are anchored, as in Prometheus; an example is built from the parsed
pattern (first alternative, fewest repeats) and always checked with a real match.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Sequence
from re import _parser as re_parser  # type: ignore[attr-defined]
from typing import Any

import promql_parser

# Values tried when a label must (or must not) match an error matcher: the usual good and
# bad HTTP codes first, so a good request reads 200 and a failed one 500.
CANDIDATES = (
    *("200", "500", "503", "502", "504", "429", "404", "400", "201", "204", "302"),
    *("GET", "POST", "error", "ok", "/", "x"),
)


def matches(op: str, pattern: str, value: str) -> bool:
    """Whether a PromQL label matcher accepts `value` (regexes are anchored)."""
    if op in ("=", "!="):
        return (value == pattern) == (op == "=")
    return (re.fullmatch(pattern, value) is not None) == (op == "=~")


def _example(items: Sequence[tuple[Any, Any]]) -> str:
    """A string the parsed regex `items` accepts (ValueError for constructs not covered)."""
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "ANY":
            out.append("x")
        elif name == "IN":
            out.append(_one_of(arg))
        elif name == "BRANCH":
            out.append(_example(arg[1][0]))
        elif name == "SUBPATTERN":
            out.append(_example(arg[-1]))
        elif name.endswith("_REPEAT"):
            low, high, body = arg
            out.append(_example(body) * (low or min(1, high)))
        elif name != "AT":
            raise ValueError(name)
    return "".join(out)


def _one_of(items: Sequence[tuple[Any, Any]]) -> str:
    """A character of a parsed character class (a guess for negated ones, checked later)."""
    op, arg = items[0]
    name = str(op)
    if name == "NEGATE":
        return "~"
    if name == "LITERAL":
        return chr(arg)
    if name == "RANGE":
        return chr(arg[0])
    category = str(arg)
    return "0" if "DIGIT" in category else " " if "SPACE" in category else "a"


def find_value(label: str, matchers: Iterable[tuple[str, str, str]], accept: bool) -> str | None:
    """A non-empty value of `label` that all its matchers accept (or one of them rejects),
    or None when none of the values tried does."""
    mine = [(op, value) for name, op, value in matchers if name == label]
    tries = [*(v for op, v in mine if op in ("=", "!=")), *CANDIDATES]
    for op, pattern in mine:
        if op in ("=~", "!~"):
            with contextlib.suppress(re.error, ValueError, IndexError, TypeError):
                tries.append(_example(re_parser.parse(pattern)))
    for candidate in (*tries, "~", "-", "0" * 8):
        ok = all(matches(op, pattern, candidate) for op, pattern in mine)
        if ok == accept and candidate:
            return candidate
    return None


def re2_problem(pattern: str) -> str | None:
    """Why `pattern` is not a regular expression Prometheus can use, or None.

    Checked by the same PromQL parser that validates outputs (RE2-like syntax: no
    lookaround, no backreferences).
    """
    try:
        promql_parser.parse("x{l=~" + json.dumps(pattern, ensure_ascii=False) + "}")
    except Exception as exc:  # the parser raises a bare exception type with its message
        reason = str(exc).split(" for ", 1)[0]
        return f"{pattern!r} is not a valid RE2 regular expression ({reason})"
    return None
