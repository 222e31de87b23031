"""Checks of the rendered Grafana files: our JSON Schemas, what Grafana itself enforces
(grid inside 24 columns, no overlaps, unique ids and uids, titles), and every panel query:
it parses with promql-parser once Grafana's variables are substituted, and reads only
declared metrics or recorded series."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from generator.core import conventions as cv
from generator.grafana.model import GrafanaPlan
from generator.prometheus import expression_problem

if TYPE_CHECKING:
    import jsonschema

SCHEMAS = Path(__file__).resolve().parent / "schemas"
PANEL_TYPES = frozenset({"timeseries", "stat", "gauge", "table", "row"})
GRID_COLUMNS = 24
UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# $name, ${name} and ${name:format}; Grafana's legacy [[name]] form is never emitted.
VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")
# Grafana's global variables a query may use, with a value of the same kind for parsing.
GLOBALS = {
    "__interval": "1m",
    "__rate_interval": "1m",
    "__range": "1h",
    "__interval_ms": "60000",
    "__range_s": "3600",
}


@cache
def schema(name: str) -> dict[str, Any]:
    """One of obsgen's own JSON Schemas (shipped inside the package)."""
    loaded: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return loaded


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    # built once per schema: every dashboard of a run (and of a test session) shares it;
    # imported here, as only `check`, `validate` and template overrides ask for schemas
    import jsonschema

    return jsonschema.Draft202012Validator(schema(name))


def schema_problems(document: Any, name: str) -> list[str]:
    """Where `document` breaks obsgen's schema `name`, one line per violation."""
    # dashboards repeat across renders (check after generate, tests, unchanged services):
    # validate each distinct document once
    key = json.dumps(document, sort_keys=True, default=str)
    return list(_schema_problems(key, name))


@lru_cache(maxsize=256)
def _schema_problems(key: str, name: str) -> tuple[str, ...]:
    document = json.loads(key)
    validator = _validator(name)
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        problems.append(f"{where.lstrip('.') or '(document)'}: {error.message}")
    return tuple(problems)


def all_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows' nested panels included."""
    for item in dashboard.get("panels") or []:
        yield item
        yield from item.get("panels") or []


def _overlaps(a: dict[str, int], b: dict[str, int]) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )


def layout_problems(dashboard: dict[str, Any]) -> list[str]:
    """What Grafana enforces or silently repairs: ids, titles, types and the grid."""
    problems = []
    uid = dashboard.get("uid")
    if not isinstance(uid, str) or not UID.match(uid):
        problems.append(f"uid {uid!r} is not 1-40 letters, digits, '-' or '_'")
    if not str(dashboard.get("title") or "").strip():
        problems.append("the dashboard has no title")
    seen: dict[int, str] = {}
    placed: list[tuple[str, dict[str, int]]] = []
    for panel in all_panels(dashboard):
        title = str(panel.get("title") or "")
        name = f"panel {panel.get('id')} ({title or 'untitled'})"
        if not title.strip():
            problems.append(f"{name}: empty title")
        if panel.get("type") not in PANEL_TYPES:
            problems.append(
                f"{name}: type {panel.get('type')!r} is not one of {sorted(PANEL_TYPES)}"
            )
        pid = panel.get("id")
        if not isinstance(pid, int):
            problems.append(f"{name}: id must be an integer")
        elif pid in seen:
            problems.append(f"{name}: id {pid} is also the id of {seen[pid]}")
        else:
            seen[pid] = name
        grid = panel.get("gridPos") or {}
        if not all(isinstance(grid.get(k), int) for k in ("x", "y", "w", "h")):
            problems.append(f"{name}: gridPos needs integer x, y, w and h")
            continue
        if grid["x"] < 0 or grid["w"] < 1 or grid["x"] + grid["w"] > GRID_COLUMNS:
            problems.append(f"{name}: x {grid['x']} + w {grid['w']} leaves the 24-column grid")
        for other, other_grid in placed:
            if _overlaps(grid, other_grid):
                problems.append(f"{name}: overlaps {other}")
        placed.append((name, grid))
        refs = [t.get("refId") for t in panel.get("targets") or []]
        if len(refs) != len(set(refs)):
            problems.append(f"{name}: refIds repeat: {refs}")
    return problems + _gap_problems(dashboard)


def _gap_problems(dashboard: dict[str, Any]) -> list[str]:
    """Lines of panels (those starting at one y) that leave columns of the grid empty."""
    lines: dict[int, set[int]] = {}
    for panel in all_panels(dashboard):
        grid = panel.get("gridPos") or {}
        if panel.get("type") == "row" or not all(isinstance(grid.get(k), int) for k in "xyw"):
            continue
        lines.setdefault(grid["y"], set()).update(range(grid["x"], grid["x"] + grid["w"]))
    problems = []
    for y, covered in sorted(lines.items()):
        empty = sorted(set(range(GRID_COLUMNS)) - covered)
        if empty:
            problems.append(
                f"the panels at y {y} leave columns {empty[0]}-{empty[-1]} of the grid empty"
            )
    return problems


def substitute(expr: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """`expr` with Grafana variables replaced by sample values, and the undefined ones."""
    undefined: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name in values:
            return values[name]
        undefined.append(name)
        return match.group(0)

    return VARIABLE.sub(replace, expr), undefined


def query_problems(dashboard: dict[str, Any], known: frozenset[str]) -> list[str]:
    """Every target parses (variables substituted) and reads only known series."""
    values = dict(GLOBALS)
    for variable in (dashboard.get("templating") or {}).get("list") or []:
        options = [o.get("value") for o in variable.get("options") or []]
        values[variable.get("name")] = options[0] if options else "sample"
    problems = []
    for panel in all_panels(dashboard):
        for target in panel.get("targets") or []:
            where = f"panel {panel.get('id')} ({panel.get('title')}) query {target.get('refId')}"
            expr, undefined = substitute(str(target.get("expr") or ""), values)
            if undefined:
                problems.append(f"{where}: uses undefined variable(s) {', '.join(undefined)}")
                continue
            if problem := expression_problem(expr, known):
                problems.append(f"{where}: {problem}")
    return problems


def check_grafana(
    grafana: GrafanaPlan | None, known: frozenset[str], parsed: dict[str, Any]
) -> list[str]:
    """Every Grafana output against Grafana's own rules and the PromQL checks, queries
    reading only `known` series (the JSON Schemas are `check_grafana_schemas`, a deep check)."""
    if grafana is None:
        return []
    problems: list[str] = []
    uids: dict[str, str] = {}
    for dashboard in grafana.dashboards:
        doc = parsed.get(dashboard.path)
        if not _dashboard_shaped(doc):
            problems.append(f"{dashboard.path}: not a dashboard object with a string uid")
            continue
        found = layout_problems(doc) + query_problems(doc, known)
        if doc["uid"] in uids:
            found.append(f"uid {doc['uid']!r} is also the uid of {uids[doc['uid']]}")
        uids[doc["uid"]] = dashboard.path
        problems += [f"{dashboard.path}: {p}" for p in found]
    datasources = parsed.get(grafana.datasources_path)
    if not isinstance(datasources, dict):
        return [*problems, f"{grafana.datasources_path}: not a provisioning object"]
    for doc_path in (d.path for d in grafana.dashboards):
        current = _datasource_default(parsed.get(doc_path))
        provisioned = [d.get("uid") for d in datasources.get("datasources") or []]
        if current is not None and current not in provisioned:
            problems.append(
                f"{doc_path}: the {cv.DATASOURCE_VARIABLE} variable defaults to {current!r}, "
                f"which {grafana.datasources_path} does not provision"
            )
    return problems


def _dashboard_shaped(doc: Any) -> TypeGuard[dict[str, Any]]:
    """Enough of a dashboard for the layout and query checks to read it."""
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("uid"), str)
        and isinstance(doc.get("panels", []), list)
        and all(isinstance(p, dict) for p in all_panels(doc))
    )


def check_grafana_schemas(grafana: GrafanaPlan | None, parsed: dict[str, Any]) -> list[str]:
    """Every Grafana output against obsgen's JSON Schemas (docs/grafana.md)."""
    if grafana is None:
        return []
    problems: list[str] = []
    for dashboard in grafana.dashboards:
        found = schema_problems(parsed.get(dashboard.path), "grafana-dashboard.schema.json")
        problems += [f"{dashboard.path}: {p}" for p in found]
    for path in (grafana.datasources_path, grafana.providers_path):
        found = schema_problems(parsed.get(path), "grafana-provisioning.schema.json")
        problems += [f"{path}: {p}" for p in found]
    return problems


def _datasource_default(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return None
    for variable in (doc.get("templating") or {}).get("list") or []:
        if variable.get("type") == "datasource":
            value = (variable.get("current") or {}).get("value")
            return str(value) if value is not None else None
    return None
