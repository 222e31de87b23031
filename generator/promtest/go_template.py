"""Expand the Go templates of alert annotations the way Prometheus does, for expected test output.

Only what obsgen's annotations use: `{{ $value }}` with or without `humanize`,
`humanizePercentage` or `humanizeDuration`, `{{ $labels.name }}` and string literals
(`{{ "{{" }}`, written by `conventions.go_template_literal`). Anything else raises, so a test
never expects text it cannot predict. The number formatting follows Prometheus'
template/template.go (`%.4g` after scaling), reproduced with the same float operations.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from decimal import Decimal

from generator.errors import ObsgenError

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_LABEL = re.compile(r"^\$labels\.([A-Za-z_][A-Za-z0-9_]*)$")
_PIPE = re.compile(r"^\$value(?:\s*\|\s*([A-Za-z]+))?$")


class TemplateExpansionError(ObsgenError):
    """An annotation uses a template construct the test generator cannot predict."""


def g4(value: float) -> str:
    """Go's `%.4g`: 4 significant digits, exponent form outside 1e-4 .. 1e4."""
    return format(value, ".4g")


def go_value(value: float) -> str:
    """Go's `%v` of a float64: shortest digits; exponent form from 1e6 or below 1e-4."""
    if value == 0 or math.isnan(value) or math.isinf(value):
        return {0.0: "0"}.get(value, "NaN" if math.isnan(value) else ("+Inf", "-Inf")[value < 0])
    shortest = Decimal(repr(value))
    digits = len(shortest.normalize().as_tuple().digits)
    exponent = shortest.adjusted()
    if exponent < -4 or exponent >= 6:
        return f"{value:.{digits - 1}e}"
    return format(shortest.normalize(), "f")


def humanize(value: float) -> str:
    """Prometheus `humanize`: SI prefixes, 4 significant digits."""
    if value == 0 or math.isnan(value) or math.isinf(value):
        return g4(value)
    if abs(value) >= 1:
        prefix = ""
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(value) < 1000:
                break
            prefix, value = p, value / 1000
        return g4(value) + prefix
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix, value = p, value * 1000
    return g4(value) + prefix


def humanize_percentage(value: float) -> str:
    """Prometheus `humanizePercentage`: a ratio as a percent."""
    return g4(value * 100) + "%"


def humanize_duration(value: float) -> str:
    """Prometheus `humanizeDuration`: seconds as 1d 2h 3m 4s, 1.5s or 250ms."""
    if math.isnan(value) or math.isinf(value):
        return g4(value)
    if value == 0:
        return g4(value) + "s"
    if abs(value) >= 1:
        sign = "-" if value < 0 else ""
        whole = int(abs(value))
        days, hours = whole // 86400, whole // 3600 % 24
        minutes, seconds = whole // 60 % 60, whole % 60
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{g4(abs(value))}s"
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix, value = p, value * 1000
    return f"{g4(value)}{prefix}s"


FUNCTIONS: dict[str | None, Callable[[float], str]] = {
    None: go_value,
    "humanize": humanize,
    "humanizePercentage": humanize_percentage,
    "humanizeDuration": humanize_duration,
}


def expand(text: str, value: Decimal | None, labels: Mapping[str, str]) -> str:
    """`text` as Prometheus renders it for an alert with this `$value` and these labels."""

    def action(match: re.Match[str]) -> str:
        body = match.group(1)
        if body.startswith('"'):
            try:
                literal = json.loads(body)
            except ValueError:
                literal = None
            if isinstance(literal, str):
                return literal
        label = _LABEL.match(body)
        if label:
            return labels.get(label.group(1), "")
        pipe = _PIPE.match(body)
        if pipe and pipe.group(1) in FUNCTIONS and value is not None:
            return FUNCTIONS[pipe.group(1)](float(value))
        raise TemplateExpansionError(f"cannot predict the annotation template {{{{ {body} }}}}")

    return _ACTION.sub(action, text)
