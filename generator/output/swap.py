"""Writing out/ as a whole: the complete new tree is built beside it, then swapped in.

What a kill leaves at each instant, and what `recover` (run by the next run, under the lock)
does about it:
- while `.out-new-*` is being built: out/ untouched; the partial tree is removed.
- the swap, on Linux: `renameat2(RENAME_EXCHANGE)` swaps the two names in one step, so there
  is no instant without out/; `.out-new-*` then holds the old tree and is removed.
- the swap elsewhere (no exchange): two renames, out/ -> `.out-old-*`, `.out-new-*` -> out/.
  A kill between them leaves no out/: the next run renames `.out-old-*` back (it holds every
  user file), then removes the rest. After the second rename `.out-old-*` is removed.
The new tree holds every entry of out/ that obsgen does not own (files hard-linked or copied,
empty directories, symlinks as symlinks, FIFOs), so a swap never loses a user's entry.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import OutDirError
from generator.output.outdir import MANIFEST, inspect, manifest_text, shown, write_file

STAGING = ".obsgen-staging"  # the in-place writer's (inplace.py); never a user entry
Hook = Callable[[str], None]


def _leftover(target: Path) -> re.Pattern[str]:
    # tempfile.mkdtemp's 8 characters exactly: `.out-new-a-old-x1y2z3w4` (a leftover of
    # another out/ called `out-new-a`) does not match `out`'s pattern
    return re.compile(rf"\.{re.escape(target.name)}-(new|old)-[a-z0-9_]{{8}}")


def recover(target: Path) -> None:
    """Repair what a killed run left beside `target` (out/'s real path): a half-done swap is
    rolled back (the old tree renamed back to out/), and its temporary trees removed."""
    pattern = _leftover(target)
    found: dict[str, list[Path]] = {"new": [], "old": []}
    with os.scandir(target.parent) as entries:
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match and entry.is_dir(follow_symlinks=False):
                found[match.group(1)].append(Path(entry.path))
    olds = sorted(found["old"], key=lambda p: p.stat().st_mtime_ns)
    if olds and not os.path.lexists(target):
        os.rename(olds.pop(), target)
    for leftover in sorted(found["new"]) + olds:
        remove_tree(leftover)


def remove_tree(path: Path) -> None:
    """Remove a tree obsgen made, including directories a user made read-only inside it."""

    def retry(func: Callable[..., object], name: str, _exc: object) -> None:
        os.chmod(os.path.dirname(name), 0o700)
        func(name)

    shutil.rmtree(path, onerror=retry)


def build_tree(
    out: Path,
    source: Path | None,
    new: Path,
    owned: set[str],
    files: dict[str, str],
    before_each: Hook,
) -> None:
    """Fill `new` with what out/ will be: the entries of `source` (out/'s real path, None when
    it does not exist yet) that obsgen does not own, `files`, and the manifest (last)."""
    keeper = _Keeper(out, owned, set(files))
    if source is not None:
        keeper.keep(source, new, "")
        keeper.modes.append((new, stat.S_IMODE(os.lstat(source).st_mode)))
    else:
        mask = os.umask(0)
        os.umask(mask)
        keeper.modes.append((new, 0o777 & ~mask))
    for rel, text in sorted(files.items()):
        before_each(rel)
        entry = inspect(new, rel)  # out/ was checked; this catches a change made since
        if entry.kind != "missing" and (entry.kind, entry.at) != ("file", rel):
            raise OutDirError(f"{shown(out, entry.at)}: changed while obsgen ran; run again")
        (new / rel).parent.mkdir(parents=True, exist_ok=True)
        write_file(new / rel, text)
    write_file(new / MANIFEST, manifest_text(list(files)))
    for path, mode in keeper.modes:  # last: a user's read-only directory is filled first
        os.chmod(path, mode)


@dataclass
class _Keeper:
    """Recreates the entries of out/ that are not obsgen's in the new tree."""

    out: Path
    owned: set[str]
    written: set[str]
    modes: list[tuple[Path, int]] = field(default_factory=list)

    def keep(self, src: Path, dst: Path, prefix: str) -> int:
        """Recreate under `dst` every entry of `src` that is not obsgen's (recursively);
        return how many entries `src` had."""
        with os.scandir(src) as scan:
            entries = sorted(scan, key=lambda e: e.name)
        for entry in entries:
            rel = prefix + entry.name
            if rel in (MANIFEST, STAGING):
                continue
            if entry.name == ".git":
                raise repository_refusal(self.out, rel)
            mode = entry.stat(follow_symlinks=False).st_mode
            target = dst / entry.name
            if stat.S_ISDIR(mode):
                self._keep_dir(Path(entry.path), target, rel, mode)
            elif stat.S_ISLNK(mode):
                if rel not in self.written:
                    os.symlink(os.readlink(entry.path), target)
            elif not (stat.S_ISREG(mode) and (rel in self.owned or rel in self.written)):
                _link_or_copy(Path(entry.path), target, mode)
        return len(entries)

    def _keep_dir(self, src: Path, dst: Path, rel: str, mode: int) -> None:
        os.mkdir(dst, 0o700)
        had = self.keep(src, dst, f"{rel}/")
        needed = any(w.startswith(f"{rel}/") for w in self.written)
        if had and not needed and not any(dst.iterdir()):
            os.rmdir(dst)  # it held only obsgen's stale files: it goes with them
        else:
            self.modes.append((dst, stat.S_IMODE(mode)))


def _link_or_copy(src: Path, dst: Path, mode: int) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
        return
    except OSError:
        pass  # another owner's file under protected_hardlinks, a file system without links
    if stat.S_ISREG(mode):
        shutil.copy2(src, dst, follow_symlinks=False)
    elif stat.S_ISFIFO(mode):
        os.mkfifo(dst, stat.S_IMODE(mode))
    else:
        raise OSError(errno.EPERM, "cannot keep this special file across the swap", str(src))


def repository_refusal(out: Path, rel: str) -> OutDirError:
    """The error for an out/ holding a git repository (`--out .` at a repo root, say)."""
    return OutDirError(
        f"{shown(out, rel)}: out/ holds a git repository; obsgen replaces out/ as a whole and "
        "will not write there: give --out a directory of its own"
    )


def swap_in(target: Path, new: Path, at_step: Hook) -> None:
    """Put the tree `new` in place of `target` (out/'s real path); see the module docstring.
    An OSError with errno EBUSY or EXDEV means nothing changed: `target` cannot be renamed."""
    at_step("built")
    if not os.path.lexists(target):
        os.rename(new, target)
        return
    if exchange(new, target):
        at_step("exchanged")
        remove_tree(new)  # now the old tree
        return
    old = target.parent / f".{target.name}-old-{new.name[-8:]}"
    os.rename(target, old)
    try:
        at_step("between-renames")
        os.rename(new, target)
    except BaseException:
        os.rename(old, target)
        raise
    at_step("renamed")
    remove_tree(old)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap the names `a` and `b` in one step (Linux renameat2); False, with nothing changed,
    where the system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))
