"""YAML text -> plain data, with the location of every node (for error messages).

Safe by construction: only YAML's standard tags construct values (``!!python/object``
and friends are errors), duplicate keys are errors (PyYAML keeps the last silently),
alias expansion is bounded (a "billion laughs" file is an error, not an OOM), nesting is
bounded (a 500-deep list is an error, not a RecursionError), and the file is read with a byte
cap from an open regular file (a FIFO or /dev/zero is refused, never read until it ends).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from generator.errors import Location, Problem, SpecError

# libyaml's safe loader where PyYAML was built with it: reading outputs back is hot
FAST_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 4 * 1024 * 1024
MAX_NODES = 200_000
# The deepest spec field is a handful of levels down; anything past this is not a spec.
MAX_DEPTH = 64

PathT = tuple[str | int, ...]

_STD_MAP = "tag:yaml.org,2002:map"
_STD_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


def format_path(path: PathT) -> str:
    """Render a data path as the user writes it: ``services.duri-core.limits.cpu``, ``a[0].b``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass
class Document:
    """Loaded spec data plus where each value and key came from."""

    file: str
    data: Any
    values: dict[PathT, Location] = field(default_factory=dict)
    keys: dict[PathT, Location] = field(default_factory=dict)
    # paths a migration moved (new prefix -> the prefix as written; spec/slos_v1.py)
    moved: dict[PathT, PathT] = field(default_factory=dict)

    def written(self, path: PathT) -> PathT:
        """`path` as the user wrote it, before any migration moved it."""
        for cut in range(len(path), 0, -1):
            if path[:cut] in self.moved:
                return self.moved[path[:cut]] + tuple(path[cut:])
        return tuple(path)

    def locate(self, path: PathT, *, key: bool = False) -> Location:
        """Location of the node at `path`, or of its nearest located ancestor."""
        table = self.keys if key else self.values
        probe = self.written(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Location(self.file, 1, 1))

    def problem(self, path: PathT, message: str, *, key: bool = False) -> Problem:
        """A Problem located at `path`."""
        return Problem(self.locate(path, key=key), format_path(self.written(path)), message)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.doc = Document(file, None)
        self.problems: list[Problem] = []
        self.count = 0
        self.constructor = yaml.SafeLoader("")

    def loc(self, node: Node) -> Location:
        return Location(self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def fail(self, node: Node, path: PathT, message: str) -> None:
        self.problems.append(Problem(self.loc(node), format_path(path), message))

    def build(self, node: Node, path: PathT) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(
                [
                    Problem(
                        self.loc(node),
                        format_path(path[:1]),
                        f"document expands to more than {MAX_NODES} nodes "
                        "(alias expansion too large); write the values out or split the spec",
                    )
                ]
            )
        if len(path) > MAX_DEPTH:
            raise SpecError(
                [
                    Problem(
                        self.loc(node),
                        format_path(path[:1]),
                        f"values are nested more than {MAX_DEPTH} levels deep; no spec field is",
                    )
                ]
            )
        self.doc.values.setdefault(path, self.loc(node))
        if isinstance(node, ScalarNode):
            if node.tag == _TIMESTAMP:
                return node.value
            if node.tag not in _SCALAR_TAGS:
                self.fail(node, path, f"YAML tag {node.tag!r} is not allowed; the spec is data")
                return None
            try:
                return self.constructor.construct_object(node)
            except ValueError:  # Python refuses to read an integer of more than 4300 digits
                self.fail(node, path, "the number is too long to read")
                return None
        if isinstance(node, SequenceNode):
            if node.tag != _STD_SEQ:
                self.fail(node, path, f"YAML tag {node.tag!r} is not allowed; the spec is data")
                return None
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != _STD_MAP:
                self.fail(node, path, f"YAML tag {node.tag!r} is not allowed; the spec is data")
                return None
            return self.mapping(node, path)
        self.fail(node, path, "unsupported YAML node")
        return None

    def mapping(self, node: MappingNode, path: PathT) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        seen: dict[str, Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    value = self.build(source, path)
                    if not isinstance(value, dict):
                        self.fail(source, path, "a merge key (<<) needs a mapping")
                        continue
                    for k, v in value.items():
                        merged.setdefault(k, v)
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                self.fail(key_node, path, "mapping keys must be plain scalars")
                continue
            try:
                key = str(self.constructor.construct_object(key_node))
            except ValueError:
                self.fail(key_node, path, "the key is a number too long to read")
                continue
            if key in seen:
                first = self.loc(seen[key])
                self.fail(
                    key_node,
                    (*path, key),
                    f"duplicate key {key!r} (first defined at line {first.line})",
                )
                continue
            seen[key] = key_node
            self.doc.keys[(*path, key)] = self.loc(key_node)
            result[key] = self.build(value_node, (*path, key))
        for k, v in merged.items():
            result.setdefault(k, v)
        return result


def _decode(raw: bytes, file: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = raw[: exc.start]
        line = head.count(b"\n") + 1
        column = exc.start - (head.rfind(b"\n") + 1) + 1
        raise SpecError(
            [
                Problem(
                    Location(file, line, column),
                    "",
                    f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                )
            ]
        ) from None


def _too_deep(file: str, line: int, column: int) -> SpecError:
    message = f"values are nested more than {MAX_DEPTH} levels deep; no spec field is"
    return SpecError([Problem(Location(file, line, column), "", message)])


def _compose(text: str, file: str) -> Node | None:
    """The node graph, through libyaml where PyYAML has it (ten times faster on big specs);
    a text libyaml refuses is parsed again by PyYAML's own parser, whose messages (and
    their positions) are the ones obsgen documents. PyYAML's composer recurses once per
    level, so a text libyaml refuses for its depth is not handed to it."""
    try:
        if FAST_SAFE_LOADER is yaml.SafeLoader:
            return yaml.compose(text, Loader=yaml.SafeLoader)
        try:
            return yaml.compose(text, Loader=FAST_SAFE_LOADER)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark
            if "nesting depth" in str(exc.problem) and mark is not None:
                raise _too_deep(file, mark.line + 1, mark.column + 1) from None
            return yaml.compose(text, Loader=yaml.SafeLoader)
        except (yaml.YAMLError, UnicodeError):  # libyaml cannot even encode a lone surrogate
            return yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise _too_deep(file, 1, 1) from None


def load_text(text: str, file: str) -> Document:
    """Parse YAML text into a Document; raise SpecError with locations on any problem."""
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise SpecError([Problem(Location(file, 1, 1), "", "the spec is empty")])
    try:
        node = _compose(text, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "invalid YAML"
        if "\t" in what or "'\\t'" in what:
            what = "tab character: YAML indentation must use spaces"
        context = f" ({exc.context})" if exc.context else ""
        problem = Problem(Location(file, line, col), "", f"invalid YAML: {what}{context}")
        raise SpecError([problem]) from None
    except yaml.YAMLError as exc:
        raise SpecError([Problem(Location(file, 1, 1), "", f"invalid YAML: {exc}")]) from None
    if node is None:
        raise SpecError([Problem(Location(file, 1, 1), "", "the spec is empty")])
    builder = _Builder(file)
    data = builder.build(node, ())
    if builder.problems:
        raise SpecError(builder.problems)
    builder.doc.data = data
    return builder.doc


def _refusal(file: str, message: str) -> SpecError:
    return SpecError([Problem(Location(file, 1, 1), "", message)])


def read_capped(path: Path, display: str | None = None) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES, read from the open file.

    Opened without blocking (a FIFO without a writer would wait forever) and checked on the
    open descriptor, so a device, FIFO or directory is refused rather than read; the size
    is what is read, not what `stat` claims, so a file growing meanwhile cannot slip past.
    """
    file = display or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _refusal(file, f"cannot read the spec: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
            raise _refusal(file, f"cannot read the spec: it is {kind}")
        os.set_blocking(fd, True)
        try:
            raw = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise _refusal(file, f"cannot read the spec: {exc.strerror}") from None
    if len(raw) > MAX_BYTES:
        raise _refusal(file, f"the spec is larger than the limit of {MAX_BYTES} bytes")
    return raw


def load_file(path: Path, display: str | None = None) -> Document:
    """Read and parse a spec file; `display` is the name used in messages."""
    file = display or str(path)
    return load_text(_decode(read_capped(path, file), file), file)
