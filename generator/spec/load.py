"""YAML text -> plain data, with the location of every node (for error messages).

Safe by construction: only YAML's standard tags construct values (``!!python/object``
and friends are errors), duplicate keys are errors (PyYAML keeps the last silently),
alias expansion is bounded (a "billion laughs" file is an error, not an OOM), and the
file size is capped before parsing.
"""

from __future__ import annotations

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

    def locate(self, path: PathT, *, key: bool = False) -> Location:
        """Location of the node at `path`, or of its nearest located ancestor."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Location(self.file, 1, 1))

    def problem(self, path: PathT, message: str, *, key: bool = False) -> Problem:
        """A Problem located at `path`."""
        return Problem(self.locate(path, key=key), format_path(path), message)


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
        self.doc.values.setdefault(path, self.loc(node))
        if isinstance(node, ScalarNode):
            if node.tag == _TIMESTAMP:
                return node.value
            if node.tag not in _SCALAR_TAGS:
                self.fail(node, path, f"YAML tag {node.tag!r} is not allowed; the spec is data")
                return None
            return self.constructor.construct_object(node)
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
            key = str(self.constructor.construct_object(key_node))
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


def _compose(text: str) -> Node | None:
    """The node graph, through libyaml where PyYAML has it (ten times faster on big specs);
    a text libyaml refuses is parsed again by PyYAML's own parser, whose messages (and
    their positions) are the ones obsgen documents."""
    if FAST_SAFE_LOADER is yaml.SafeLoader:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    try:
        return yaml.compose(text, Loader=FAST_SAFE_LOADER)
    except (yaml.YAMLError, UnicodeError):  # libyaml cannot even encode a lone surrogate
        return yaml.compose(text, Loader=yaml.SafeLoader)


def load_text(text: str, file: str) -> Document:
    """Parse YAML text into a Document; raise SpecError with locations on any problem."""
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise SpecError([Problem(Location(file, 1, 1), "", "the spec is empty")])
    try:
        node = _compose(text)
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


def load_file(path: Path, display: str | None = None) -> Document:
    """Read and parse a spec file; `display` is the name used in messages."""
    file = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SpecError(
                [
                    Problem(
                        Location(file, 1, 1),
                        "",
                        f"the spec is {size} bytes; the limit is {MAX_BYTES} bytes",
                    )
                ]
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(
            [Problem(Location(file, 1, 1), "", f"cannot read the spec: {exc.strerror}")]
        ) from None
    return load_text(_decode(raw, file), file)
