"""Spec values holding `$` reach Grafana queries as data, never as dashboard variables."""

from __future__ import annotations

import re

import pytest

from generator.grafana.checks import VARIABLE
from generator.grafana.literal import grafana_literal


@pytest.mark.parametrize("value", ["{{ $value }}", "a$b", "${x}", "price$", "x.y+z (1)"])
def test_equality_with_a_dollar_becomes_a_regex_matching_exactly_the_value(value: str) -> None:
    [(label, op, pattern)] = grafana_literal([("job", "=", value)])
    if "$" in value:
        assert (label, op) == ("job", "=~")
        assert not VARIABLE.search(pattern)
        assert re.fullmatch(pattern, value)
        assert not re.fullmatch(pattern, value + "x")
    else:
        assert (label, op, pattern) == ("job", "=", value)


def test_negative_equality_becomes_a_negative_regex() -> None:
    assert grafana_literal([("job", "!=", "a$b")]) == [("job", "!~", "a[$]b")]


def test_regex_keeps_its_meaning_without_a_variable() -> None:
    [(_, op, pattern)] = grafana_literal([("path", "=~", r"/pay\$id|/health$")])
    assert op == "=~"
    assert not VARIABLE.search(pattern)
    assert re.fullmatch(pattern, "/pay$id") and re.fullmatch(pattern, "/health")
    assert not re.fullmatch(pattern, "/payXid")


def test_values_without_variables_are_unchanged() -> None:
    matchers = [("job", "=", "api"), ("status", "=~", "5..")]
    assert grafana_literal(matchers) == matchers
