"""`promql_string` (output/rendering.py): a PromQL string literal holding exactly its value,
as JSON writes it; the fast path for values needing no escape writes the same bytes."""

from __future__ import annotations

import itertools
import json

import pytest
from promql_parser import parse

from generator.output.rendering import promql_string

ALPHABET = ["a", '"', "\\", "\x00", "\x1f", "\x7f", "é", "\u2028", "\U0001f600", " ", "\n", "/"]


def test_every_short_value_is_written_as_json_writes_it() -> None:
    for size in range(4):
        for chars in itertools.product(ALPHABET, repeat=size):
            value = "".join(chars)
            assert promql_string(value) == json.dumps(value, ensure_ascii=False), repr(value)


@pytest.mark.parametrize("value", ["duri-core", 'say "hi"', "back\\slash", "tab\there", "é"])
def test_promql_reads_the_literal_back_as_the_value(value: str) -> None:
    expr = parse(f"up{{service={promql_string(value)}}}")
    matchers = expr.matchers.matchers  # type: ignore[attr-defined]
    assert [m.value for m in matchers if m.name == "service"] == [value]
