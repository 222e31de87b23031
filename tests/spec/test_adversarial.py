"""Hostile values through every field of the spec: each run ends in a valid build or in a
SpecError of located one-line problems, never in another exception, a forged line, an
echoed secret or credentials written into out/.

The fields are found by walking the spec models (every leaf of every section, each member
of a discriminated union); the hostile values cover each field type's edges: huge,
negative, NaN and infinite numbers, huge durations, control characters, newlines, very long
strings, deep nesting, wrong types, credentials in URLs, secrets where a file path belongs.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from decimal import Decimal
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from generator.catalogue import plot_outputs
from generator.errors import SpecError
from generator.output import validate_outputs
from generator.output.rendering import render
from generator.plan import build_plan, parse_spec
from generator.spec import Spec, load_text
from tests.conftest import ROOT

BASE: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "hostile" / "base.yaml").read_text())
FILE = "adversarial.yaml"
SECRET = "S3CRET-TOKEN-0042"
CREDENTIALS = "ops:hunter2@"

Path_ = tuple[str | int, ...]


def _members(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _members(arg)]
    return [annotation]


def _kind(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("kind")
    args = typing.get_args(field.annotation) if field else ()
    return str(args[0]) if args else None


def _entry(node: Any, kind: str | None) -> tuple[str, dict[str, Any] | None]:
    """A key of the named map `node` to put a value under (one of that `kind` if it has one)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if kind is None or (isinstance(value, dict) and value.get("kind") == kind):
                return str(key), None
    return f"new-{kind or 'entry'}", ({"kind": kind} if kind else {})


Field = tuple[Path_, dict[Path_, Any], str]


def leaf_fields() -> list[Field]:
    """(path, seeds, type) of every leaf field: `seeds` are mappings to create on the way
    there (a receiver of a kind the base spec lacks gets its `kind`); `type` names the
    field's annotation, so one field of each type gets the whole sweep."""
    found: list[Field] = []
    stack: list[type[BaseModel]] = []

    def walk(model: type[BaseModel], path: Path_, node: Any, seeds: dict[Path_, Any]) -> None:
        if model in stack:
            return  # a recursive model (routes of routes): its fields are walked once
        stack.append(model)
        for name, field in model.model_fields.items():
            if field.exclude:  # the inline-secret fields: declared only to be refused
                found.append(((*path, field.alias or name), seeds, "inline secret"))
                continue
            key = field.alias or name
            here = (*path, key)
            child = node.get(key) if isinstance(node, dict) else None
            visit(field.annotation, here, child, seeds)
        stack.pop()

    def visit(annotation: Any, path: Path_, node: Any, seeds: dict[Path_, Any]) -> None:
        models = [
            m for m in _members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)
        ]
        containers = [
            m for m in _members(annotation) if typing.get_origin(m) in (dict, tuple, list)
        ]
        if models:
            for model in models:
                walk(model, path, node, seeds)
            return
        for container in containers:
            origin, args = typing.get_origin(container), typing.get_args(container)
            if origin is dict:
                for value_type in _members(args[1]):
                    kind = (
                        _kind(value_type)
                        if isinstance(value_type, type) and issubclass(value_type, BaseModel)
                        else None
                    )
                    key, seed = _entry(node, kind)
                    more = {**seeds, (*path, key): seed} if seed is not None else seeds
                    child = node.get(key) if isinstance(node, dict) else None
                    visit(value_type, (*path, key), child, more)
                return
            if args:
                child = node[0] if isinstance(node, list) and node else None
                visit(args[0], (*path, 0), child, seeds)
                return
        found.append((path, seeds, repr(annotation)))

    walk(Spec, (), BASE, {})
    return found


FIELDS = leaf_fields()
# the first field of each type gets every value; the others the values that broke obsgen once
FIRST_OF_TYPE = {kind: path for path, _, kind in reversed(FIELDS)}
VALUES: list[Any] = [
    99999999999999999999999999999,
    -1,
    0,
    float("inf"),
    float("nan"),
    1e300,
    1e-300,
    True,
    None,
    "",
    "x" * 20_000,
    "a\nspec.yaml:1:1: all good",
    "\x00\x1b[2J\u2028",
    "99999w",
    "-5m",
    "1e309",
    f"https://{CREDENTIALS}example.com/x",
    SECRET,
    [],
    {},
    [[[[[[[[[[1]]]]]]]]]],
]
CORE = [VALUES[0], VALUES[2], VALUES[4], VALUES[10], VALUES[11], VALUES[16], VALUES[17], VALUES[18]]
SECRET_FIELDS = re.compile(
    r"(_file|url|smarthost|type|credentials|routing_key|api_url|password|secret)$"
)


def put(path: Path_, value: Any, seeds: dict[Path_, Any]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    node: Any = data
    for i, part in enumerate(path[:-1]):
        seed = seeds.get(path[: i + 1], {})
        if isinstance(node, dict):
            node = node.setdefault(
                part, copy.deepcopy(seed) if not isinstance(path[i + 1], int) else []
            )
        elif isinstance(node, list):
            while len(node) <= int(part):
                node.append({} if not isinstance(path[i + 1], int) else [])
            node = node[int(part)]
    if isinstance(node, list):
        node[:] = node[:1] or [None]
        node[0] = value
    elif isinstance(node, dict):
        node[path[-1]] = value
    return data


def outcome(data: dict[str, Any]) -> tuple[str, list[str], dict[str, str]]:
    """('built', [], files) or ('refused', lines, {}); any other exception propagates."""
    text = yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True)
    try:
        spec = parse_spec(load_text(text, FILE))
    except SpecError as err:
        return "refused", err.lines(), {}
    plan = build_plan(spec, FILE)
    files = render(plan) | plot_outputs(plan.catalogue, plan.slos, plan.source)
    validate_outputs(plan, files, deep=False)
    return "built", [], files


def test_the_walk_reaches_every_section_and_the_inline_secret_fields() -> None:
    tops = {path[0] for path, _, _ in FIELDS}
    assert tops == {f.alias or n for n, f in Spec.model_fields.items()}
    dotted = {".".join(str(p) for p in path) for path, _, _ in FIELDS}
    assert "routing.receivers.pager.routing_key" in dotted
    assert "routing.receivers.new-email.smarthost" in dotted
    assert "datastores.new-postgres.max_connections" in dotted
    assert len(FIELDS) > 150


BUILT: list[str] = []


@pytest.mark.parametrize("field", FIELDS, ids=lambda f: ".".join(str(p) for p in f[0]))
def test_every_hostile_value_in_every_field_is_built_or_refused_with_located_lines(
    field: Field,
) -> None:
    path, seeds, kind = field
    name = str(path[-1])
    for value in VALUES if FIRST_OF_TYPE[kind] == path else CORE:
        result, lines, files = outcome(put(path, value, seeds))
        if result == "refused":
            assert lines
            for line in lines:
                assert re.match(rf"^{re.escape(FILE)}:\d+:\d+: ", line), line
                assert line.isprintable(), line
                assert len(line) < 2000, line[:200]
            if SECRET_FIELDS.search(name) and isinstance(value, str) and len(value) > 6:
                assert not any(value in line for line in lines), lines
        else:
            BUILT.append(".".join(map(str, path)))
            if "url" in name and isinstance(value, str):
                assert not any(CREDENTIALS in text for text in files.values())


def test_unknown_keys_with_control_characters_are_refused_on_one_line_each() -> None:
    mappings = {path[:-1] for path, _, _ in FIELDS if len(path) > 1}
    for parent in sorted(mappings, key=str)[:40]:
        data = put((*parent, "x"), 1, {})
        node: Any = data
        for part in parent:
            node = node[part]
        if not isinstance(node, dict):
            continue
        del node["x"]
        node["evil\nadversarial.yaml:1:1: fine"] = 1
        result, lines, _ = outcome(data)
        assert result == "refused"
        assert all(line.isprintable() for line in lines)
        assert not any(line.startswith(f"{FILE}:1:1: fine") for line in lines)


@pytest.mark.parametrize("depth", [10, 63, 65, 500, 5000])
@pytest.mark.parametrize("where", ["description", "metrics.http_requests_total.labels"])
def test_deep_nesting_in_any_field_is_a_located_refusal(depth: int, where: str) -> None:
    data = put(tuple(where.split(".")), "NESTED", {})
    text = yaml.safe_dump(data).replace("NESTED", "[" * depth + "1" + "]" * depth)
    with pytest.raises(SpecError) as err:
        parse_spec(load_text(text, FILE))
    assert all(re.match(rf"^{re.escape(FILE)}:\d+:\d+: ", line) for line in err.value.lines())


def test_decimal_edge_values_in_a_positive_field_are_refused_not_raised() -> None:
    for value in ("1e999999999", "-0", "0E-1000", str(Decimal("1") / Decimal("3"))):
        result, lines, _ = outcome(
            put(("services", "api", "resources", "limits", "cpu"), value, {})
        )
        assert result == "refused"
        assert all(line.isprintable() for line in lines)
