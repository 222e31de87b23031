"""Replacing the files obsgen owns in out/, so that out/ is at every instant either its old or
its new self, and comparing with them (for `check`).

out/ may hold entries obsgen does not own (files, directories, symlinks); a manifest
(`.obsgen-manifest`) lists the ones it does. One run at a time writes out/ (lock.py); a run
first repairs what a killed one left (swap.recover). Then either the whole new tree is built
beside out/ and swapped in (swap.py), or, when out/ cannot be swapped (a mount point, an
unwritable parent), files are replaced one by one (inplace.py). out/ may be a symlink: obsgen
writes into its target and keeps the link.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.errors import OutDirError
from generator.output import swap
from generator.output.inplace import clear_staging, write_in_place
from generator.output.lock import WAIT_SECONDS, locked
from generator.output.outdir import (
    MANIFEST,
    MANIFEST_HEADER,
    inspect,
    manifest_text,
    read_manifest,
    read_text,
    safe_relative,
    shown,
    write_error,
)

__all__ = [
    "MANIFEST",
    "MANIFEST_HEADER",
    "Status",
    "WriteError",
    "manifest_text",
    "plan_changes",
    "read_current",
    "read_manifest",
    "safe_relative",
    "write_outputs",
]

WriteError = OutDirError  # the name callers and tests have used


@dataclass(frozen=True)
class Status:
    """What generate did (or would do) to one file."""

    path: str
    status: str  # created | updated | unchanged | removed


def read_current(out: Path, paths: list[str]) -> dict[str, str | None]:
    """Current text of each path under out/ (None when missing, not a regular file, reached
    through a symlink, or not UTF-8)."""
    return {rel: read_text(out, str(safe_relative(rel))) for rel in paths}


def plan_changes(out: Path, files: dict[str, str]) -> list[Status]:
    """Per-file status of writing `files` into `out`, without writing."""
    owned = read_manifest(out)
    current = read_current(out, sorted(set(files) | set(owned)))
    statuses = []
    for rel in sorted(set(files) | set(owned)):
        if rel not in files:
            if current[rel] is not None:
                statuses.append(Status(rel, "removed"))
        elif current[rel] is None:
            statuses.append(Status(rel, "created"))
        elif current[rel] != files[rel]:
            statuses.append(Status(rel, "updated"))
        else:
            statuses.append(Status(rel, "unchanged"))
    return statuses


def is_mount_point(path: Path) -> bool:
    """Whether `path` is a mount point (its device differs from its parent's)."""
    return os.path.ismount(path)


def _ignore(_step: str) -> None:
    pass


def write_outputs(
    out: Path,
    files: dict[str, str],
    *,
    before_each: Callable[[str], None] | None = None,
    at_step: Callable[[str], None] | None = None,
    lock_wait: float = WAIT_SECONDS,
) -> list[Status]:
    """Replace obsgen's files in `out` with `files`, atomically; return per-file statuses.

    Environment failures (permissions, a full or read-only disk, a user entry in the way)
    raise OutDirError with one line naming the path. `before_each(rel)` runs before each file
    is written and `at_step(name)` at each instant of the swap (swap.swap_in): test hooks
    that inject a failure or a kill there.
    """
    for rel in files:
        safe_relative(rel)
    target = Path(os.path.realpath(out))
    if target == target.parent:
        raise OutDirError(f"{shown(out)}: refusing to write into the root directory")
    if os.path.lexists(target / ".git"):
        raise swap.repository_refusal(out, ".git")
    roots = {target: ""}
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with locked(target.parent, shown(out), wait=lock_wait):
            swap.recover(target)
            return _write_locked(out, target, files, roots, before_each or _ignore, at_step)
    except OSError as exc:
        raise write_error(exc, out, roots) from None


def _write_locked(
    out: Path,
    target: Path,
    files: dict[str, str],
    roots: dict[Path, str],
    before_each: Callable[[str], None],
    at_step: Callable[[str], None] | None,
) -> list[Status]:
    exists = os.path.lexists(target)
    if exists and not target.is_dir():
        raise OutDirError(f"{shown(out)}: not a directory")
    if exists:
        clear_staging(target)
    owned = set(read_manifest(out))
    _refuse_conflicts(out, files, owned)
    statuses = plan_changes(out, files)
    unchanged = all(s.status == "unchanged" for s in statuses)
    if unchanged and read_text(out, MANIFEST) == manifest_text(list(files)):
        return statuses
    changed = {s.path for s in statuses if s.status in ("created", "updated")}
    if exists and (is_mount_point(target) or not os.access(target.parent, os.W_OK)):
        write_in_place(out, target, files, owned, changed, before_each)
        return statuses
    try:
        new = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    except OSError as exc:
        what = "beside it" if exists else "it"
        raise OutDirError(
            f"{shown(out)}: cannot write {what} in {target.parent}: {exc.strerror or exc}"
        ) from None
    roots[new] = ""
    try:
        swap.build_tree(out, target if exists else None, new, owned, files, before_each)
        swap.swap_in(target, new, at_step or _ignore)
    except OSError as exc:
        if exc.errno not in (errno.EBUSY, errno.EXDEV):
            raise
        # out/ cannot be renamed (a mount point the device check missed): nothing changed
        swap.remove_tree(new)
        write_in_place(out, target, files, owned, changed, before_each)
    finally:
        if os.path.isdir(new):  # a failure before the swap, or the old tree after it
            swap.remove_tree(new)
    return statuses


def _refuse_conflicts(out: Path, files: dict[str, str], owned: set[str]) -> None:
    """OutDirError when an entry obsgen did not create stands where it must write a file or
    needs a directory (nothing is changed then)."""
    for rel in sorted(files):
        entry = inspect(out, rel)
        if entry.kind == "missing":
            continue
        if entry.at == rel:
            if entry.kind in ("file", "symlink"):  # a file (or a link) at obsgen's path
                continue
            what = "a directory" if entry.kind == "dir" else "not a regular file"
            raise OutDirError(
                f"{shown(out, rel)}: {what} obsgen did not create, where it writes a file; "
                "move it away"
            )
        if entry.kind == "file" and entry.at in owned:
            continue  # obsgen's own file of an earlier run, now a directory of outputs
        what = {"symlink": "a symlink", "file": "a file"}.get(entry.kind, "not a directory")
        raise OutDirError(
            f"{shown(out, entry.at)}: {what} obsgen did not create, where it needs a "
            f"directory for {rel}; move it away"
        )
