"""Reading rule files: what a rule set depends on, and what its history must contain.

- `closure`: the rules a set of files reads but does not record (obsgen's `slo.yml` reads
  `service:*:rate5m` from `recording.yml`) are pulled in from sibling files, so each side is
  measured with exactly the rules it needs.
- `backfill_levels`: which recorded series must exist in the past (read over a range longer
  than 5m or with `offset`, plus whatever those are computed from), in dependency order:
  level 0 reads raw series only, level n reads level n-1. promtool evaluates rules against a
  server, so each level is backfilled once the previous one is loaded.
Found by reading, not hard-coded: our `slo:sli_*:rate5m` (two levels in obsgen's output,
one in our_shapes.py) and Sloth's `slo:sli_error:ratio_rate5m` (for its 30d average) alike.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

Group = dict[str, Any]
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_SEL = r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{[^}]*\})?\s*"
_RANGE = re.compile(_SEL + r"\[(\d+)([smhdwy])\]")
_OFFSET = re.compile(_SEL + r"(?:\[[^\]]*\]\s*)?offset\b")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def load(files: list[Path]) -> list[Group]:
    """All groups of the files, in order."""
    return [g for f in files for g in (yaml.safe_load(f.read_text()) or {}).get("groups") or []]


def _rules(groups: list[Group]) -> list[dict[str, Any]]:
    return [r for g in groups for r in g.get("rules") or []]


def _code(expr: object) -> str:
    """Expression without its string literals (label values are not metric names)."""
    return _STRING.sub('""', str(expr))


def refs(expr: object, recorded: set[str]) -> set[str]:
    """Recorded series an expression reads."""
    return {n for n in _NAME.findall(_code(expr)) if n in recorded}


def _filtered(groups: list[Group], records: set[str], prefix: str) -> list[Group]:
    """Copies of the groups holding only the recording rules of `records`."""
    out = []
    for i, g in enumerate(groups):
        picked = [r for r in g.get("rules") or [] if r.get("record") in records]
        if picked:
            grp = {"name": f"{prefix}{i}-{g['name']}", "rules": picked}
            if "interval" in g:
                grp["interval"] = g["interval"]
            out.append(grp)
    return out


def closure(files: list[Path]) -> tuple[list[Group], list[str], list[str]]:
    """(groups from sibling *.yml files that `files` depend on, their record names, warnings)."""
    own = load(files)
    own_recorded = {r["record"] for r in _rules(own) if "record" in r}
    siblings = sorted({p for f in files for p in f.parent.glob("*.yml")} - set(files))
    other = load(siblings)
    other_recorded = {r["record"] for r in _rules(other) if "record" in r}
    need: set[str] = set()
    todo = list(_rules(own))
    while todo:
        r = todo.pop()
        for name in refs(r["expr"], other_recorded) - own_recorded - need:
            need.add(name)
            todo += [x for x in _rules(other) if x.get("record") == name]
    recorded = own_recorded | need
    used = _rules(own) + [r for r in _rules(other) if r.get("record") in need]
    unresolved = {
        n for r in used for n in _NAME.findall(_code(r["expr"])) if ":" in n and n not in recorded
    }
    warnings = [f"{n} is read but recorded by no rule file" for n in sorted(unresolved)]
    return _filtered(other, need, "dep-"), sorted(need), warnings


def backfill_levels(groups: list[Group]) -> list[list[Group]]:
    """Rule groups to backfill, one list per dependency level (empty when none needed)."""
    rules = _rules(groups)
    recorded = {r["record"] for r in rules if "record" in r}
    wanted = {
        name
        for r in rules
        for name, n, unit in _RANGE.findall(_code(r["expr"]))
        if name in recorded and int(n) * _UNIT[unit] > 300
    } | {name for r in rules for name in _OFFSET.findall(_code(r["expr"])) if name in recorded}
    inputs: dict[str, set[str]] = {}
    for r in rules:
        if "record" in r:
            inputs.setdefault(r["record"], set()).update(refs(r["expr"], recorded))
    level: dict[str, int] = {}

    def depth(name: str, seen: frozenset[str]) -> int:
        if name not in level:
            if name in seen:
                raise ValueError(f"recording rules form a cycle through {name}")
            deps = [depth(d, seen | {name}) for d in inputs.get(name, ())]
            level[name] = 1 + max(deps) if deps else 0
        return level[name]

    needed: set[str] = set()
    todo = list(wanted)
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo += inputs.get(name, ())
    for name in needed:
        depth(name, frozenset())
    top = max((level[n] for n in needed), default=-1)
    return [
        _filtered(groups, {n for n in needed if level[n] == lvl}, f"backfill-{lvl}-")
        for lvl in range(top + 1)
    ]


def describe(groups: list[Group]) -> str:
    """`N rules in M groups`."""
    return f"{len(_rules(groups))} rules in {len(groups)} groups"


def records(groups: list[Group]) -> list[str]:
    """Record names of the groups, sorted."""
    return sorted({r["record"] for r in _rules(groups) if "record" in r})


def write(path: Path, groups: list[Group]) -> Path:
    """Write a rule file."""
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=1000))
    return path
