"""Limits checked before use: what the spec reader reads, how deep it nests, how large its
numbers and durations are, and how every message stays one line."""

from __future__ import annotations

import os
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from generator.core.numbers import (
    MAX_DURATION_MS,
    check_number,
    fmt,
    format_duration,
    parse_duration,
)
from generator.errors import Location, OutputError, Problem, SpecError
from generator.spec import load as load_module
from generator.spec import load_file, load_text
from generator.spec.overlay import load_overlay
from tests.conftest import ROOT, require_tool, run_cli

HOSTILE_BASE = ROOT / "tests" / "hostile" / "base.yaml"


def test_a_fifo_as_the_spec_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    res = run_cli("validate", str(fifo))  # run_cli's timeout turns a hang into a failure
    assert res.returncode == 2
    assert res.stderr.splitlines() == [
        f"{fifo}:1:1: cannot read the spec: it is not a regular file"
    ]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_device_is_refused_without_being_read(device: str) -> None:
    with pytest.raises(SpecError) as err:
        load_file(Path(device))
    assert err.value.lines() == [f"{device}:1:1: cannot read the spec: it is not a regular file"]


def test_an_overlay_that_is_a_device_is_refused_with_its_name() -> None:
    with pytest.raises(SpecError) as err:
        load_overlay(Path("/dev/zero"), "staging.yaml")
    assert err.value.lines() == ["staging.yaml:1:1: cannot read the spec: it is not a regular file"]


def test_the_byte_cap_counts_what_is_read_not_what_stat_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("version: 1\n" + "# padding\n" * 20)
    monkeypatch.setattr(load_module, "MAX_BYTES", 64)
    with pytest.raises(SpecError) as err:
        load_file(spec)
    assert err.value.lines() == [f"{spec}:1:1: the spec is larger than the limit of 64 bytes"]


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 500 + "]" * 500,
        "a: " + "{b: " * 300 + "1" + "}" * 300,
        "a:\n" + "".join("  " * i + "b:\n" for i in range(1, 200)),
    ],
    ids=["flow-list", "flow-map", "block-map"],
)
@pytest.mark.parametrize("loader", ["libyaml", "pyyaml"])
def test_deep_nesting_is_a_located_spec_error_not_a_recursion_error(
    text: str, loader: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if loader == "pyyaml":
        monkeypatch.setattr(load_module, "FAST_SAFE_LOADER", yaml.SafeLoader)
    with pytest.raises(SpecError) as err:
        load_text(text, "spec.yaml")
    [line] = err.value.lines()
    assert line.startswith("spec.yaml:")
    assert line.endswith(
        f"values are nested more than {load_module.MAX_DEPTH} levels deep; no spec field is"
    )


def test_an_integer_too_long_for_python_to_read_is_a_spec_error() -> None:
    with pytest.raises(SpecError) as err:
        load_text("a: " + "9" * 5000 + "\n", "spec.yaml")
    assert err.value.lines() == ["spec.yaml:1:4: a: the number is too long to read"]


@pytest.mark.parametrize("char", ["\n", "\r", "\x1b", "\x00", "\u2028", "\x85", "\x0b"])
def test_a_control_character_in_a_key_cannot_forge_a_second_error_line(char: str) -> None:
    problem = Problem(Location("spec.yaml", 3, 1), f"x{char}spec.yaml:1:1: fine", "unknown")
    assert len(SpecError([problem]).lines()[0].splitlines()) == 1
    assert char not in SpecError([problem]).lines()[0]
    assert len(OutputError([f"a{char}b"]).lines()[0].splitlines()) == 1


def test_a_key_with_a_newline_prints_one_escaped_line() -> None:
    with pytest.raises(SpecError) as err:
        load_text('version: 1\n"x\\nspec:1:1: ok": 1\n"x\\nspec:1:1: ok": 2\n', "spec.yaml")
    duplicate = "duplicate key 'x\\nspec:1:1: ok' (first defined at line 2)"
    assert err.value.lines() == [f"spec.yaml:3:1: x\\nspec:1:1: ok: {duplicate}"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e15", "must lie strictly between -10^15 and 10^15"),
        ("-1e15", "must lie strictly between -10^15 and 10^15"),
        ("1e309", "must lie strictly between -10^15 and 10^15"),
        ("Infinity", "must be a finite number"),
        ("NaN", "must be a finite number"),
        ("1e-13", "must have at most 12 decimal places"),
    ],
)
def test_numbers_outside_the_limits_are_refused(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        check_number(Decimal(value))


def test_numbers_at_the_limits_are_kept_exactly() -> None:
    assert (
        fmt(check_number(Decimal("999999999999999.999999999999"))) == "999999999999999.999999999999"
    )
    assert fmt(check_number(Decimal("0.000000000001"))) == "0.000000000001"


def test_fmt_stays_exact_past_decimals_default_precision() -> None:
    long = "1234567890123456789012345678901234567890.5"
    assert fmt(Decimal(long)) == long
    assert fmt(Decimal("1E+40")) == "1" + "0" * 40


def test_the_longest_duration_is_exactly_what_promtool_accepts(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    longest = format_duration(MAX_DURATION_MS)
    assert parse_duration(longest) == MAX_DURATION_MS
    with pytest.raises(ValueError, match="longest duration Prometheus and Alertmanager accept"):
        parse_duration(format_duration(MAX_DURATION_MS + 1))
    verdicts = {}
    for ms in (MAX_DURATION_MS, MAX_DURATION_MS + 1):
        rules = tmp_path / f"{ms}.yml"
        rules.write_text(
            "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: vector(1)\n"
            f"    for: {format_duration(ms)}\n"
        )
        res = subprocess.run(
            [promtool, "check", "rules", str(rules)], capture_output=True, text=True, check=False
        )
        verdicts[ms] = res.returncode
    assert verdicts == {MAX_DURATION_MS: 0, MAX_DURATION_MS + 1: 1}


def test_the_longest_duration_is_exactly_what_amtool_accepts(tmp_path: Path) -> None:
    amtool = require_tool("amtool")
    verdicts = {}
    for ms in (MAX_DURATION_MS, MAX_DURATION_MS + 1):
        config = tmp_path / f"{ms}.yml"
        route = f"route:\n  receiver: a\n  repeat_interval: {format_duration(ms)}\n"
        config.write_text(route + "receivers:\n- name: a\n")
        res = subprocess.run(
            [amtool, "check-config", str(config)], capture_output=True, text=True, check=False
        )
        verdicts[ms] = res.returncode
    assert verdicts == {MAX_DURATION_MS: 0, MAX_DURATION_MS + 1: 1}


def test_a_long_quoted_value_is_clipped_in_messages_but_prose_is_kept() -> None:
    long_name = Problem(Location("spec.yaml", 1, 1), "a", f"metric '{'x' * 5000}' is unknown")
    assert str(long_name) == f"spec.yaml:1:1: a: metric '{'x' * 100}...' is unknown"
    prose = "p" * 150
    kept = Problem(Location("spec.yaml", 1, 1), "a", f"metric 'a' is {prose} and 'b'")
    assert str(kept) == f"spec.yaml:1:1: a: metric 'a' is {prose} and 'b'"
    long_path = Problem(Location("spec.yaml", 1, 1), "k" * 5000, "unknown field")
    assert str(long_path) == f"spec.yaml:1:1: {'k' * 200}...: unknown field"
