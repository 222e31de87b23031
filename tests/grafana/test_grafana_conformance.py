"""Conformance with Grafana's own schemas (../shared/grafana-schema, from the
grafana-foundation-sdk): every generated dashboard validates against the dashboard schema,
each panel's options and fieldConfig.defaults.custom against its panel type's schema, and
each query against the Prometheus query schema. Skips when the folder does not exist."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema
import pytest

from tests.conftest import DURI_OUT, DURI_SPEC, SHARED, fixture_specs, render_spec

GRAFANA_SCHEMAS = SHARED / "grafana-schema"
pytestmark = pytest.mark.skipif(
    not GRAFANA_SCHEMAS.is_dir(), reason=f"{GRAFANA_SCHEMAS} not present"
)


@cache
def upstream(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((GRAFANA_SCHEMAS / name).read_text(encoding="utf-8"))
    return loaded


def definition(schema_file: str, name: str) -> dict[str, Any] | None:
    """`#/definitions/<name>` of an upstream schema, resolvable on its own."""
    schema = upstream(schema_file)
    if name not in schema["definitions"]:
        return None
    return {"$ref": f"#/definitions/{name}", "definitions": schema["definitions"]}


def errors(schema: dict[str, Any], instance: Any) -> list[str]:
    found = jsonschema.Draft7Validator(schema).iter_errors(instance)
    return [f"{list(e.absolute_path)}: {e.message}" for e in found]


def dashboards() -> Iterator[tuple[str, dict[str, Any]]]:
    builds = [render_spec(DURI_SPEC, DURI_OUT)] + [
        render_spec(spec, spec.parent / "out") for spec in fixture_specs()
    ]
    for build in builds:
        for path, text in build.files.items():
            if path.endswith(".json"):
                yield f"{build.spec.name}:{path}", json.loads(text)


DASHBOARDS = dict(dashboards()) if GRAFANA_SCHEMAS.is_dir() else {}


def data_panels(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in doc["panels"]:
        if item["type"] != "row":
            yield item
        yield from item.get("panels", [])


def test_every_spec_yields_dashboards_to_check() -> None:
    assert len(DASHBOARDS) >= 7  # DuRi's four and the shop fixture's three


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_dashboard_validates_against_grafanas_dashboard_schema(name: str) -> None:
    assert errors(upstream("dashboard.jsonschema.json"), DASHBOARDS[name]) == []


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_panel_options_and_custom_field_config_validate_against_their_type(name: str) -> None:
    problems = []
    for panel in data_panels(DASHBOARDS[name]):
        schema_file = f"{panel['type']}.jsonschema.json"
        options = definition(schema_file, "Options")
        assert options is not None, schema_file
        problems += [f"{panel['title']}: options {e}" for e in errors(options, panel["options"])]
        custom = panel["fieldConfig"]["defaults"].get("custom")
        field_config = definition(schema_file, "FieldConfig")
        if field_config is None:
            # stat and gauge declare no custom field config: we must not invent one
            assert custom is None, f"{panel['title']}: custom set on a {panel['type']} panel"
        else:
            assert custom is not None, f"{panel['title']}: no custom field config"
            problems += [f"{panel['title']}: custom {e}" for e in errors(field_config, custom)]
    assert problems == []


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_every_query_validates_against_the_prometheus_query_schema(name: str) -> None:
    problems = [
        f"{panel['title']} {target['refId']}: {e}"
        for panel in data_panels(DASHBOARDS[name])
        for target in panel["targets"]
        for e in errors(upstream("prometheus.jsonschema.json"), target)
    ]
    assert problems == []


def _no_base_value(doc: dict[str, Any]) -> None:
    next(data_panels(doc))["fieldConfig"]["defaults"]["thresholds"]["steps"][0].pop("value")


def _too_wide(doc: dict[str, Any]) -> None:
    next(data_panels(doc))["gridPos"]["w"] = 25


def _unknown_field(doc: dict[str, Any]) -> None:
    doc["unknownField"] = True


@pytest.mark.parametrize("break_it", [_no_base_value, _too_wide, _unknown_field])
def test_the_upstream_schema_is_strict_enough_to_catch_a_broken_dashboard(
    break_it: Any,
) -> None:
    broken = json.loads(json.dumps(DASHBOARDS[sorted(DASHBOARDS)[0]]))
    break_it(broken)
    assert errors(upstream("dashboard.jsonschema.json"), broken)
