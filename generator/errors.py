"""Typed errors. Everything below the CLI raises these; only `cli.py` prints and exits.

Hierarchy:
    ObsgenError            base; `exit_code` tells the CLI how to exit
    ├── SpecError          one or more problems in the user's spec (exit 2)
    ├── TemplateError      a template (built-in or user override) failed to render (exit 2)
    ├── OutputError        rendered output failed validation: a bug or a bad override (exit 2)
    ├── ToolError          promtool/amtool missing or rejecting output (exit 2)
    └── OutDirError        out/ cannot be read or written: permissions, a full or read-only
                           disk, a user entry in the way, a foreign manifest, a lock (exit 2)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Every character that ends or rewrites a terminal line (str.splitlines breaks on all of
# these): printed raw, a key holding "\nspec:1:1: ..." would forge a line of its own.
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


# A quoted value longer than this is cut in messages (a 4 MiB name would be a 4 MiB line).
_LONG_QUOTED = re.compile(r"(?<!\w)'([^'\n]{100})[^'\n]{20,}'(?!\w)")


def _clip(text: str) -> str:
    return _LONG_QUOTED.sub(lambda m: f"'{m.group(1)}...'", text)


def one_line(text: str) -> str:
    """`text` with control and line-separator characters escaped, so it prints as one line."""
    return _LINE_BREAKING.sub(lambda m: repr(m.group())[1:-1], text)


@dataclass(frozen=True, order=True)
class Location:
    """A place in a spec file: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One problem in the spec: where, which field, what is wrong."""

    location: Location
    field: str
    message: str

    def __str__(self) -> str:
        path = self.field if len(self.field) <= 200 else f"{self.field[:200]}..."
        field = f" {path}:" if self.field else ""
        return one_line(f"{self.location}:{field} {_clip(self.message)}")


class ObsgenError(Exception):
    """Base class of every error obsgen reports to the user."""

    exit_code = 2

    def lines(self) -> list[str]:
        """The lines the CLI prints for this error, each free of control characters."""
        return [one_line(line) for line in str(self).splitlines() or [""]]


class SpecError(ObsgenError):
    """The spec is invalid; carries one Problem per issue found, sorted by location."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.location, p.field, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]

    def __reduce__(self) -> tuple[type[Any], tuple[list[Problem]]]:
        # rebuilt from its problems (a forked child's error comes back pickled, core/forked.py)
        return (type(self), (list(self.problems),))


class PlanError(ObsgenError):
    """The spec reads well but cannot be planned as written. `field` is the spec path of what
    is at fault, when known: the pipeline then reports it there, with file:line; `more` are
    further problems found by the same check, each at its own field."""

    def __init__(
        self,
        message: str,
        field: tuple[str | int, ...] = (),
        more: tuple[tuple[tuple[str | int, ...], str], ...] = (),
    ) -> None:
        super().__init__("\n".join([message, *(m for _, m in more)]))
        self.field = field
        self.problems = ((field, message), *more)

    def __reduce__(self) -> tuple[type[Any], tuple[Any, ...]]:
        (field, message), *more = self.problems
        return (type(self), (message, field, tuple(more)))


class TemplateError(ObsgenError):
    """A template failed to render."""


class OutputError(ObsgenError):
    """Rendered output is invalid (failed to parse back, a schema, or a PromQL check)."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))

    def lines(self) -> list[str]:
        return [one_line(f"output: {m}") for m in self.messages]

    def __reduce__(self) -> tuple[type[Any], tuple[list[str]]]:
        return (type(self), (list(self.messages),))


class ToolError(ObsgenError):
    """An external tool (promtool, amtool) is missing or rejected the output."""


class OutDirError(ObsgenError):
    """out/ cannot be read or written as asked; the message names the path (one line)."""


def unknown_name(what: str, value: str, known: Iterable[str]) -> str:
    """The message for a reference to something undefined, listing what is defined."""
    return f"unknown {what} {value!r}; defined: {', '.join(sorted(known)) or '(none)'}"
