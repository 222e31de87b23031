"""Routes that a team file of a split spec adds under its team's route.

The root file (the part whose `routing` names the default `receiver`) owns the route tree.
Another part may hold `routing.routes`: they are that file's team's own routes. The file's
team is the one `team` its services (and datastores) name; its routes become child routes
of the root's first top-level route whose `match.team` is exactly that team, after the
root's own children, in the parts' sorted path order, so the merge is deterministic.
Conflicts name both places: two files routing the same alerts (equal `match`) under one
team, and a route of a team file that matches another team or another team's service.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from generator.errors import Problem
from generator.spec.load import Document, PathT

ROUTES: PathT = ("routing", "routes")


@dataclass
class TeamRoutes:
    """The routes one part holds, taken out of it before the merge."""

    doc: Document
    routes: list[Any]
    teams: set[Any]  # taken before the merge, which shares the part's mappings


def take_team_routes(doc: Document) -> TeamRoutes | None:
    """Remove `routing.routes` from a part that is not the root (no `routing.receiver`)."""
    routing = doc.data.get("routing") if isinstance(doc.data, dict) else None
    if not isinstance(routing, dict) or "receiver" in routing or "routes" not in routing:
        return None
    routes = routing.pop("routes")
    if not routing:
        del doc.data["routing"]
    return TeamRoutes(doc, routes if isinstance(routes, list) else [routes], _teams_of(doc.data))


def _teams_of(data: dict[str, Any]) -> set[Any]:
    named = [
        entry.get("team")
        for section in ("services", "datastores")
        for entry in (data.get(section) or {}).values()
        if isinstance(entry, dict)
    ]
    return set(named)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _team_route(merged: Document, team: str) -> int | None:
    routing = merged.data.get("routing")
    routes = routing.get("routes") if isinstance(routing, dict) else None
    for index, route in enumerate(routes if isinstance(routes, list) else []):
        match = route.get("match") if isinstance(route, dict) else None
        if isinstance(match, dict) and _as_list(match.get("team")) == [team]:
            return index
    return None


def _move(merged: Document, doc: Document, src: PathT, dst: PathT) -> None:
    """Locations of everything under `src` in the part, recorded under `dst` in the merge."""
    n = len(src)
    for table, source in ((merged.values, doc.values), (merged.keys, doc.keys)):
        for path, loc in source.items():
            if path[:n] == src:
                table[(*dst, *path[n:])] = loc


def _owned(merged: Document, team: str) -> set[str]:
    """The services and datastores naming `team` (alerts carry their name as `service`)."""
    return {
        name
        for section in ("services", "datastores")
        for name, entry in (merged.data.get(section) or {}).items()
        if isinstance(entry, dict) and entry.get("team") == team
    }


def _route_problem(route: Any, team: str, owned: set[str]) -> str | None:
    match = route.get("match") if isinstance(route, dict) else None
    if not isinstance(match, dict):
        return None  # the model reports the shape
    others = [t for t in _as_list(match.get("team", team)) if t != team]
    if others:
        return (
            f"routes the alerts of team {others[0]!r}; a team file routes only its own team's "
            f"({team!r}): move the route to that team's file or to the root"
        )
    strangers = sorted(s for s in _as_list(match.get("service", [])) if s not in owned)
    if strangers:
        return (
            f"routes service {strangers[0]!r}, which team {team!r} does not own; a team file "
            "routes only its own team's services and datastores"
        )
    return None


def merge_team_routes(merged: Document, parts: list[TeamRoutes]) -> list[Problem]:
    """Append each part's routes under its team's route in `merged`; problems name both
    file:line locations of a conflict."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], Any] = {}  # (team, match as JSON) -> where first defined
    for part in parts:
        here = part.doc.locate(ROUTES, key=True)
        teams = part.teams
        if len(teams) != 1 or None in teams:
            problems.append(
                Problem(
                    here,
                    "routing.routes",
                    "routes of a team file go under its team's route, so the file's services "
                    "must all name one team (`team: ...`); found "
                    + (", ".join(sorted(map(str, teams - {None}))) or "none"),
                )
            )
            continue
        team = str(next(iter(teams)))
        index = _team_route(merged, team)
        if index is None:
            problems.append(
                Problem(
                    here,
                    "routing.routes",
                    f"the root routing has no route for team {team!r} to hold this file's "
                    f"routes; add one to the root, e.g. `- match: {{team: {team}}}`",
                )
            )
            continue
        parent = merged.data["routing"]["routes"][index]
        children = parent.setdefault("routes", [])
        if not isinstance(children, list):
            continue  # the model reports the shape
        owned = _owned(merged, team)
        for i, route in enumerate(part.routes):
            src = (*ROUTES, i)
            wrong = _route_problem(route, team, owned)
            if wrong:
                problems.append(Problem(part.doc.locate(src), f"routing.routes[{i}]", wrong))
                continue
            match = route.get("match") if isinstance(route, dict) else None
            key = (team, json.dumps(match, sort_keys=True, default=str))
            if key in seen:
                problems.append(
                    Problem(
                        part.doc.locate(src),
                        f"routing.routes[{i}]",
                        f"routes the same alerts as {seen[key]} (an equal match under team "
                        f"{team!r}); each route belongs to one file",
                    )
                )
                continue
            seen[key] = part.doc.locate(src)
            _move(merged, part.doc, src, (*ROUTES, index, "routes", len(children)))
            children.append(route)
    return problems
