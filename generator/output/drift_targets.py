"""Which `--target` options a `check` needs: out/'s manifest says what it was generated with.

A folder generated with `--target kubernetes` holds kubernetes/...; checked without the
option, every plain file would be "missing" and every Kubernetes file "stale", and the usual
advice (run `obsgen generate`) would delete them. `check` names the options instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from generator.output.targets import PLANNERS, selected
from generator.output.write import read_manifest


def target_of(path: str) -> str:
    """The `--target` that renders an output path (`files` for the plain layout)."""
    top = path.split("/", 1)[0]
    return top if top in PLANNERS else "files"


def targets_of(paths: Iterable[str]) -> tuple[str, ...]:
    """The `--target` options that render these paths, in canonical order."""
    return selected({target_of(p) for p in paths})


def target_hint(out: Path, rendered: Iterable[str]) -> str | None:
    """What to pass when out/ was generated with other `--target` options than `rendered`
    (this check's files) come from; None when they agree or out/ has no manifest."""
    written = read_manifest(out)
    if not written:
        return None
    generated, checking = targets_of(written), targets_of(rendered)
    if generated == checking:
        return None
    options = " ".join(f"--target {t}" for t in generated)
    return (
        f"{out.as_posix().rstrip('/')}/ was generated with {options}; "
        f"check it with the same: obsgen check ... {options}"
    )
