"""Reading obsgen's own YAML outputs back, fast: libyaml's events are built into Python
objects directly, skipping PyYAML's node graph (most of the read-back time of large rule
files). The result equals `yaml.load(text, CSafeLoader)`: scalars are resolved and
constructed by PyYAML's own safe resolver and constructors. A document using anything else
(explicit tags, anchors, aliases, merge keys, several documents) is handed to that loader,
so its errors and results are PyYAML's own.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)
from yaml.nodes import ScalarNode

from generator.spec import FAST_SAFE_LOADER

_STR = "tag:yaml.org,2002:str"
_PLAIN = (True, False)
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_NO_KEY = object()


class _Fallback(Exception):
    """The document needs PyYAML's full loader."""


def load(text: str) -> Any:
    """The document in `text`, as `yaml.load(text, CSafeLoader)` returns it."""
    try:
        return _build(text)
    except _Fallback:
        return yaml.load(text, Loader=FAST_SAFE_LOADER)


def _scalar(event: ScalarEvent) -> Any:
    if event.anchor is not None or event.tag not in (None, "!"):
        raise _Fallback
    if not event.implicit[0]:  # quoted or block: a string, as the composer resolves it
        return event.value
    tag = _RESOLVER.resolve(ScalarNode, event.value, _PLAIN)  # type: ignore[no-untyped-call]
    if tag == _STR:
        return event.value
    construct = _CONSTRUCTOR.yaml_constructors.get(tag)
    if construct is None or tag == "tag:yaml.org,2002:merge":
        raise _Fallback
    return construct(_CONSTRUCTOR, ScalarNode(tag, event.value))


def _build(text: str) -> Any:
    root: Any = None
    documents = 0
    frames: list[tuple[str, Any]] = []  # open: ("seq", list) | ("map", [dict, pending key])

    def put(value: Any) -> None:
        nonlocal root
        if not frames:
            root = value
            return
        kind, frame = frames[-1]
        if kind == "seq":
            frame.append(value)
        elif frame[1] is _NO_KEY:
            try:
                hash(value)
            except TypeError:
                raise _Fallback from None
            frame[1] = value
        else:
            frame[0][frame[1]] = value
            frame[1] = _NO_KEY

    event: Any  # PyYAML types events as the base class; each branch knows its subclass
    for event in yaml.parse(text, Loader=FAST_SAFE_LOADER):
        kind = type(event)
        if kind is ScalarEvent:
            put(_scalar(event))
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor is not None or event.tag not in (None, "!"):
                raise _Fallback
            if kind is MappingStartEvent:
                frames.append(("map", [{}, _NO_KEY]))
            else:
                frames.append(("seq", []))
        elif kind is MappingEndEvent:
            put(frames.pop()[1][0])
        elif kind is SequenceEndEvent:
            put(frames.pop()[1])
        elif kind is AliasEvent:
            raise _Fallback
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Fallback
    return root
