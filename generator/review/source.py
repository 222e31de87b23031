"""Where `obsgen diff` reads its two specs: paths (files or split-spec directories), or one
spec path at two git revisions, materialised in a temporary directory."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from generator.errors import ObsgenError
from generator.plan import Plan, build_plan, read_spec


class RevisionError(ObsgenError):
    """A git revision or the spec path in it could not be read."""


def plan_of(path: Path, display: str) -> Plan:
    """Load, check and plan one spec (SpecError with located problems when it is bad)."""
    spec, _doc = read_spec(path, display)
    return build_plan(spec, display)


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
        )
    except FileNotFoundError:
        raise RevisionError("git is not installed: --git needs it") from None
    if done.returncode != 0:
        raise RevisionError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def at_revision(spec: Path, revision: str, into: Path) -> tuple[Path, str]:
    """Write `spec` (a file or a directory) as it was at `revision` under `into`; return the
    copy's path and how messages name it (`REV:path`)."""
    here = spec.parent if not spec.is_dir() else spec
    top = Path(_git(here if here.exists() else Path.cwd(), "rev-parse", "--show-toplevel").strip())
    rel = PurePosixPath(Path(spec.absolute()).relative_to(top).as_posix())
    names = _git(top, "ls-tree", "-r", "--name-only", revision, "--", str(rel)).splitlines()
    if not names:
        raise RevisionError(f"{revision}:{rel}: no such file or directory at that revision")
    for name in names:
        text = _git(top, "show", f"{revision}:{name}")
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return into / str(rel), f"{revision}:{rel}"


def plans_at_revisions(spec: Path, before: str, after: str) -> tuple[Plan, Plan, str, str]:
    """The plans of `spec` at two git revisions, and their display names."""
    with tempfile.TemporaryDirectory(prefix="obsgen-diff-") as tmp:
        old_path, old_name = at_revision(spec, before, Path(tmp) / "before")
        new_path, new_name = at_revision(spec, after, Path(tmp) / "after")
        return plan_of(old_path, old_name), plan_of(new_path, new_name), old_name, new_name
