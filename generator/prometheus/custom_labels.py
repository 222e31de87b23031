"""The label sets a custom alert's expression yields from a set of input series, read from
its PromQL syntax tree (promql-parser) with Prometheus' label rules: selectors keep the
series' labels, functions and arithmetic drop the metric name, aggregations keep their
grouping labels, one-to-one matching keeps the left side's. Generated tests expect exactly
these label sets to fire; an expression whose labels this cannot tell is refused, with a
hint, rather than tested wrongly."""

from __future__ import annotations

import re
from typing import Any

import promql_parser as pp

LabelSet = frozenset[tuple[str, str]]
NAME = "__name__"

# Functions whose result keeps the labels of their vector argument, less the metric name.
_KEEPING = frozenset(
    {
        "rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "abs",
        "ceil", "floor", "round", "clamp", "clamp_min", "clamp_max", "exp", "ln", "log2",
        "log10", "sqrt", "sgn", "changes", "resets", "timestamp", "avg_over_time",
        "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
        "last_over_time", "quantile_over_time", "stddev_over_time", "stdvar_over_time",
        "present_over_time", "histogram_quantile",
    }
)  # fmt: skip
_SCALAR = frozenset({"time", "scalar", "pi"})
_ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "^", "atan2"})
_SET = frozenset({"and", "or", "unless"})
_KEEP_ALL_AGGREGATIONS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})


class LabelsUnknown(ValueError):
    """The expression's labels cannot be told from its syntax."""


def _drop_name(sets: list[LabelSet]) -> list[LabelSet]:
    return _unique([frozenset((k, v) for k, v in s if k != NAME) for s in sets])


def _unique(sets: list[LabelSet]) -> list[LabelSet]:
    return sorted(set(sets), key=sorted)


def _matches(op: str, pattern: str, value: str) -> bool:
    if op.endswith("NotEqual"):
        return value != pattern
    if op.endswith("Equal"):
        return value == pattern
    hit = re.fullmatch(pattern, value) is not None
    return hit if op.endswith(".Re") else not hit


def _select(node: Any, series: list[LabelSet]) -> list[LabelSet]:
    found = []
    for labels in series:
        have = dict(labels)
        if node.name and have.get(NAME) != node.name:
            continue
        if all(_matches(str(m.op), m.value, have.get(m.name, "")) for m in node.matchers.matchers):
            found.append(labels)
    return _unique(found)


def _signature(labels: LabelSet, modifier: Any) -> LabelSet:
    matching = modifier.matching if modifier is not None else None
    if matching is None:
        return frozenset((k, v) for k, v in labels if k != NAME)
    names = set(matching.labels)
    if str(matching.type).endswith("Include"):  # on(...)
        return frozenset((k, v) for k, v in labels if k in names)
    return frozenset((k, v) for k, v in labels if k not in names and k != NAME)


def _binary(node: Any, series: list[LabelSet]) -> list[LabelSet] | None:
    op = str(node.op)
    left, right = _walk(node.lhs, series), _walk(node.rhs, series)
    modifier = node.modifier
    if left is None and right is None:
        return None
    drop = op in _ARITHMETIC or (modifier is not None and modifier.return_bool)
    if left is None or right is None:
        vector = left if left is not None else right
        assert vector is not None
        return _drop_name(vector) if drop else vector
    if op in _SET:
        if op == "or":
            return _unique(left + right)
        keys = {_signature(r, modifier) for r in right}
        wanted = op == "and"  # `and` keeps the matched left series, `unless` the others
        return [s for s in left if (_signature(s, modifier) in keys) == wanted]
    if modifier is not None and "OneToOne" not in str(modifier.card):
        raise LabelsUnknown("group_left/group_right matching")
    keys = {_signature(r, modifier) for r in right}
    out = [s for s in left if _signature(s, modifier) in keys]
    if modifier is not None and modifier.matching is not None:
        if str(modifier.matching.type).endswith("Include"):
            out = [_signature(s, modifier) for s in out]  # on(...) keeps only its labels
        else:
            names = set(modifier.matching.labels)
            out = [frozenset((k, v) for k, v in s if k not in names) for s in out]
    return _drop_name(out) if drop else _unique(out)


def _walk(node: Any, series: list[LabelSet]) -> list[LabelSet] | None:
    """The label sets the node yields, or None for a scalar."""
    if isinstance(node, pp.NumberLiteral):
        return None
    if isinstance(node, pp.ParenExpr):
        return _walk(node.expr, series)
    if isinstance(node, pp.VectorSelector):
        return _select(node, series)
    if isinstance(node, pp.MatrixSelector):
        return _select(node.vector_selector, series)
    if isinstance(node, pp.UnaryExpr):
        inner = _walk(node.expr, series)
        return None if inner is None else _drop_name(inner)
    if isinstance(node, pp.BinaryExpr):
        return _binary(node, series)
    if isinstance(node, pp.AggregateExpr):
        inner = _walk(node.expr, series) or []
        op = str(node.op)
        if op in _KEEP_ALL_AGGREGATIONS:
            return inner
        if op == "count_values":
            raise LabelsUnknown("count_values")
        modifier = node.modifier
        if modifier is None:
            return [frozenset()] if inner else []
        names = set(modifier.labels)
        if str(modifier.type).endswith("By"):
            return _unique([frozenset((k, v) for k, v in s if k in names) for s in inner])
        return _drop_name([frozenset((k, v) for k, v in s if k not in names) for s in inner])
    if isinstance(node, pp.Call):
        name = node.func.name
        if name in _SCALAR:
            return None
        if name == "vector":
            return [frozenset()]
        if name in _KEEPING:
            vectors = [v for v in (_walk(a, series) for a in node.args) if v is not None]
            if len(vectors) != 1:
                raise LabelsUnknown(f"{name}() without one vector argument")
            out = _drop_name(vectors[0])
            if name == "histogram_quantile":
                out = _unique([frozenset((k, v) for k, v in s if k != "le") for s in out])
            return out
        raise LabelsUnknown(f"the function {name}()")
    raise LabelsUnknown(f"a {type(node).__name__}")


def output_labels(expr: str, series: list[LabelSet]) -> list[LabelSet]:
    """The label sets (metric name removed, as alerts drop it) `expr` yields from `series`.
    Raises LabelsUnknown when the syntax cannot tell, ValueError when it does not parse."""
    try:
        tree = pp.parse(expr)
    except Exception as exc:  # the parser raises a bare exception type with its message
        raise ValueError(f"PromQL does not parse: {exc}") from None
    out = _walk(tree, series)
    if out is None:
        raise LabelsUnknown("a scalar result (an alert needs a vector)")
    return _drop_name(out)


def parse_series(text: str) -> LabelSet:
    """An input series as promtool writes it, `name{label="value", ...}`, as a label set."""
    try:
        node = pp.parse(text)
    except Exception as exc:
        raise ValueError(f"does not parse as a series: {exc}") from None
    if not isinstance(node, pp.VectorSelector) or not node.name:
        raise ValueError('must be a metric name and labels, e.g. queue_depth{queue="a"}')
    labels = {NAME: node.name}
    for m in node.matchers.matchers:
        if not str(m.op).endswith(".Equal") or m.name in labels:
            raise ValueError(f"label {m.name} must be given once, with =")
        labels[m.name] = m.value
    return frozenset(labels.items())
