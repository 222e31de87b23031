"""Walk the spec models along a data path: which type validates the value at a path."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

from generator.spec.load import PathT
from generator.spec.model import Spec


def unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (Optional/Annotated/Union stripped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in unwrap(arg)]
    return [annotation]


def types_at(path: PathT, data: Any) -> list[Any]:
    """The types that validate the value at `path` of spec data (several for unions)."""
    current: list[Any] = [Spec]
    node = data
    for part in path:
        nxt: list[Any] = []
        for t in current:
            origin = typing.get_origin(t)
            if isinstance(t, type) and issubclass(t, BaseModel) and isinstance(part, str):
                field = t.model_fields.get(part) or next(
                    (f for f in t.model_fields.values() if f.alias == part), None
                )
                if field is not None:
                    nxt.extend(unwrap(field.annotation))
            elif origin is dict:
                nxt.extend(unwrap(typing.get_args(t)[1]))
            elif origin in (tuple, list) and isinstance(part, int):
                nxt.extend(unwrap(typing.get_args(t)[0]))
        node = node.get(part) if isinstance(node, dict) else None
        if len(nxt) > 1 and isinstance(node, dict) and "kind" in node:
            # discriminated unions: pick the member whose `kind` literal matches
            nxt = [
                t
                for t in nxt
                if isinstance(t, type)
                and issubclass(t, BaseModel)
                and node["kind"] in typing.get_args(t.model_fields["kind"].annotation)
            ] or nxt
        current = nxt
    return current


def model_at(path: PathT, data: Any) -> type[BaseModel] | None:
    """The spec model class that validates the mapping at `path`, if any."""
    models = [t for t in types_at(path, data) if isinstance(t, type) and issubclass(t, BaseModel)]
    return models[0] if models else None


def is_named_map(path: PathT, data: Any) -> bool:
    """Whether the value at `path` is a mapping of named entries (services, tiers, ...)."""
    return any(typing.get_origin(t) is dict for t in types_at(path, data))
