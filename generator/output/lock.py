"""The lock that makes runs on one out/ take turns.

`generate` holds an exclusive lock and `check` a shared one, both on the directory that
holds out/ (its real parent when out/ is a symlink): that directory stays while out/ itself is
swapped, and locking it leaves no lock file behind. The lock is `flock(2)`, released by the
kernel when its holder exits however it exits (a SIGKILL leaves no stale lock). A run that
cannot have the lock within `wait` seconds fails with one line.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.errors import OutDirError

WAIT_SECONDS = 120.0
_POLL_SECONDS = 0.05
# file systems without flock (some network mounts): the run goes on unlocked
_UNSUPPORTED = {errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.EBADF}


@contextmanager
def locked(
    directory: Path, shown: str, *, shared: bool = False, wait: float = WAIT_SECONDS
) -> Iterator[None]:
    """Hold the lock on `directory` (the parent of out/, named `shown` in messages) while the
    block runs; queue behind another holder for up to `wait` seconds, then OutDirError."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise OutDirError(f"{shown}: cannot lock: {exc.strerror or exc}") from None
    try:
        _acquire(fd, shown, shared, wait)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


def _acquire(fd: int, shown: str, shared: bool, wait: float) -> None:
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, mode)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise OutDirError(
                    f"{shown}: another obsgen run is still writing it after {wait:g}s "
                    "of waiting; run again when it has finished"
                ) from None
            time.sleep(_POLL_SECONDS)
        except OSError as exc:
            if exc.errno in _UNSUPPORTED:
                return
            raise OutDirError(f"{shown}: cannot lock: {exc.strerror or exc}") from None
