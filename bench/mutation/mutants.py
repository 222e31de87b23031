"""Mutants of rendered rule files: one small change each to a number, duration, operator,
matcher or label that a reviewer could plausibly get wrong, so a test suite that pins every
number must notice it.

Expressions are mutated as text at the positions of their tokens (found on a copy with
string literals, label matchers and range windows masked), so a mutant differs from the
original in exactly one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from generator.core.numbers import fmt, format_duration, parse_duration
from generator.prometheus import unquoted

THRESHOLD, FOR, COMPARISON, MATCHER, SEVERITY, CONSTANT, WINDOW = (
    "threshold",
    "for",
    "comparison",
    "matcher",
    "severity",
    "constant",
    "window",
)
CATEGORIES = (THRESHOLD, FOR, COMPARISON, MATCHER, SEVERITY, CONSTANT, WINDOW)
SCALES = (Decimal("1.01"), Decimal("0.99"), Decimal("1.1"), Decimal("0.9"))
REVERSED = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "!=", "!=": "=="}
SWAPPED = {"critical": "warning", "warning": "critical", "info": "warning", "none": "critical"}

_OP = re.compile(r"(?<![=!<>~])(==|!=|>=|<=|>|<)(?![=~])")
_NUMBER = re.compile(r"(?<![\w.:])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.:])")
_OFFSET = re.compile(r"\boffset\s+(\d+[smhdwy0-9]*)")
_WINDOW = re.compile(r"\[([0-9smhdwy]+)\]")


@dataclass(frozen=True)
class Mutant:
    """One change to one rule of one rule file."""

    file: str  # rule file name, e.g. alerts.yml
    group: int
    rule: int
    category: str
    what: str  # e.g. 'LatencyP95High{duri-brain,critical}: 0.5 -> 0.505'
    field: str  # the rule's key that changes: expr, for or labels
    value: Any  # its new value (labels as sorted pairs: a mutant is hashable)


def _mask(expr: str) -> str:
    """`expr` with quoted strings and the insides of {...} and [...] replaced by '_'."""
    out, depth, quote = [], 0, ""
    for ch in expr:
        if quote:
            out.append("_")
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'`":
            quote = ch
            out.append("_")
        elif ch in "{[":
            depth += 1
            out.append(ch)
        elif ch in "}]":
            depth -= 1
            out.append(ch)
        else:
            out.append("_" if depth else ch)
    return "".join(out)


def matcher_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(begin, end) of each matcher of `text[start:end]`, a selector's braces' inside (commas
    inside quotes do not split)."""
    items, begin = [], start
    for i in unquoted(text, start, end):
        if text[i] == ",":
            items.append((begin, i))
            begin = i + 1
    return [*items, (begin, end)]


def split_matchers(text: str) -> list[str]:
    """The matchers of a selector's braces' inside, as text."""
    return [text[a:b] for a, b in matcher_spans(text, 0, len(text))]


def _matchers(expr: str) -> Iterator[tuple[int, int]]:
    """(start, end) spans to cut to drop one label matcher (with its comma) from a selector."""
    masked = _mask(expr)
    for brace in re.finditer(r"\{[^}]*\}", masked):
        items = matcher_spans(expr, brace.start() + 1, brace.end() - 1)
        if len(items) == 1:
            yield brace.start(), brace.end()  # the only matcher: drop the braces too
            continue
        for k, (a, b) in enumerate(items):
            yield (a, items[k + 1][0]) if k + 1 < len(items) else (items[k - 1][1], b)


def _scaled(text: str, factor: Decimal) -> str:
    return fmt(Decimal(text) * factor)


def _durations(text: str) -> list[str]:
    ms = parse_duration(text)
    return [format_duration(ms // 2), format_duration(ms * 2)]


def _number_kind(masked: str, start: int, end: int, alerting: bool) -> str:
    """threshold (compared with, or a ratio multiplying, in an alert), window (a window's
    seconds multiplying a rate in an alert), or constant (in a recording rule)."""
    if not alerting:
        return CONSTANT
    before = masked[:start].rstrip()
    if before.endswith("*"):
        return WINDOW
    return THRESHOLD


def expr_mutants(expr: str, alerting: bool) -> Iterator[tuple[str, str, str]]:
    """(category, description, mutated expr) for every mutation site of an expression."""
    masked = _mask(expr)

    def put(a: int, b: int, new: str) -> str:
        return expr[:a] + new + expr[b:]

    for m in _OP.finditer(masked):
        new = REVERSED[m.group(1)]
        yield COMPARISON, f"{m.group(1)} -> {new}", put(m.start(), m.end(), new)
    for m in _NUMBER.finditer(masked):
        if Decimal(m.group()) == 0:
            continue
        kind = _number_kind(masked, m.start(), m.end(), alerting)
        for factor in SCALES:
            new = _scaled(m.group(), factor)
            yield kind, f"{m.group()} -> {new}", put(m.start(), m.end(), new)
    for a, b in _matchers(expr):
        dropped = expr[a:b].strip(", {}")
        yield MATCHER, f"drop {dropped}", put(a, b, "")
    for m in [*_WINDOW.finditer(expr), *_OFFSET.finditer(expr)]:
        for new in _durations(m.group(1)):
            yield WINDOW, f"{m.group(1)} -> {new}", put(m.start(1), m.end(1), new)


def _name(rule: dict[str, Any]) -> str:
    labels = rule.get("labels") or {}
    keys = ("service", "slo", "severity", "long_window")
    shown = ",".join(str(labels[k]) for k in keys if k in labels)
    return f"{rule.get('alert') or rule.get('record')}{{{shown}}}"


def rule_mutants(file: str, doc: Any) -> Iterator[Mutant]:
    """Every mutant of a rule file document."""
    for g, group in enumerate(doc.get("groups") or []):
        for r, rule in enumerate(group.get("rules") or []):
            alerting = "alert" in rule
            name = _name(rule)
            for category, what, new in expr_mutants(str(rule["expr"]), alerting):
                yield Mutant(file, g, r, category, f"{name}: {what}", "expr", new)
            if not alerting:
                continue
            wait = str(rule.get("for", "0s"))
            ms = parse_duration(wait)
            for new in [format_duration(ms // 2), format_duration(ms * 2)] if ms else ["1m"]:
                yield Mutant(file, g, r, FOR, f"{name}: for {wait} -> {new}", "for", new)
            labels = dict(rule.get("labels") or {})
            severity = labels.get("severity")
            if severity in SWAPPED:
                swapped = tuple(sorted((labels | {"severity": SWAPPED[severity]}).items()))
                what = f"{name}: severity {severity} -> {SWAPPED[severity]}"
                yield Mutant(file, g, r, SEVERITY, what, "labels", swapped)


def apply(doc: Any, mutant: Mutant) -> Any:
    """A copy of the rule file document with the mutant's change."""
    groups = [dict(g) for g in doc["groups"]]
    rules = [dict(r) for r in groups[mutant.group]["rules"]]
    rules[mutant.rule][mutant.field] = (
        dict(mutant.value) if mutant.field == "labels" else mutant.value
    )
    groups[mutant.group]["rules"] = rules
    return {**doc, "groups": groups}
