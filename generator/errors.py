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

from collections.abc import Iterable
from dataclasses import dataclass


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
        field = f" {self.field}:" if self.field else ""
        return f"{self.location}:{field} {self.message}"


class ObsgenError(Exception):
    """Base class of every error obsgen reports to the user."""

    exit_code = 2

    def lines(self) -> list[str]:
        """The lines the CLI prints for this error."""
        return [str(self)]


class SpecError(ObsgenError):
    """The spec is invalid; carries one Problem per issue found, sorted by location."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.location, p.field, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class TemplateError(ObsgenError):
    """A template failed to render."""


class OutputError(ObsgenError):
    """Rendered output is invalid (failed to parse back, a schema, or a PromQL check)."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))

    def lines(self) -> list[str]:
        return [f"output: {m}" for m in self.messages]


class ToolError(ObsgenError):
    """An external tool (promtool, amtool) is missing or rejected the output."""


class OutDirError(ObsgenError):
    """out/ cannot be read or written as asked; the message names the path (one line)."""


def unknown_name(what: str, value: str, known: Iterable[str]) -> str:
    """The message for a reference to something undefined, listing what is defined."""
    return f"unknown {what} {value!r}; defined: {', '.join(sorted(known)) or '(none)'}"
