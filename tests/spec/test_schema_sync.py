"""The committed JSON Schema and spec reference are what the code generates, and the
example specs validate against that schema (what editors check while SREs type)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from generator.spec import reference_markdown, schema_text
from tests.conftest import DURI_SPEC, ROOT, fixture_specs

SCHEMA = ROOT / "schema" / "obsgen-spec.schema.json"
REFERENCE = ROOT / "docs" / "spec-reference.md"
UPDATE = (
    "run `obsgen schema > schema/obsgen-spec.schema.json` and "
    "`obsgen schema --markdown > docs/spec-reference.md`"
)


def test_committed_json_schema_is_in_sync_with_the_models() -> None:
    assert SCHEMA.read_text() == schema_text(), UPDATE


def test_committed_spec_reference_is_in_sync_with_the_field_descriptions() -> None:
    assert REFERENCE.read_text() == reference_markdown(), UPDATE


def test_duri_spec_points_editors_at_the_committed_schema() -> None:
    first = DURI_SPEC.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schema/obsgen-spec.schema.json"
    assert (DURI_SPEC.parent / "../schema/obsgen-spec.schema.json").resolve() == SCHEMA


@pytest.mark.parametrize("spec", [DURI_SPEC, *fixture_specs()], ids=lambda p: p.parent.name)
def test_example_specs_validate_against_the_committed_schema(spec: Path) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(spec.read_text()))


def test_the_schema_catches_a_misspelt_field_as_editors_would() -> None:
    schema = json.loads(SCHEMA.read_text())
    data = yaml.safe_load(DURI_SPEC.read_text())
    data["servces"] = data.pop("services")
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(data))
    assert any("'servces' was unexpected" in e.message for e in errors)
