"""The template sandbox's limits, and the loader that reads `--templates` overrides.

Jinja's sandbox stops a template from reaching Python, not from exhausting the machine:
`{{ 9**(9**9) }}` computes for hours and `{{ 'x' * 10**10 }}` asks for 10 GB. Here the
operators that can grow a value (`*`, `**`, `+`, `%`, `~`), ranges, calls and filters are
bounded before they compute, and each output is streamed into a capped buffer.

Overrides are the user's own files: they are read only as regular files inside their
directory, never through a symbolic link (which could pull any readable file into out/).
"""

from __future__ import annotations

import contextvars
import functools
import math
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator, Frame
from jinja2.loaders import split_template_path
from jinja2.nodes import Concat
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from generator.errors import TemplateError

MAX_TEXT = 4_000_000  # characters (or items) one value may hold
MAX_OUTPUT = 512 * 1024 * 1024  # characters one output file may hold (1,000 services: ~100M)
MAX_RANGE = 10_000  # items one range() may yield
MAX_RANGE_TOTAL = 1_000_000  # items all range() calls of one render may yield
MAX_POWER_BITS = 4096  # the size of a power's result, in bits
MAX_OVERRIDE_BYTES = 1024 * 1024

_ranged: contextvars.ContextVar[int] = contextvars.ContextVar("ranged", default=0)


class LimitError(jinja2.TemplateRuntimeError):
    """A template asked for more than the sandbox allows (a Jinja error: it gets a location)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"the template sandbox refuses {what}")


# checked by exact type, not isinstance: this runs on every call and operator of a render
_SIZED_TYPES = frozenset({str, bytes, list, tuple, dict, set, Markup})
# The built-in filters whose output can outgrow their input by an argument; the others (and
# obsgen's escaping filters) are linear in their input, which is bounded already.
AMPLIFYING_FILTERS = frozenset(
    {"batch", "center", "format", "indent", "join", "replace", "slice", "truncate", "wordwrap"}
)


def _sized(value: Any) -> Any:
    if type(value) in _SIZED_TYPES and len(value) > MAX_TEXT:
        raise LimitError(f"a value of more than {MAX_TEXT} characters or items")
    return value


def _sized_output(value: Any) -> Any:
    if type(value) in _SIZED_TYPES and len(value) > MAX_OUTPUT:
        raise LimitError(f"an output of more than {MAX_OUTPUT} characters")
    return value


def _check_widths(text: str) -> None:
    """Refuse a format string whose field width or precision no output needs."""
    digits = 0
    for ch in text:
        digits = digits + 1 if ch.isdigit() else 0
        if digits > 6:
            raise LimitError("a format width or precision of more than 6 digits")


def _check_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a width or count no output needs (`'x'.center(10**9)`, `indent(10**9)`)."""
    for arg in (*args, *kwargs.values()):
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_TEXT:
            raise LimitError(f"an argument larger than {MAX_TEXT}")


def _power(left: Any, right: Any) -> Any:
    if isinstance(left, int | float) and isinstance(right, int | float):
        magnitude = abs(left)
        if magnitude > 1 and right > 0 and right * math.log2(magnitude) > MAX_POWER_BITS:
            raise LimitError(f"a power of more than {MAX_POWER_BITS} bits")
    return left**right


def _times(left: Any, right: Any) -> Any:
    both_int = isinstance(left, int) and isinstance(right, int)
    if both_int and left.bit_length() + right.bit_length() > MAX_POWER_BITS:
        raise LimitError(f"a product of more than {MAX_POWER_BITS} bits")
    for seq, count in ((left, right), (right, left)):
        repeats = isinstance(seq, str | list | tuple) and isinstance(count, int)
        if repeats and len(seq) * max(count, 0) > MAX_TEXT:
            raise LimitError(f"a value of more than {MAX_TEXT} characters or items")
    return left * right


def bounded_range(*args: int) -> range:
    """range() of at most MAX_RANGE items, and MAX_RANGE_TOTAL over one render."""
    rng = range(*args)
    total = _ranged.get() + len(rng)
    if len(rng) > MAX_RANGE or total > MAX_RANGE_TOTAL:
        raise LimitError(f"a range of more than {MAX_RANGE} items ({MAX_RANGE_TOTAL} per file)")
    _ranged.set(total)
    return rng


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator with `~` (string concatenation) bounded like `+`."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.bounded_text(")
        super().visit_Concat(node, frame)
        self.write(")")


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox with every value-growing operation bounded (see the module docstring)."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = bounded_range

    @staticmethod
    def bounded_text(value: str) -> str:
        """A concatenation's result, refused past MAX_TEXT."""
        return str(_sized(value))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            return _sized(_power(left, right))
        if operator == "*":
            return _sized(_times(left, right))
        if operator == "%" and isinstance(left, str):
            _check_widths(left)
        return _sized(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if type(__obj) is jinja2.runtime.Macro:
            # a macro returns what its body wrote: a whole rule file at a thousand services,
            # so it is held to the output's cap, not to one value's
            return _sized_output(super().call(__context, __obj, *args, **kwargs))
        if type(getattr(__obj, "__self__", None)) in _SIZED_TYPES:
            _check_args(args, kwargs)  # a method of a string or list: center, ljust, zfill...
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:  # value is str.format or str.format_map of a string
            _check_widths(value.__self__)
        return wrapped


def bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` (the Jinja filter `name`) with its width/count arguments and result bounded."""
    passes = getattr(function, "jinja_pass_arg", None)

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        value_at = 1 if passes is not None else 0  # after the context the filter asked for
        if name == "format" and isinstance(args[value_at], str):
            _check_widths(args[value_at])
        _check_args(args[value_at + 1 :], kwargs)
        return _sized(function(*args, **kwargs))

    return wrapper


def render_bounded(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render `template`, refusing an output past MAX_OUTPUT characters as it is produced."""
    token = _ranged.set(0)
    try:
        parts: list[str] = []
        size = 0
        chunks: Iterator[str] = template.generate(context)
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise LimitError(f"an output of more than {MAX_OUTPUT} characters")
            parts.append(chunk)
        return "".join(parts)
    finally:
        _ranged.reset(token)


class OverrideLoader(jinja2.BaseLoader):
    """Templates of a `--templates` directory: regular files inside it, no symbolic links."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = self.root
        for piece in split_template_path(template):
            path = path / piece
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                raise jinja2.TemplateNotFound(template) from None
            if stat.S_ISLNK(mode):
                raise TemplateError(
                    f"template {path}: is a symbolic link; overrides are read only as "
                    f"regular files inside {self.root}"
                )
        if stat.S_ISDIR(mode):
            raise jinja2.TemplateNotFound(template)
        source, mtime = _read_regular(path)
        return source, str(path), lambda: _mtime(path) == mtime

    def list_templates(self) -> list[str]:
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )


def _mtime(path: Path) -> float | None:
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return None


def _read_regular(path: Path) -> tuple[str, float]:
    """The text of an override: a regular file (no FIFO, device or link), capped in size."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise TemplateError(f"template {path}: cannot read it: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise TemplateError(f"template {path}: is not a regular file")
        os.set_blocking(fd, True)
        raw = fh.read(MAX_OVERRIDE_BYTES + 1)
    if len(raw) > MAX_OVERRIDE_BYTES:
        raise TemplateError(f"template {path}: is larger than {MAX_OVERRIDE_BYTES} bytes")
    try:
        return raw.decode("utf-8"), info.st_mtime
    except UnicodeDecodeError:
        raise TemplateError(f"template {path}: is not valid UTF-8") from None
