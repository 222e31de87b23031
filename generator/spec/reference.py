"""The spec reference (docs/spec-reference.md), generated from the same JSON Schema and
field descriptions that `obsgen schema` prints, so the two never disagree."""

from __future__ import annotations

import json
from typing import Any

from generator.spec.model import Spec
from generator.spec.slos_v1 import with_v1_slos


def spec_schema() -> dict[str, Any]:
    """The spec's JSON Schema (by alias, so `for` reads as users write it)."""
    schema = with_v1_slos(Spec.model_json_schema(by_alias=True))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def schema_text() -> str:
    """The JSON Schema as committed: sorted keys, indent 2, final newline."""
    return json.dumps(spec_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop or "oneOf" in prop:
        options = [_type(p) for p in prop.get("anyOf", prop.get("oneOf", []))]
        return " or ".join(o for o in options if o != "null") + (
            " (optional)" if "null" in options else ""
        )
    if "const" in prop:
        return f"`{json.dumps(prop['const'])}`"
    if "enum" in prop:
        return " \\| ".join(f"`{json.dumps(v)}`" for v in prop["enum"])
    kind = prop.get("type")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object":
        values = prop.get("additionalProperties")
        return f"map of name → {_type(values)}" if isinstance(values, dict) else "map"
    if kind == "null":
        return "null"
    return str(kind or "any")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default(prop: dict[str, Any]) -> str:
    return f"`{json.dumps(prop['default'])}`" if "default" in prop else ""


def _table(name: str, model: dict[str, Any]) -> list[str]:
    lines = [f"## {name}", "", _cell(model.get("description", "")).strip(), ""]
    required = set(model.get("required", []))
    lines += [
        "| field | type | required | default | description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for field, prop in model.get("properties", {}).items():
        lines.append(
            f"| `{field}` | {_cell(_type(prop))} | {'yes' if field in required else ''} "
            f"| {_cell(_default(prop))} | {_cell(prop.get('description', ''))} |"
        )
    return [*lines, ""]


def reference_markdown() -> str:
    """The spec reference as Markdown: the root first, then each model alphabetically."""
    schema = spec_schema()
    lines = [
        "# Spec reference",
        "",
        "Generated from the spec's JSON Schema (`obsgen schema --markdown`); do not edit.",
        "The schema itself is `schema/obsgen-spec.schema.json` (`obsgen schema`).",
        "",
        *_table("Spec", schema),
    ]
    for name, model in sorted(schema.get("$defs", {}).items()):
        if model.get("type") == "object" or "properties" in model:
            lines += _table(name, model)
    return "\n".join(lines).rstrip("\n") + "\n"
