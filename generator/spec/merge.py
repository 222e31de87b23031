"""Split specs: a directory of YAML files merged into one spec document.

Every `*.yaml`/`*.yml` file under the directory (recursively, in sorted path order) is one
part: typically a root file with the defaults (version, name, tiers, routing, prometheus)
and one file per team or service. Mappings merge key by key. A value defined by two files
is a conflict, and so is a named entry (a service, tier, metric, datastore, receiver...)
defined by two files even when both are mappings: the error names both files and lines.
A part other than the root may add `routing.routes` under its team's route (team_routes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.errors import Location, Problem, SpecError
from generator.spec.load import Document, PathT, format_path, load_file
from generator.spec.paths import is_named_map
from generator.spec.team_routes import TeamRoutes, merge_team_routes, take_team_routes

# A split spec is a team's files, not a file system: walking a home directory or a mounted
# volume by mistake stops here with one line instead of reading for minutes.
MAX_ENTRIES = 20_000
MAX_PARTS = 2_000


def spec_files(directory: Path, display: str | None = None) -> list[Path]:
    """The YAML parts of a split spec, in a deterministic order.

    The walk (symlinked directories are not followed) stops at MAX_ENTRIES entries or
    MAX_PARTS YAML parts with a SpecError naming the directory."""
    where = Location(display or str(directory), 1, 1)
    files: list[Path] = []
    for seen, path in enumerate(directory.rglob("*"), start=1):
        if seen > MAX_ENTRIES:
            raise SpecError([Problem(where, "", _too_big(f"more than {MAX_ENTRIES:,} entries"))])
        if path.suffix in (".yaml", ".yml") and path.is_file():
            files.append(path)
            if len(files) > MAX_PARTS:
                what = f"more than {MAX_PARTS:,} YAML files"
                raise SpecError([Problem(where, "", _too_big(what))])
    return sorted(files, key=lambda p: p.relative_to(directory).as_posix())


def _too_big(what: str) -> str:
    return f"the split-spec directory holds {what}; point obsgen at the spec's own directory"


def _merge(
    into: dict[str, Any], part: dict[str, Any], path: PathT, merged: Document, doc: Document
) -> list[Problem]:
    problems = []
    named = is_named_map(path, merged.data) if path else False
    for key, value in part.items():
        here = (*path, key)
        if key not in into:
            into[key] = value
            _adopt(merged, doc, here)
            continue
        first = merged.locate(here, key=True)
        both_maps = isinstance(into[key], dict) and isinstance(value, dict)
        if both_maps and not named:
            problems += _merge(into[key], value, here, merged, doc)
            continue
        problems.append(
            Problem(
                doc.locate(here, key=True),
                format_path(here),
                f"also defined in {first}; each value belongs to one file of a split spec",
            )
        )
    return problems


def _adopt(merged: Document, doc: Document, prefix: PathT) -> None:
    """Take the locations of everything under `prefix` from the part that defined it."""
    n = len(prefix)
    for table, source in ((merged.values, doc.values), (merged.keys, doc.keys)):
        for path, loc in source.items():
            if path[:n] == prefix:
                table[path] = loc


def load_directory(directory: Path, display: str) -> Document:
    """Load and merge every part of a split spec; raise SpecError listing every conflict."""
    files = spec_files(directory, display)
    if not files:
        nowhere = Location(display, 1, 1)
        raise SpecError([Problem(nowhere, "", "the directory holds no *.yaml spec files")])
    merged = Document(display, {})
    problems: list[Problem] = []
    team_routes: list[TeamRoutes] = []
    for path in files:
        rel = path.relative_to(directory).as_posix()
        doc = load_file(path, f"{display.rstrip('/')}/{rel}")
        if not isinstance(doc.data, dict):
            problems.append(doc.problem((), "each file of a split spec must be a mapping"))
            continue
        if not merged.values:
            merged.values[()] = doc.locate(())
        taken = take_team_routes(doc)
        if taken is not None:
            team_routes.append(taken)
        problems += _merge(merged.data, doc.data, (), merged, doc)
    if not problems:
        problems += merge_team_routes(merged, team_routes)
    if problems:
        raise SpecError(problems)
    return merged
