"""The pipeline, step by step: load -> spec -> plan -> render -> validate."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from generator.model import Plan
from generator.parse import read_spec
from generator.plan import build_plan
from generator.render import render
from generator.spec import Spec
from generator.validate import validate_outputs


@dataclass(frozen=True)
class Build:
    """A rendered and validated spec."""

    spec: Spec
    plan: Plan
    files: dict[str, str]


def display_name(spec_path: Path, out: Path) -> str:
    """How outputs and messages name the spec: relative to out/'s parent (the repo root)."""
    base = out.absolute().parent
    try:
        rel = os.path.relpath(spec_path.absolute(), base)
    except ValueError:
        return spec_path.as_posix()
    return Path(rel).as_posix() if not rel.startswith("..") else spec_path.as_posix()


def build(
    spec_path: Path, out: Path, display: str | None = None, templates: Path | None = None
) -> Build:
    """Run every step short of writing; raise ObsgenError subclasses on bad input.

    `templates` is a directory of user templates overriding built-in ones by relative path.
    """
    name = display or display_name(spec_path, out)
    spec, _doc = read_spec(spec_path, name)
    plan = build_plan(spec, name)
    files = render(plan, templates)
    validate_outputs(plan, files)
    return Build(spec, plan, files)
