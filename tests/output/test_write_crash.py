"""A run killed at any instant of writing out/ leaves out/ old or new (or, between the two renames
of the fallback swap, recoverable), and the next run repairs it; runs on one out/ take turns."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.errors import OutDirError
from generator.output import swap
from generator.output.lock import locked
from generator.output.write import write_outputs
from tests.conftest import ROOT, snapshot

OLD = {"a.yml": "a: 1\n", "stale/s.yml": "s: 1\n"}
NEW = {"a.yml": "a: 2\n", "b/c.yml": "c: 2\n"}

# a writer that dies (os._exit: no cleanup, like SIGKILL) at one named instant
KILLER = """
import os, sys, time
from pathlib import Path
from generator.output import swap, write
from generator.output.write import write_outputs

out, instant, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
files = {"a.yml": "a: 2\\n", "b/c.yml": "c: 2\\n"}
if mode == "two-renames":
    swap.exchange = lambda a, b: False
if mode == "in-place":
    write.is_mount_point = lambda path: True

def at(step):
    if step == instant:
        os._exit(9)
    if step == "built" and instant == "sleep":
        Path(sys.argv[4]).touch()
        time.sleep(1.5)

write_outputs(out, files, at_step=at, before_each=at)
"""


def run_writer(out: Path, instant: str, mode: str = "exchange", *extra: str) -> int:
    """Run KILLER in a subprocess; return its exit code (9 when it died at `instant`)."""
    return subprocess.run(
        [sys.executable, "-c", KILLER, str(out), instant, mode, *extra],
        cwd=ROOT,
        timeout=60,
        check=False,
    ).returncode


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """out/ as an earlier run wrote it, plus the user's own entries."""
    out = tmp_path / "out"
    write_outputs(out, OLD)
    (out / "notes.md").write_text("the user's\n")
    (out / "stale" / "mine.txt").write_text("also the user's\n")
    (out / "empty").mkdir()
    return out


def user_entries(out: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(out).items() if k in ("notes.md", "stale/mine.txt")}


def expected_new(out: Path) -> dict[str, bytes]:
    return {**{k: v.encode() for k, v in NEW.items()}, **user_entries(out)}


def generated(out: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(out).items() if not k.startswith(".obsgen")}


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".out-"))


@pytest.mark.parametrize(
    ("instant", "mode", "state"),
    [
        ("a.yml", "exchange", "old"),  # killed while the new tree is built
        ("b/c.yml", "two-renames", "old"),
        ("built", "exchange", "old"),  # complete new tree, not swapped yet
        ("exchanged", "exchange", "new"),  # swapped in one step; old tree not yet removed
        ("renamed", "two-renames", "new"),  # second rename done; old tree not yet removed
    ],
)
def test_a_kill_at_any_instant_leaves_old_or_new_and_the_next_run_cleans_up(
    out: Path, instant: str, mode: str, state: str
) -> None:
    before = snapshot(out)
    users = user_entries(out)
    assert run_writer(out, instant, mode) == 9
    if state == "old":
        assert snapshot(out) == before
    else:
        assert generated(out) == expected_new(out)
    assert user_entries(out) == users
    assert leftovers(out.parent), "the kill left its temporary tree behind"
    write_outputs(out, NEW)
    assert generated(out) == expected_new(out)
    assert (out / "empty").is_dir()
    assert leftovers(out.parent) == []


def test_a_kill_between_the_two_renames_is_rolled_back_by_the_next_run(out: Path) -> None:
    before = snapshot(out)
    assert run_writer(out, "between-renames", "two-renames") == 9
    assert not out.exists(), "the window this test is about: out/ renamed away, new not in"
    assert any(name.startswith(".out-old-") for name in leftovers(out.parent))
    swap.recover(out)
    assert snapshot(out) == before
    assert (out / "empty").is_dir()
    assert leftovers(out.parent) == []


def test_the_next_generate_after_a_kill_between_renames_keeps_the_users_files(out: Path) -> None:
    users = user_entries(out)
    assert run_writer(out, "between-renames", "two-renames") == 9
    write_outputs(out, NEW)
    assert user_entries(out) == users
    assert generated(out) == expected_new(out)
    assert leftovers(out.parent) == []


def test_a_kill_midway_through_an_in_place_write_is_finished_by_the_next_run(out: Path) -> None:
    assert run_writer(out, "b/c.yml", "in-place") == 9
    assert (out / "a.yml").read_text() == "a: 2\n", "files before the kill are new, each whole"
    assert (out / "stale" / "s.yml").read_text() == "s: 1\n"
    write_outputs(out, NEW)
    assert generated(out) == expected_new(out)
    assert not (out / ".obsgen-staging").exists()


def test_a_run_that_cannot_have_the_lock_fails_with_one_line(out: Path) -> None:
    before = snapshot(out)
    with locked(out.parent, "held by this test"), pytest.raises(OutDirError) as caught:
        write_outputs(out, NEW, lock_wait=0.2)
    assert caught.value.lines() == [
        f"{out.as_posix()}/: another obsgen run is still writing it after 0.2s of waiting; "
        "run again when it has finished"
    ]
    assert snapshot(out) == before


def test_overlapping_runs_take_turns_and_end_in_the_last_runs_output(
    out: Path, tmp_path: Path
) -> None:
    users = user_entries(out)
    ready = tmp_path / "first-holds-the-lock"
    first = subprocess.Popen(
        [sys.executable, "-c", KILLER, str(out), "sleep", "exchange", str(ready)], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ready.exists()
        started = time.monotonic()
        last = {"a.yml": "a: 3\n"}
        write_outputs(out, last)  # queues behind the first run's 1.5 s inside the lock
        assert time.monotonic() - started > 0.5
        assert first.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()
    assert generated(out) == {"a.yml": b"a: 3\n", **users}
    assert leftovers(out.parent) == []


def test_leftovers_of_other_out_dirs_are_not_touched(out: Path) -> None:
    sibling = out.parent / ".out-new-a-old-x1y2z3w4"  # `out-new-a`'s, not `out`'s
    sibling.mkdir()
    (sibling / "theirs").write_text("x\n")
    write_outputs(out, NEW)
    assert (sibling / "theirs").read_text() == "x\n"


def test_temp_trees_piled_up_by_killed_runs_of_earlier_versions_are_all_removed(
    out: Path,
) -> None:
    users = user_entries(out)
    for name in (".out-new-abcd1234", ".out-new-x_y_z_00", ".out-old-qwer5678"):
        (out.parent / name / "prometheus").mkdir(parents=True)
        (out.parent / name / "notes.md").write_text("a copy\n")
    write_outputs(out, NEW)
    assert leftovers(out.parent) == []
    assert user_entries(out) == users  # out/ existed: the old tree was a leftover, not a rescue


def test_check_waits_for_a_generate_in_progress_then_gives_up_with_one_line(out: Path) -> None:
    from generator.output import compare

    with locked(out.parent, "held by a generate"), pytest.raises(OutDirError) as caught:
        compare(out, OLD, lock_wait=0.2)
    assert caught.value.lines() == [
        f"{out.as_posix()}/: another obsgen run is still writing it after 0.2s of waiting; "
        "run again when it has finished"
    ]
    with locked(out.parent, "another check", shared=True):
        assert compare(out, OLD, lock_wait=0.2) == [], "checks share the lock"
