"""Work done in a forked child while the caller goes on with its own (docs/scale.md).

`forked(work)` starts `work` in a child process made by `os.fork`, which shares everything
the caller has planned so far without copying it, and yields a handle whose `result()`
returns what `work` returned or raises what it raised, carried back through a pipe by
pickle. Leaving the block without asking stops the child (by PID) and reaps it.

Where a fork is not safe or not possible, `work` runs at once in this process and the
handle only holds its value, so a caller sees the same values and the same errors either
way, in the same order: the child's error first, as a serial run would meet it. That is
so off Linux, with other threads running (a fork copies only the calling thread, and any
lock another one holds stays held in the child), with `OBSGEN_JOBS=1`, and when the
system refuses another process.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")

JOBS_VARIABLE = "OBSGEN_JOBS"


def can_fork() -> bool:
    """Whether `forked` runs work in a child here: on Linux (macOS' system libraries are
    not safe to use in a child forked without exec, which is why Python's own
    multiprocessing does not fork there), single-threaded, unless OBSGEN_JOBS=1."""
    if os.environ.get(JOBS_VARIABLE, "").strip() == "1":
        return False
    return sys.platform.startswith("linux") and hasattr(os, "fork") and _threads() == 1


def _threads() -> int:
    """This process' threads: the kernel's count where it is readable (threads started
    without the threading module, as pytest-xdist's are, count too), else Python's."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


class ChildCrashed(RuntimeError):
    """The child ended without a result, or with an error that could not be carried back."""


class Pending(Generic[T]):
    """The result of `work`, computed here already or in a child still running."""

    def __init__(self, work: Callable[[], T], fork: bool) -> None:
        self._pid: int | None = None
        self._fd = -1
        if not fork:
            self._value: T = work()  # its error propagates now, as a serial run's would
            self._done = True
            return
        self._done = False
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no room for another process: the work is done here instead
            os.close(read)
            os.close(write)
            self._value, self._done = work(), True
            return
        if pid == 0:  # the child: never returns into the caller's code
            os.close(read)
            _child(work, write)
        os.close(write)
        self._pid, self._fd = pid, read

    def result(self) -> T:
        """What `work` returned; raises what it raised."""
        if self._done:
            return self._value
        with os.fdopen(self._fd, "rb") as pipe:
            self._fd = -1
            data = pipe.read()
        assert self._pid is not None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if not data:
            raise ChildCrashed(f"the forked child ended without a result (wait status {status})")
        kind, value = _loads(data)
        if kind == "raised":
            raise value
        if kind == "crashed":
            raise ChildCrashed(f"the forked child failed:\n{value}")
        self._value, self._done = value, True
        return self._value

    def close(self) -> None:
        """Stop and reap a child whose result was not asked for."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None


def _loads(data: bytes) -> Any:
    """Unpickled without the cyclic collector: hundreds of thousands of new objects, none
    of them garbage, would set off its passes (a third of unpickling 1,000 services' rules)."""
    was = gc.isenabled()
    gc.disable()
    try:
        return pickle.loads(data)
    finally:
        if was:
            gc.enable()


def _child(work: Callable[[], Any], write: int) -> None:
    """Run `work`, send ("ok", value), ("raised", error) or ("crashed", traceback), exit."""
    code = 0
    try:
        try:
            payload = pickle.dumps(("ok", work()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # carried back, raised in the caller
            try:
                payload = pickle.dumps(("raised", exc), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                payload = pickle.dumps(("crashed", traceback.format_exc()))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(payload)
    except BaseException:
        code = 1
    finally:
        # no atexit handlers, no flushing of buffers the caller's process still owns
        os._exit(code)


@contextlib.contextmanager
def forked(work: Callable[[], T], fork: bool | None = None) -> Iterator[Pending[T]]:
    """`work` running in a forked child, or done here at once when forking is unsafe
    (`can_fork`); `fork` decides instead when given."""
    pending = Pending(work, can_fork() if fork is None else fork)
    try:
        yield pending
    finally:
        pending.close()
