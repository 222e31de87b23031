"""Team files of a split spec add routes under their team's route: merged after the root's
own children in file order, and every conflict named with both file:line locations."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.errors import SpecError
from generator.pipeline import build
from generator.plan import read_spec
from tests.conftest import ROOT, invoke_cli, snapshot

SPLIT = ROOT / "examples" / "split" / "spec"
LEDGER = """services:
  ledger:
    tier: critical
    team: payments
    selector: {job: ledger}
    container: {name: ledger}
    targets: ["ledger:8080"]
routing:
  routes:
"""


@pytest.fixture
def split(tmp_path: Path) -> Path:
    target = tmp_path / "spec"
    shutil.copytree(SPLIT, target)
    return target


def problems(split: Path) -> list[str]:
    with pytest.raises(SpecError) as err:
        read_spec(split, "spec")
    return err.value.lines()


def receivers(split: Path) -> dict[tuple[str, str], set[tuple[str, ...]]]:
    plan = build(split, split.parent / "out", display="spec").plan
    assert plan.alertmanager is not None
    out: dict[tuple[str, str], set[tuple[str, ...]]] = {}
    for row in plan.alertmanager.rows:
        found = dict(row.labels)
        out.setdefault((found["service"], found["severity"]), set()).add(row.receivers)
    return out


def test_a_team_files_route_goes_under_its_teams_route() -> None:
    spec, _ = read_spec(SPLIT, "examples/split/spec")
    assert spec.routing is not None
    (payments,) = [r for r in spec.routing.routes if r.match.team == ("payments",)]
    assert [(c.match.service, c.receiver) for c in payments.routes] == [
        (("orders-db",), "payments-dba-pager")
    ]


def test_the_team_route_takes_only_what_its_parent_takes(split: Path) -> None:
    got = receivers(split)
    assert got[("orders-db", "critical")] == {("payments-dba-pager",)}
    assert got[("orders-db", "warning")] == {("platform-chat",)}  # the parent takes criticals
    assert got[("checkout", "critical")] == {("payments-pager",)}


def test_a_second_team_file_appends_after_the_first_in_path_order(split: Path) -> None:
    (split / "teams" / "payments-ledger.yaml").write_text(
        LEDGER + "    - match: {service: ledger}\n      receiver: platform-chat\n"
    )
    spec, _ = read_spec(split, "spec")
    assert spec.routing is not None
    (payments,) = [r for r in spec.routing.routes if r.match.team == ("payments",)]
    # teams/payments-ledger.yaml sorts before teams/payments.yaml
    assert [c.match.service for c in payments.routes] == [("ledger",), ("orders-db",)]


def test_two_files_routing_the_same_alerts_name_both(split: Path) -> None:
    (split / "teams" / "zz-ledger.yaml").write_text(
        LEDGER + "    - match: {service: orders-db}\n      receiver: platform-chat\n"
    )
    assert problems(split) == [
        "spec/teams/zz-ledger.yaml:10:7: routing.routes[0]: routes the same alerts as "
        "spec/teams/payments.yaml:37:7 (an equal match under team 'payments'); each route "
        "belongs to one file"
    ]


def test_a_team_file_routing_another_teams_alerts_is_an_error(split: Path) -> None:
    (split / "teams" / "zz-ledger.yaml").write_text(
        LEDGER + "    - match: {team: search}\n      receiver: platform-chat\n"
        "    - match: {service: search}\n      receiver: platform-chat\n"
    )
    assert problems(split) == [
        "spec/teams/zz-ledger.yaml:10:7: routing.routes[0]: routes the alerts of team "
        "'search'; a team file routes only its own team's ('payments'): move the route to "
        "that team's file or to the root",
        "spec/teams/zz-ledger.yaml:12:7: routing.routes[1]: routes service 'search', which "
        "team 'payments' does not own; a team file routes only its own team's services and "
        "datastores",
    ]


def test_a_team_without_a_route_in_the_root_is_told_to_add_one(split: Path) -> None:
    (split / "teams" / "risk.yaml").write_text(
        LEDGER.replace("team: payments", "team: risk")
        + "    - match: {service: ledger}\n      receiver: platform-chat\n"
    )
    assert problems(split) == [
        "spec/teams/risk.yaml:9:3: routing.routes: the root routing has no route for team "
        "'risk' to hold this file's routes; add one to the root, e.g. `- match: {team: risk}`"
    ]


def test_routes_in_a_file_of_no_single_team_are_an_error(split: Path) -> None:
    (split / "teams" / "orphan.yaml").write_text(
        "routing:\n  routes:\n    - match: {service: search}\n      receiver: platform-chat\n"
    )
    assert problems(split) == [
        "spec/teams/orphan.yaml:2:3: routing.routes: routes of a team file go under its "
        "team's route, so the file's services must all name one team (`team: ...`); found none"
    ]


def test_the_cli_exits_2_on_a_team_route_conflict_and_leaves_out_alone(
    split: Path, tmp_path: Path
) -> None:
    (split / "teams" / "zz-ledger.yaml").write_text(
        LEDGER + "    - match: {team: search}\n      receiver: platform-chat\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(out)
    res = invoke_cli("generate", str(split), "--out", str(out))
    assert res.returncode == 2
    assert "zz-ledger.yaml:10:7: routing.routes[0]: routes the alerts of team 'search'" in (
        res.stderr
    )
    assert "Traceback" not in res.stderr
    assert snapshot(out) == before
