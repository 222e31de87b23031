"""Matcher values that Grafana reads as data, not as dashboard variables.

Grafana replaces `$name`, `${name}` and `[[name]]` in every query before it reaches
Prometheus, and has no escape for them. A spec value holding one (a job named
`{{ $value }}`) would silently select something else; written as a regex with the dollar
sign in a character class (`[$]`), it means the same to Prometheus and nothing to Grafana.
"""

from __future__ import annotations

from collections.abc import Iterable

Matchers = list[tuple[str, str, str]]

_RE2_SPECIAL = set("\\.+*?()|[]{}^")
_REGEX_OPS = {"=": "=~", "!=": "!~"}


def _literal_regex(value: str) -> str:
    """An RE2 pattern matching exactly `value`, with no `$` Grafana could read."""
    out = []
    for ch in value:
        if ch == "$":
            out.append("[$]")
        elif ch in _RE2_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def _regex_without_variables(pattern: str) -> str:
    """`pattern` with every `$` (escaped literal or end anchor) out of Grafana's reach."""
    return pattern.replace("\\$", "[$]").replace("$", "(?:$)").replace("[(?:$)]", "[$]")


def grafana_literal(matchers: Iterable[tuple[str, str, str]]) -> Matchers:
    """`matchers` unchanged, except those whose value holds a `$`: an equality becomes the
    regex of its literal value, a regex keeps its meaning with `$` in a form Grafana leaves."""
    out: Matchers = []
    for label, op, value in matchers:
        if "$" not in value and "[[" not in value:
            out.append((label, op, value))
        elif op in _REGEX_OPS:
            out.append((label, _REGEX_OPS[op], _literal_regex(value)))
        else:
            out.append((label, op, _regex_without_variables(value).replace("[[", "\\[\\[")))
    return out
