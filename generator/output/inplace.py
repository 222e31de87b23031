"""Writing out/ file by file, for an out/ that cannot be swapped as a whole: a mount point
(`docker run -v $PWD/out:/w/out`, a bind mount, its own file system: its device differs from
its parent's, or renaming it fails with EBUSY), or an out/ whose parent obsgen may not write.

Each changed file is written into `out/.obsgen-staging/` and renamed over its place, so each
file is at every instant either its old or its new version; the directory itself is never
replaced. While the run goes, the manifest lists the old and the new files together: a run
killed midway leaves files that are all still known as obsgen's, and the next run finishes
the job (and removes the staging directory).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from generator.errors import OutDirError
from generator.output.outdir import MANIFEST, Entry, inspect, manifest_text, shown, write_file
from generator.output.swap import STAGING


def clear_staging(target: Path) -> None:
    """Remove the staging directory a killed in-place run left in out/ (its real path)."""
    staging = target / STAGING
    if staging.is_dir() and not staging.is_symlink():
        shutil.rmtree(staging)


def write_in_place(
    out: Path,
    target: Path,
    files: dict[str, str],
    owned: set[str],
    changed: set[str],
    before_each: Callable[[str], None],
) -> None:
    """Bring out/ (real path `target`) to `files`: write the `changed` ones, remove obsgen's
    stale files, each step atomic per file; the manifest says `files` when it is done."""
    clear_staging(target)
    staging = target / STAGING
    try:
        os.mkdir(staging, 0o700)
    except OSError as exc:  # the first write: a read-only out/ fails here, named as out/
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    try:
        _write_all(out, target, staging, files, owned, changed, before_each)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # the files stay each old or new
        raise
    os.rmdir(staging)


def _write_all(
    out: Path,
    target: Path,
    staging: Path,
    files: dict[str, str],
    owned: set[str],
    changed: set[str],
    before_each: Callable[[str], None],
) -> None:
    _replace(staging, target / MANIFEST, manifest_text([*owned, *files]))
    for rel in sorted(files):
        before_each(rel)
        if rel not in changed:
            continue
        _make_parents(out, target, rel, owned)
        _replace(staging, target / rel, files[rel])
    for rel in sorted(owned - set(files)):
        if inspect(target, rel) == Entry("file", rel):
            os.unlink(target / rel)
            _prune(target, PurePosixPath(rel).parent)
    _replace(staging, target / MANIFEST, manifest_text(list(files)))


def _replace(staging: Path, dest: Path, text: str) -> None:
    """Write `text` to `dest` atomically: a new file in staging, renamed over `dest` (a
    symlink at `dest` is replaced, never followed)."""
    temp = staging / "next"
    try:
        write_file(temp, text)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(dest)) from None
    os.replace(temp, dest)


def _make_parents(out: Path, target: Path, rel: str, owned: set[str]) -> None:
    parts = PurePosixPath(rel).parts[:-1]
    for depth in range(1, len(parts) + 1):
        sub = "/".join(parts[:depth])
        entry = inspect(target, sub)
        if entry == Entry("file", sub) and sub in owned:  # obsgen's file of an earlier run
            os.unlink(target / sub)
            entry = Entry("missing", sub)
        if entry.kind == "missing":
            os.mkdir(target / sub)
        elif entry.kind != "dir":  # checked before the run; changed since
            raise OutDirError(f"{shown(out, sub)}: changed while obsgen ran; run again")


def _prune(target: Path, rel: PurePosixPath) -> None:
    """Remove the directories a removed stale file leaves empty, up to out/."""
    while rel.parts:
        path = target / rel.as_posix()
        if inspect(target, rel.as_posix()).kind != "dir" or any(path.iterdir()):
            return
        os.rmdir(path)
        rel = rel.parent
