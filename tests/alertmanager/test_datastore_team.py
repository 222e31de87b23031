"""A datastore's `team` (default `defaults.team`) reaches routing like a service's team: a
route matching the team takes the datastore's alerts, and only those."""

from __future__ import annotations

from pathlib import Path

from generator.pipeline import build
from tests.conftest import DURI_OUT, DURI_SPEC

CACHE_ROUTE = """    - match: {severity: warning, team: cache}   # the cache team's own
      receiver: duri-oncall
    - match: {severity: [warning, info]}   # warnings (and SLO tickets) to the team chat"""


def duri_with_cache_team(tmp_path: Path, team_line: str) -> Path:
    text = DURI_SPEC.read_text()
    redis = '    targets: ["redis-exporter:9121"]\n'
    chat = (
        "    - match: {severity: [warning, info]}   # warnings (and SLO tickets) to the team chat"
    )
    assert text.count(redis) == 1 and text.count(chat) == 1
    text = text.replace(redis, redis + team_line).replace(chat, CACHE_ROUTE)
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def warning_receivers(spec: Path) -> dict[str, set[tuple[str, ...]]]:
    plan = build(spec, DURI_OUT).plan
    assert plan.alertmanager is not None
    out: dict[str, set[tuple[str, ...]]] = {}
    for row in plan.alertmanager.rows:
        found = dict(row.labels)
        if found.get("severity") == "warning":
            out.setdefault(found["service"], set()).add(row.receivers)
    return out


def test_a_datastore_team_route_takes_that_datastores_warnings_only(tmp_path: Path) -> None:
    receivers = warning_receivers(duri_with_cache_team(tmp_path, "    team: cache\n"))
    assert receivers["redis"] == {("duri-oncall",)}
    assert receivers["postgres"] == {("duri-chat",)}
    assert ("duri-chat",) in receivers["duri-core"]
    assert not any("duri-oncall" in r for r in receivers["duri-core"])


def test_a_datastore_without_a_team_is_the_default_teams(tmp_path: Path) -> None:
    text = DURI_SPEC.read_text().replace(
        "    - match: {severity: [warning, info]}   # warnings (and SLO tickets) to the team chat",
        "    - match: {severity: warning, team: duri}\n      receiver: duri-oncall\n"
        "    - match: {severity: [warning, info]}",
    )
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    receivers = warning_receivers(path)
    assert receivers["redis"] == {("duri-oncall",)}
    assert receivers["postgres"] == {("duri-oncall",)}
