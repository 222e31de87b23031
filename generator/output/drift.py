"""Semantic comparison of rendered outputs with out/ (for `check`), built on deepdiff."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # deepdiff is imported by `compare` only: `generate` never needs it
    from deepdiff import DeepDiff


from generator.output.write import plan_changes, read_current
from generator.spec import FAST_SAFE_LOADER


@dataclass
class FileDrift:
    """How one file on disk differs from what the spec renders."""

    path: str
    status: str  # missing | stale | changed | formatting
    changes: list[str] = field(default_factory=list)


def _parse(path: str, text: str) -> Any:
    if path.endswith((".yml", ".yaml")):
        return yaml.load(text, Loader=FAST_SAFE_LOADER)
    if path.endswith(".json"):
        return json.loads(text)
    return text.splitlines()


def _describe(diff: DeepDiff) -> list[str]:
    lines = []
    for kind, items in sorted(diff.to_dict().items()):
        entries = items.items() if isinstance(items, dict) else ((i, None) for i in items)
        for where, detail in sorted(entries, key=lambda e: str(e[0])):
            path = str(where).removeprefix("root")
            if kind in ("values_changed", "type_changes") and isinstance(detail, dict):
                lines.append(f"{path}: {detail['old_value']!r} -> {detail['new_value']!r}")
            elif kind.endswith("_added"):
                lines.append(f"{path}: added in the spec's rendering")
            elif kind.endswith("_removed"):
                lines.append(f"{path}: no longer rendered by the spec")
            else:
                lines.append(f"{path}: {kind}")
    return lines


def compare(out: Path, files: dict[str, str]) -> list[FileDrift]:
    """Every difference between out/ and `files`, with the YAML/JSON path of each change."""
    drifts = []
    current = read_current(out, sorted(files))
    for status in plan_changes(out, files):
        if status.status == "unchanged":
            continue
        if status.status == "created":
            drifts.append(FileDrift(status.path, "missing", ["not in out/ (run obsgen generate)"]))
            continue
        if status.status == "removed":
            drifts.append(FileDrift(status.path, "stale", ["generated before, not rendered now"]))
            continue
        old_text = current[status.path] or ""
        try:
            old, new = _parse(status.path, old_text), _parse(status.path, files[status.path])
        except (yaml.YAMLError, ValueError) as exc:
            drifts.append(FileDrift(status.path, "changed", [f"out/ copy does not parse: {exc}"]))
            continue
        from deepdiff import DeepDiff

        diff = DeepDiff(old, new, ignore_order=False, verbose_level=2)
        if not diff:
            drifts.append(
                FileDrift(status.path, "formatting", ["formatting only: same data, other text"])
            )
        else:
            drifts.append(FileDrift(status.path, "changed", _describe(diff)))
    return drifts
