"""Semantic comparison of rendered outputs with out/ (for `check`), built on deepdiff."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:  # deepdiff is imported by `compare` only: `generate` never needs it
    from deepdiff import DeepDiff


from generator.output.drift_paths import keyed, order_changes, path_text, unkeyed
from generator.output.drift_targets import target_of, targets_of
from generator.output.lock import WAIT_SECONDS, locked
from generator.output.outdir import inspect, shown
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
    """One line per change of a tree-view diff, its path by name (drift_paths.py)."""
    lines = []
    for kind, items in diff.items():
        for item in items:
            path = path_text(item.path(output_format="list"))
            if kind in ("values_changed", "type_changes"):
                lines.append(f"{path}: {unkeyed(item.t1)!r} -> {unkeyed(item.t2)!r}")
            elif kind.endswith("_added"):
                lines.append(f"{path}: added in the spec's rendering")
            elif kind.endswith("_removed"):
                lines.append(f"{path}: no longer rendered by the spec")
            else:
                lines.append(f"{path}: {kind}")
    return sorted(lines)


def compare(
    out: Path, files: dict[str, str], *, lock_wait: float = WAIT_SECONDS
) -> list[FileDrift]:
    """Every difference between out/ and `files`, with the YAML/JSON path of each change.

    Read under the shared lock (a `generate` running on out/ finishes first), never following
    a symlink below out/: such an entry is reported, its target never read.
    """
    parent = Path(os.path.realpath(out)).parent
    if not parent.is_dir():
        return _compare(out, files)
    with locked(parent, shown(out), shared=True, wait=lock_wait):
        return _compare(out, files)


_NOT_A_FILE = {
    "symlink": "a symlink (not followed); obsgen writes a regular file here",
    "dir": "a directory; obsgen writes a regular file here",
    "other": "not a regular file; obsgen writes a regular file here",
}


def _compare(out: Path, files: dict[str, str]) -> list[FileDrift]:
    drifts = []
    current = read_current(out, sorted(files))
    for status in plan_changes(out, files):
        if status.status == "unchanged":
            continue
        entry = inspect(out, status.path)
        if entry.kind in _NOT_A_FILE and status.path in files:
            where = "" if entry.at == status.path else f"{entry.at} is "
            drifts.append(FileDrift(status.path, "changed", [where + _NOT_A_FILE[entry.kind]]))
            continue
        if status.status == "created":
            drifts.append(FileDrift(status.path, "missing", ["not in out/ (run obsgen generate)"]))
            continue
        if status.status == "removed":
            target = target_of(status.path)
            why = "generated before, not rendered now"
            if target not in targets_of(files):
                why = f"rendered by --target {target}, which this check was not given"
            drifts.append(FileDrift(status.path, "stale", [why]))
            continue
        old_text = current[status.path] or ""
        try:
            old, new = _parse(status.path, old_text), _parse(status.path, files[status.path])
        except (yaml.YAMLError, ValueError) as exc:
            drifts.append(FileDrift(status.path, "changed", [f"out/ copy does not parse: {exc}"]))
            continue
        from deepdiff import DeepDiff

        old, new = keyed(old), keyed(new)
        lines = _describe(DeepDiff(old, new, ignore_order=False, view="tree"))
        lines += order_changes(old, new)
        if not lines:
            drifts.append(
                FileDrift(status.path, "formatting", ["formatting only: same data, other text"])
            )
        else:
            drifts.append(FileDrift(status.path, "changed", lines))
    return drifts
