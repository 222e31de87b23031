"""Every entry of out/ that obsgen did not write survives a run; out/ may be a symlink or a mount
point; an out/ that is (or holds) a git repository is refused."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from generator.errors import OutDirError
from generator.output import swap, write
from generator.output.write import write_outputs
from tests.conftest import DURI_SPEC, invoke_cli, snapshot

OLD = {"a.yml": "a: 1\n", "gone/old.yml": "o: 1\n", "keep/k.yml": "k: 1\n"}
NEW = {"a.yml": "a: 2\n", "keep/k.yml": "k: 2\n", "fresh/f.yml": "f: 2\n"}


def add_user_entries(out: Path, elsewhere: Path) -> None:
    """One user entry of every kind, some inside obsgen's own directories."""
    (out / "empty").mkdir()
    (out / "nested" / "deeper").mkdir(parents=True)
    (out / "notes.md").write_text("mine\n")
    (out / "keep" / "mine.txt").write_text("mine too\n")
    (out / "gone" / "mine.txt").write_text("in a directory obsgen empties\n")
    elsewhere.mkdir()
    (elsewhere / "target.txt").write_text("outside\n")
    (out / "to-dir").symlink_to(elsewhere)
    (out / "to-file").symlink_to(elsewhere / "target.txt")
    (out / "dangling").symlink_to("nowhere")
    os.mkfifo(out / "pipe")
    (out / "readonly").mkdir()
    (out / "readonly" / "r.txt").write_text("r\n")
    (out / "readonly").chmod(0o555)


def user_view(out: Path) -> dict[str, str]:
    """The user's entries, each as its kind and content (symlinks by their target)."""
    view = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if rel.startswith(".obsgen") or rel in {*OLD, *NEW, "fresh"}:
            continue
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            view[rel] = f"link -> {os.readlink(path)}"
        elif stat.S_ISDIR(mode):
            view[rel] = f"dir {oct(stat.S_IMODE(mode))}"
        elif stat.S_ISFIFO(mode):
            view[rel] = "fifo"
        else:
            view[rel] = path.read_text()
    return view


@pytest.mark.parametrize("mounted", [False, True], ids=["swapped", "in-place"])
def test_user_entries_of_every_kind_survive_and_obsgens_stale_files_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mounted: bool
) -> None:
    out = tmp_path / "out"
    write_outputs(out, OLD)
    add_user_entries(out, tmp_path / "elsewhere")
    users = user_view(out)
    if mounted:
        monkeypatch.setattr(write, "is_mount_point", lambda path: True)
    statuses = {s.path: s.status for s in write_outputs(out, NEW)}
    assert statuses == {
        "a.yml": "updated",
        "fresh/f.yml": "created",
        "gone/old.yml": "removed",
        "keep/k.yml": "updated",
    }
    assert user_view(out) == users
    assert {p: (out / p).read_text() for p in NEW} == NEW
    assert not (out / "gone" / "old.yml").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "out"]


def test_a_directory_that_held_only_stale_generated_files_goes_with_them(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_outputs(out, OLD)
    (out / "users-empty").mkdir()
    write_outputs(out, {"a.yml": "a: 1\n"})
    assert sorted(p.name for p in out.iterdir()) == [".obsgen-manifest", "a.yml", "users-empty"]


def test_a_symlinked_out_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "data" / "monitoring"
    write_outputs(real, OLD)
    (real / "notes.md").write_text("mine\n")
    out = tmp_path / "repo" / "out"
    out.parent.mkdir()
    out.symlink_to(real)
    write_outputs(out, NEW)
    assert out.is_symlink() and Path(os.readlink(out)) == real
    assert (real / "a.yml").read_text() == "a: 2\n"
    assert (real / "notes.md").read_text() == "mine\n"
    assert not (real / "gone").exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]
    assert sorted(p.name for p in real.parent.iterdir()) == ["monitoring"]


def test_a_dangling_symlinked_out_creates_its_target(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.symlink_to(tmp_path / "target")
    write_outputs(out, NEW)
    assert out.is_symlink()
    assert (tmp_path / "target" / "a.yml").read_text() == "a: 2\n"


def test_a_mount_point_keeps_its_directory_and_replaces_files_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bind mount needs root namespaces: the device check is simulated here."""
    out = tmp_path / "out"
    write_outputs(out, OLD)
    inode = out.stat().st_ino
    a_inode = (out / "a.yml").stat().st_ino
    monkeypatch.setattr(write, "is_mount_point", lambda path: path == out)
    monkeypatch.setattr(os, "rename", _refuse_renaming(out))
    write_outputs(out, NEW)
    assert out.stat().st_ino == inode, "the mounted directory itself is never replaced"
    assert (out / "a.yml").stat().st_ino != a_inode, "each file is replaced by a rename"
    assert {p: (out / p).read_text() for p in NEW} == NEW
    assert sorted(p.name for p in out.iterdir()) == [".obsgen-manifest", "a.yml", "fresh", "keep"]


def test_a_mount_the_device_check_misses_falls_back_to_in_place_on_ebusy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write_outputs(out, OLD)
    inode = out.stat().st_ino
    monkeypatch.setattr(os, "rename", _refuse_renaming(out))
    monkeypatch.setattr(swap, "exchange", _busy)
    write_outputs(out, NEW)
    assert out.stat().st_ino == inode
    assert {p: (out / p).read_text() for p in NEW} == NEW
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _busy(a: Path, b: Path) -> bool:
    raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(b))


def _refuse_renaming(mount: Path):  # type: ignore[no-untyped-def]
    """os.rename as the kernel does it for a mount point: EBUSY for the mount itself."""
    real_rename = os.rename

    def rename(src: object, dst: object) -> None:
        if Path(str(src)) == mount or Path(str(dst)) == mount:
            raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), str(src))
        real_rename(src, dst)  # type: ignore[arg-type]

    return rename


@pytest.mark.parametrize("where", [".git", "vendor/lib/.git"])
def test_an_out_holding_a_git_repository_is_refused_untouched(tmp_path: Path, where: str) -> None:
    out = tmp_path / "out"
    (out / where).mkdir(parents=True)
    (out / where / "HEAD").write_text("ref: refs/heads/main\n")
    before = snapshot(out)
    with pytest.raises(OutDirError, match="out/ holds a git repository"):
        write_outputs(out, NEW)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_generate_out_dot_at_a_repository_root_exits_2_and_touches_nothing(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copy(DURI_SPEC, tmp_path / "duri.yaml")
    before = snapshot(tmp_path)
    res = invoke_cli("generate", "duri.yaml", "--out", ".", cwd=tmp_path)
    assert res.returncode == 2
    assert res.stderr.splitlines() == [
        "./.git: out/ holds a git repository; obsgen replaces out/ as a whole and will not "
        "write there: give --out a directory of its own"
    ]
    assert snapshot(tmp_path) == before
