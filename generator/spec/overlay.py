"""Environment overlays: YAML files deep-merged over a spec (staging, a second region, a test rig).

One spec describes the system; an overlay says how one environment differs from it:
its scrape targets, its Alertmanager, the endpoints and secret files of its receivers, its
external labels, shorter timers. `obsgen generate spec/duri.yaml --overlay envs/staging.yaml`
renders the spec as if the overlay's values had been written into it:

- a mapping merges key by key, recursively (`services.duri-core.targets` changes only that);
- any other value (a scalar, a list) replaces the spec's value whole: lists are not merged
  item by item, so `targets: [...]` states the environment's complete list;
- `null` removes the key, as if the spec had not set it (the field's default applies);
  removing a key the spec does not have is an error, so a stale overlay is noticed;
- keys the spec lacks are added (an environment-only service, `external_labels`).

Several overlays apply in command-line order. The merged document is validated like any
spec, and every value an overlay set keeps the overlay's file, line and column, so an error
points at the line to fix whichever file holds it.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.errors import Location, Problem, SpecError
from generator.spec.load import Document, PathT, load_file, load_text, read_capped


def load_overlay(path: Path, display: str) -> Document:
    """Read one overlay file: a YAML mapping of spec fields (`{}` for no change)."""
    try:
        text: str | None = read_capped(path, display).decode("utf-8")
    except UnicodeDecodeError:
        text = None  # load_file reports non-UTF-8 files with their location
    if text is not None and all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        problem = Problem(
            Location(display, 1, 1),
            "",
            "the overlay is empty; write {} for an overlay that changes nothing",
        )
        raise SpecError([problem])
    doc = load_file(path, display) if text is None else load_text(text, display)
    if not isinstance(doc.data, dict):
        raise SpecError([doc.problem((), "an overlay must be a mapping of spec fields")])
    return doc


def apply_overlay(base: Document, overlay: Document) -> tuple[Document, list[Problem]]:
    """`base` with `overlay` deep-merged over it, and the overlay's removals of nothing."""
    merged = Document(base.file, copy.deepcopy(base.data), dict(base.values), dict(base.keys))
    if not isinstance(merged.data, dict):
        return merged, []  # parse_document reports a spec that is not a mapping
    return merged, _merge(merged.data, overlay.data, (), merged, overlay)


def apply_overlays(
    base: Document, overlays: Sequence[tuple[Path, str]]
) -> tuple[Document, list[Problem]]:
    """Load each (path, display name) overlay and apply them over `base` in order.

    Returns the merged document and the removals of nothing; those do not stop the merge,
    so the caller still validates the merged spec and one run reports every problem of the
    spec and its overlays.
    """
    doc, problems = base, []
    for path, display in overlays:
        doc, found = apply_overlay(doc, load_overlay(path, display))
        problems += found
    return doc, problems


def _merge(
    into: dict[str, Any], part: dict[str, Any], path: PathT, merged: Document, overlay: Document
) -> list[Problem]:
    problems: list[Problem] = []
    for key, value in part.items():
        here = (*path, key)
        if value is None:
            if key in into:
                del into[key]
                _forget(merged, here)
            else:
                problems.append(_removes_nothing(into, here, overlay))
            continue
        current = into.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            problems += _merge(current, value, here, merged, overlay)
            continue
        into[key] = copy.deepcopy(value)
        _forget(merged, here)
        _adopt(merged, overlay, here)
    return problems


def _removes_nothing(into: dict[str, Any], here: PathT, overlay: Document) -> Problem:
    name = str(here[-1])
    close = difflib.get_close_matches(name, [str(k) for k in into], n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return overlay.problem(
        here, f"null removes a key, but the spec has no {name!r} here{hint}", key=True
    )


def _forget(merged: Document, prefix: PathT) -> None:
    """Drop the locations of a value the overlay replaced or removed."""
    n = len(prefix)
    for table in (merged.values, merged.keys):
        for path in [p for p in table if p[:n] == prefix]:
            del table[path]


def _adopt(merged: Document, overlay: Document, prefix: PathT) -> None:
    """Take the overlay's locations for everything under `prefix`."""
    n = len(prefix)
    for table, source in ((merged.values, overlay.values), (merged.keys, overlay.keys)):
        for path, loc in source.items():
            if path[:n] == prefix:
                table[path] = loc
