"""Plain data -> typed Spec: pydantic validation with every error mapped to file:line:col."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from generator.errors import Problem, SpecError
from generator.spec.checks import Check, crosscheck
from generator.spec.fields import shown
from generator.spec.load import Document, PathT, load_file
from generator.spec.model import Spec
from generator.spec.paths import model_at
from generator.spec.slos_v1 import migrate_v1


def _field_names(model: type[BaseModel]) -> list[str]:
    return sorted(f.alias or name for name, f in model.model_fields.items())


def _message(err: dict[str, Any], doc: Document) -> Problem:
    kind = err["type"]
    raw: PathT = tuple(err["loc"])
    if raw and raw[-1] == "[key]":
        msg = str(err["msg"]).removeprefix("Value error, ")
        return doc.problem(_strip_union_tags(raw[:-1], doc.data), f"invalid key: {msg}", key=True)
    # pydantic puts the discriminator tag in the location of tagged unions; drop it
    loc = _strip_union_tags(raw, doc.data)
    if kind == "extra_forbidden":
        name = str(loc[-1])
        model = model_at(loc[:-1], doc.data)
        allowed = _field_names(model) if model else []
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        if not close and allowed:
            hint = f"; allowed: {', '.join(allowed)}"
        return doc.problem(loc, f"unknown field {name!r}{hint}", key=True)
    if kind == "missing":
        return (
            doc.problem(loc[:-1], f"missing required field {loc[-1]!r}")
            if loc
            else doc.problem(loc, "missing required field")
        )
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if kind == "literal_error" and loc and loc[-1] == "version":
        msg = f"unsupported spec version {shown(err.get('input'))}; this obsgen reads 1 and 2"
    elif kind == "union_tag_invalid":
        tag = (err.get("ctx") or {}).get("tag", err.get("input"))
        expected = str((err.get("ctx") or {}).get("expected_tags", "")).replace("'", "")
        msg = f"unknown kind {shown(tag)}; expected one of: {expected}"
    elif kind == "union_tag_not_found":
        msg = "missing required field 'kind'"
    elif kind == "string_pattern_mismatch" and loc and loc[-1] == "runbook_url":
        msg = "must be an http(s) URL without spaces, quotes, braces or angle brackets"
    elif kind == "string_pattern_mismatch" and "x00" in str((err.get("ctx") or {}).get("pattern")):
        msg = "must not contain control characters (newlines, tabs)"
    elif kind in ("greater_than", "less_than", "less_than_equal", "greater_than_equal"):
        msg = f"{msg} (got {shown(err.get('input'))})"
    msg = msg.replace("Input should be", "must be")
    return doc.problem(loc, msg)


def _strip_union_tags(loc: PathT, data: Any) -> PathT:
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part not in node and isinstance(part, str):
            continue  # a union tag pydantic inserted, not a key of the user's data
        if isinstance(node, list) and isinstance(part, int) and part >= len(node):
            continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            node = node[part]
        else:
            node = None
    # keep the last part even if missing (a missing field names it)
    if loc and (not out or out[-1] != loc[-1]) and isinstance(loc[-1], str):
        out.append(loc[-1])
    return tuple(out)


def _problems(exc: ValidationError, doc: Document) -> list[Problem]:
    """One problem per mistake: drop pydantic's echoes of an error already reported."""
    errors: list[dict[str, Any]] = [dict(e) for e in exc.errors()]
    if any(e["type"] == "literal_error" and tuple(e["loc"]) == ("version",) for e in errors):
        # a version this obsgen does not read: what it makes of the rest is noise
        errors = [e for e in errors if tuple(e["loc"]) == ("version",)]
    item_errors = {tuple(e["loc"][:-1]) for e in errors if isinstance(e["loc"][-1], int)}
    misspelt: set[PathT] = set()
    for e in errors:
        if e["type"] == "extra_forbidden":
            parent, name = tuple(e["loc"][:-1]), str(e["loc"][-1])
            for m in errors:
                same_parent = m["type"] == "missing" and tuple(m["loc"][:-1]) == parent
                if same_parent and difflib.get_close_matches(name, [str(m["loc"][-1])], cutoff=0.6):
                    misspelt.add(tuple(m["loc"]))
    kept = [
        e
        for e in errors
        if not (e["type"] == "too_short" and tuple(e["loc"]) in item_errors)
        and tuple(e["loc"]) not in misspelt
    ]
    return [_message(e, doc) for e in kept]


def parse_document(doc: Document, checks: Sequence[Check] = ()) -> Spec:
    """Validate loaded data into a Spec; raise SpecError listing every problem with its place.

    `checks` are other domains' checks of the spec, run after its own cross-field checks.
    """
    if not isinstance(doc.data, dict):
        raise SpecError([doc.problem((), "the spec must be a mapping of fields")])
    read = doc
    doc, moved = migrate_v1(doc)
    # problems found after parsing (while planning) are located through the caller's
    # document: it keeps the data as written and learns where a migration moved each field
    read.moved.update(doc.moved)
    try:
        spec = Spec.model_validate(doc.data)
    except ValidationError as exc:
        said = {p.field for p in moved}  # a field the migration reported missing
        raise SpecError(moved + [p for p in _problems(exc, doc) if p.field not in said]) from None
    if moved:
        raise SpecError(moved)
    problems = crosscheck(spec, doc, checks)
    if problems:
        raise SpecError(problems)
    return spec


def read_document(
    path: Path,
    display: str | None = None,
    overlays: Sequence[tuple[Path, str]] = (),
    checks: Sequence[Check] = (),
) -> tuple[Spec, Document]:
    """Load, validate and cross-check a spec file, or a directory of split spec files.

    `overlays` are (file, display name) pairs deep-merged over the spec in order (spec/overlay.py).
    `checks` are other domains' checks (see `parse_document`); `plan.read_spec` passes them all.
    """
    if path.is_dir():
        from generator.spec.merge import load_directory

        doc = load_directory(path, display or path.as_posix())
    else:
        doc = load_file(path, display)
    if overlays:
        from generator.spec.overlay import apply_overlays

        doc, problems = apply_overlays(doc, overlays)
        if problems:
            try:
                parse_document(doc, checks)
            except SpecError as error:
                problems += error.problems
            raise SpecError(problems)
    return parse_document(doc, checks), doc
