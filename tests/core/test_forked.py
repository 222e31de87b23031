"""core/forked.py: work in a forked child, its value or its error carried back whole."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from generator.core import forked as fk
from generator.errors import Location, OutputError, PlanError, Problem, SpecError, TemplateError
from generator.promtest import CaseError


def _in_child(work: Callable[[], Any]) -> Any:
    with fk.forked(work, fork=True) as pending:
        return pending.result()


def test_the_value_comes_back_from_another_process() -> None:
    here = os.getpid()
    pid, data = _in_child(lambda: (os.getpid(), {"rules": [1, 2, 3], "text": "x" * 1_000_000}))
    assert pid != here
    assert data == {"rules": [1, 2, 3], "text": "x" * 1_000_000}  # past a pipe's buffer


def _raise(exc: BaseException) -> Callable[[], None]:
    def work() -> None:
        raise exc

    return work


@pytest.mark.parametrize(
    "error",
    [
        PlanError("cannot tell when it fires", ("alerts", "cpu"), ((("slos", 0), "and this"),)),
        SpecError([Problem(Location("spec.yaml", 3, 5), "slos.0", "too low")]),
        OutputError(["a: does not parse back", "b: no route tree"]),
        TemplateError("template x.j2:3: 'nope' is undefined"),
        CaseError("HighCPU: test level 0.85 is too close to 0.85", ("alerts", "cpu")),
    ],
    ids=lambda e: type(e).__name__,
)
def test_each_error_the_pipeline_raises_comes_back_with_its_fields(error: Exception) -> None:
    with pytest.raises(type(error)) as caught:
        _in_child(_raise(error))
    assert type(caught.value) is type(error)
    assert str(caught.value) == str(error)
    assert vars(caught.value) == vars(error)  # field, problems, messages: what the CLI prints


class _Unpicklable(Exception):
    def __reduce__(self) -> Any:
        raise TypeError("not picklable")


def test_an_error_that_cannot_come_back_is_reported_with_its_traceback() -> None:
    with pytest.raises(fk.ChildCrashed, match=r"(?s)failed:.*_Unpicklable"):
        _in_child(_raise(_Unpicklable("boom")))


def test_a_child_that_dies_without_a_result_is_reported_not_waited_on_forever() -> None:
    with pytest.raises(fk.ChildCrashed, match="ended without a result"):
        _in_child(lambda: os._exit(3))


def test_leaving_the_block_unasked_stops_and_reaps_the_child() -> None:
    with fk.forked(lambda: time.sleep(60), fork=True) as pending:
        pid = pending._pid
        assert pid is not None
        os.kill(pid, 0)  # running
    with pytest.raises(ChildProcessError):  # reaped: no longer our child
        os.waitpid(pid, os.WNOHANG)


def test_without_forking_the_work_runs_here_at_once_and_its_error_comes_first() -> None:
    ran: list[int] = []
    with fk.forked(lambda: ran.append(os.getpid()) or "done", fork=False) as pending:
        assert ran == [os.getpid()]  # before the caller's own work
        assert pending.result() == "done"
    with pytest.raises(PlanError), fk.forked(_raise(PlanError("first")), fork=False):
        pytest.fail("the caller's work ran before the error of the work it started")


def test_obsgen_jobs_1_turns_forking_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fk, "_threads", lambda: 1)
    monkeypatch.setattr(fk.sys, "platform", "linux")
    monkeypatch.delenv(fk.JOBS_VARIABLE, raising=False)
    assert fk.can_fork() is True
    monkeypatch.setenv(fk.JOBS_VARIABLE, "1")
    assert fk.can_fork() is False


def test_only_linux_forks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fk, "_threads", lambda: 1)
    monkeypatch.delenv(fk.JOBS_VARIABLE, raising=False)
    for platform in ("darwin", "win32"):
        monkeypatch.setattr(fk.sys, "platform", platform)
        assert fk.can_fork() is False


def test_a_refused_fork_does_the_work_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(fk.os, "fork", refuse)
    open_before = len(os.listdir("/proc/self/fd"))
    with fk.forked(os.getpid, fork=True) as pending:
        assert pending.result() == os.getpid()
    assert len(os.listdir("/proc/self/fd")) == open_before  # the pipe was closed


def test_a_process_running_other_threads_is_not_forked() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert fk._threads() >= 2
        assert fk.can_fork() is False
    finally:
        stop.set()
        other.join()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_result_is_read_without_the_collector_which_is_left_as_it_was(
    enabled: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    real = fk.pickle.loads

    def loads(data: bytes) -> Any:
        seen.append(gc.isenabled())
        return real(data)

    monkeypatch.setattr(fk.pickle, "loads", loads)
    (gc.enable if enabled else gc.disable)()
    try:
        assert _in_child(lambda: [{"n": i} for i in range(10_000)])[-1] == {"n": 9_999}
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
    assert seen == [False]
