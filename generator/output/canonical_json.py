"""Exact, canonical JSON: Decimals print as written, keys sorted, indent 2, final newline.

Two entry points. `dumps` is the `tojson` filter's serialiser (a Jinja policy), so templates
can hand it plan values holding Decimals. `canonical` re-serialises a rendered JSON document
into the one byte form obsgen commits, whatever whitespace the template produced.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from generator.core.numbers import fmt


class JSONFormError(ValueError):
    """A rendered JSON document does not parse, repeats a key or holds NaN/Infinity."""


def _number(value: Decimal | float) -> str:
    d = Decimal(repr(value)) if isinstance(value, float) else value
    if not d.is_finite():
        raise JSONFormError(f"{value} has no JSON form")
    return fmt(d)


def _has_decimal(value: Any) -> bool:
    if isinstance(value, Decimal):
        return True
    if isinstance(value, dict):
        return any(_has_decimal(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_decimal(v) for v in value)
    return False


def dumps(value: Any, **kwargs: Any) -> str:
    """`json.dumps`, except that Decimals become exact JSON numbers (0.001, never 1e-3)."""
    if not _has_decimal(value):
        return json.dumps(value, **kwargs)
    sort_keys = bool(kwargs.get("sort_keys", False))
    ensure_ascii = bool(kwargs.get("ensure_ascii", True))

    def encode(item: Any) -> str:
        if isinstance(item, Decimal):
            return _number(item)
        if isinstance(item, dict):
            pairs = sorted(item.items()) if sort_keys else list(item.items())
            body = ", ".join(
                f"{json.dumps(str(k), ensure_ascii=ensure_ascii)}: {encode(v)}" for k, v in pairs
            )
            return "{" + body + "}"
        if isinstance(item, list | tuple):
            return "[" + ", ".join(encode(v) for v in item) + "]"
        return json.dumps(item, ensure_ascii=ensure_ascii)

    return encode(value)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JSONFormError(f"key {key!r} appears twice in one object")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise JSONFormError(f"{name} is not a JSON number")


def load(text: str) -> Any:
    """Parse JSON with exact numbers (Decimal), refusing duplicate keys and NaN/Infinity."""
    try:
        return json.loads(
            text, parse_float=Decimal, object_pairs_hook=_pairs, parse_constant=_constant
        )
    except json.JSONDecodeError as exc:
        raise JSONFormError(f"not JSON: {exc}") from None


def pretty(value: Any, indent: str = "") -> str:
    """The canonical text of a parsed value: sorted keys, two-space indent, exact numbers."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {pretty(v, inner)}"
            for k, v in sorted(value.items())
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + pretty(v, inner) for v in value) + "\n" + indent + "]"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        return _number(value)
    return json.dumps(value, ensure_ascii=False)


def canonical(text: str) -> str:
    """Re-serialise a JSON document in canonical form, ending with one newline."""
    return pretty(load(text)) + "\n"
