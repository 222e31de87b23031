"""Exact numbers and durations; the YAML loader's locations and safety."""

from __future__ import annotations

from decimal import Decimal

import pytest

from generator.core.numbers import dec, fmt, format_duration, parse_bytes, parse_duration
from generator.errors import SpecError
from generator.spec import load_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.001, "0.001"),
        (Decimal("14.4"), "14.4"),
        (Decimal("0.0144"), "0.0144"),
        (2.0, "2"),
        (Decimal("1E+2"), "100"),
        (Decimal("1073741824"), "1073741824"),
        (Decimal("99.90"), "99.9"),
    ],
)
def test_fmt_prints_numbers_without_noise_or_exponent(value: Decimal | float, text: str) -> None:
    assert fmt(value) == text


def test_percent_arithmetic_in_decimal_is_exact() -> None:
    assert fmt(1 - dec("99.9") / 100) == "0.001"
    assert fmt((1 - dec("99.9") / 100) * dec("14.4")) == "0.0144"


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("30s", 30_000),
        ("5m", 300_000),
        ("1h30m", 5_400_000),
        ("1d", 86_400_000),
        ("2w", 1_209_600_000),
    ],
)
def test_durations_parse_to_milliseconds(text: str, ms: int) -> None:
    assert parse_duration(text) == ms


@pytest.mark.parametrize("text", ["5 minutes", "", "m", "-5m", "1.5h"])
def test_malformed_durations_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_durations_print_in_their_shortest_form() -> None:
    assert format_duration(300_000) == "5m"
    assert format_duration(93_600_000) == "1d2h"
    assert format_duration(1_209_600_000) == "14d"


def test_sizes_understand_binary_and_si_units() -> None:
    assert parse_bytes("512Mi") == 536_870_912
    assert parse_bytes("1Gi") == 1_073_741_824
    assert parse_bytes("1G") == 1_000_000_000
    assert parse_bytes(4096) == 4096


def test_loader_records_line_and_column_of_values_and_keys() -> None:
    doc = load_text("a:\n  b: 1\n  c: [x, y]\n", "f.yaml")
    assert doc.data == {"a": {"b": 1, "c": ["x", "y"]}}
    assert str(doc.values[("a", "b")]) == "f.yaml:2:6"
    assert str(doc.keys[("a", "c")]) == "f.yaml:3:3"
    assert str(doc.values[("a", "c", 1)]) == "f.yaml:3:10"


def test_loader_applies_merge_keys_with_explicit_keys_winning() -> None:
    doc = load_text("base: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\n", "f.yaml")
    assert doc.data["use"] == {"x": 1, "y": 3}


def test_loader_keeps_dates_as_text_for_the_spec_to_judge() -> None:
    assert load_text("when: 2026-01-01\n", "f.yaml").data == {"when": "2026-01-01"}


def test_loader_reports_every_duplicate_key_not_just_the_first() -> None:
    with pytest.raises(SpecError) as err:
        load_text("a: 1\na: 2\nb: 1\nb: 2\n", "f.yaml")
    assert err.value.lines() == [
        "f.yaml:2:1: a: duplicate key 'a' (first defined at line 1)",
        "f.yaml:4:1: b: duplicate key 'b' (first defined at line 3)",
    ]


def test_text_libyaml_cannot_read_gets_pyyamls_located_message_not_a_traceback() -> None:
    with pytest.raises(SpecError) as caught:
        load_text("name: duri\ndescription: \ud800\n", "spec.yaml")  # a lone surrogate
    (problem,) = caught.value.problems
    assert problem.message.startswith("invalid YAML: unacceptable character #xd800")


def test_libyaml_and_pyyaml_give_the_same_values_and_locations() -> None:
    text = "a: {b: [1, 2.5, x], 'c': \"d\"}\ne:\n  - f: true\n    g: 2026-11-26\n"
    fast = load_text(text, "spec.yaml")
    assert fast.data == {"a": {"b": [1, 2.5, "x"], "c": "d"}, "e": [{"f": True, "g": "2026-11-26"}]}
    assert (fast.values[("e", 0, "g")].line, fast.values[("e", 0, "g")].column) == (4, 8)
