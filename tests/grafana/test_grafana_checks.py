"""The Grafana output checks catch what Grafana would reject or silently repair, queries
that do not parse or read unknown series, and anything outside our own schemas."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from generator.core import conventions as cv
from generator.errors import OutputError
from generator.grafana.checks import layout_problems, query_problems, schema_problems, substitute
from generator.output import validate_outputs
from generator.pipeline import Build
from tests.conftest import DURI_OUT, DURI_SPEC, render_spec

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def duri() -> Build:
    return render_spec(DURI_SPEC, DURI_OUT)


@pytest.fixture
def service(duri: Build) -> Doc:
    doc: Doc = json.loads(duri.files[cv.dashboard_file("duri", "service")])
    return doc


def known(build: Build) -> frozenset[str]:
    return build.plan.known_series()


def data_panel(doc: Doc, index: int = 0) -> Doc:
    panels: list[Doc] = [p for p in doc["panels"] if p["type"] != "row"]
    return panels[index]


def test_generated_dashboards_pass_every_check(duri: Build) -> None:
    for path, text in duri.files.items():
        if path.endswith(".json"):
            doc = json.loads(text)
            assert schema_problems(doc, "grafana-dashboard.schema.json") == []
            assert layout_problems(doc) == []
            assert query_problems(doc, known(duri)) == []


LAYOUT_BREAKS: dict[str, tuple[Callable[[Doc], None], str]] = {
    "a panel past column 24": (
        lambda d: data_panel(d, 5)["gridPos"].update(w=8),
        "x 20 + w 8 leaves the 24-column grid",
    ),
    "two panels on one spot": (
        lambda d: data_panel(d, 1)["gridPos"].update(x=2, w=6),
        "overlaps panel 101",
    ),
    "a line of panels short of the grid": (
        lambda d: data_panel(d, 5)["gridPos"].update(w=2),
        "the panels at y 1 leave columns 22-23 of the grid empty",
    ),
    "a repeated panel id": (
        lambda d: data_panel(d, 1).update(id=data_panel(d, 0)["id"]),
        "id 101 is also the id of panel 101",
    ),
    "an empty title": (lambda d: data_panel(d).update(title="  "), "empty title"),
    "a uid Grafana refuses": (lambda d: d.update(uid="duri/service"), "uid 'duri/service'"),
    "a legacy graph panel": (lambda d: data_panel(d).update(type="graph"), "type 'graph'"),
    "repeated refIds": (
        lambda d: data_panel(d)["targets"].append(copy.deepcopy(data_panel(d)["targets"][0])),
        "refIds repeat",
    ),
}


@pytest.mark.parametrize("case", sorted(LAYOUT_BREAKS))
def test_layout_check_reports_what_grafana_enforces(service: Doc, case: str) -> None:
    breaks, message = LAYOUT_BREAKS[case]
    breaks(service)
    problems = layout_problems(service)
    assert len(problems) == 1, problems
    assert message in problems[0]


def test_query_check_reports_an_unknown_series(service: Doc, duri: Build) -> None:
    data_panel(service)["targets"][0]["expr"] = 'http_requests_per_second{service="$service"}'
    (problem,) = query_problems(service, known(duri))
    assert "reads http_requests_per_second" in problem
    assert problem.startswith("panel 101 (Request rate) query A")


def test_query_check_reports_a_query_that_does_not_parse(service: Doc, duri: Build) -> None:
    data_panel(service)["targets"][0]["expr"] = "sum(rate(http_requests_total[5m]"
    (problem,) = query_problems(service, known(duri))
    assert "PromQL does not parse" in problem


def test_query_check_reports_an_undefined_variable(service: Doc, duri: Build) -> None:
    data_panel(service)["targets"][0]["expr"] = 'service:http_requests:rate5m{instance="$node"}'
    (problem,) = query_problems(service, known(duri))
    assert "undefined variable(s) node" in problem


def test_variables_are_substituted_before_parsing() -> None:
    expr, undefined = substitute(
        'avg_over_time(x{service="$service"}[$__interval]) + y{a="${service:raw}"}',
        {"service": "api", "__interval": "1m"},
    )
    assert expr == 'avg_over_time(x{service="api"}[1m]) + y{a="api"}'
    assert undefined == []


SCHEMA_BREAKS: dict[str, tuple[Callable[[Doc], None], str]] = {
    "a panel on another data source": (
        lambda d: data_panel(d).update(datasource={"type": "prometheus", "uid": "abc"}),
        "panels[1]",
    ),
    "a panel without a unit": (
        lambda d: data_panel(d)["fieldConfig"]["defaults"].pop("unit"),
        "panels[1]",
    ),
    "no datasource variable": (
        lambda d: d["templating"].update(list=d["templating"]["list"][1:]),
        "templating.list",
    ),
    "a base step with a value": (
        lambda d: data_panel(d)["fieldConfig"]["defaults"]["thresholds"]["steps"][0].update(
            value=0
        ),
        "panels[1]",
    ),
    "a field obsgen never writes": (lambda d: d.update(gnetId="123"), "(document)"),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_BREAKS))
def test_our_schema_rejects_what_obsgen_must_not_emit(service: Doc, case: str) -> None:
    breaks, where = SCHEMA_BREAKS[case]
    breaks(service)
    problems = schema_problems(service, "grafana-dashboard.schema.json")
    assert problems
    assert problems[0].startswith(where)


def test_a_tampered_dashboard_fails_validation_with_its_path(duri: Build) -> None:
    files = dict(duri.files)
    path = cv.dashboard_file("duri", "infrastructure")
    doc = json.loads(files[path])
    data_panel(doc)["targets"][0]["expr"] = "node_load1"
    files[path] = json.dumps(doc)
    with pytest.raises(OutputError) as caught:
        validate_outputs(duri.plan, files)
    assert caught.value.messages == [
        f"{path}: panel 101 (Container CPU (of limit)) query A: reads node_load1, which is "
        "neither in the metric catalogue nor a recording rule"
    ]


def test_a_provisioning_file_outside_our_schema_fails_validation(duri: Build) -> None:
    files = dict(duri.files)
    path = cv.grafana_datasources_file("duri")
    files[path] = files[path].replace("access: proxy", "access: direct")
    with pytest.raises(OutputError) as caught:
        validate_outputs(duri.plan, files)
    assert any(m.startswith(f"{path}: ") for m in caught.value.messages)
