"""JSON outputs: plan numbers reach them exactly through `tojson`, and every .json file is
re-serialised into one canonical form (sorted keys, indent 2, final newline)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from generator.errors import TemplateError
from generator.output import rendering as render_module
from generator.output.canonical_json import JSONFormError, canonical, dumps
from generator.output.rendering import Output, render
from generator.plan import build_plan, read_spec
from tests.conftest import DURI_SPEC


def test_tojson_serialiser_prints_decimals_exactly() -> None:
    value = {"b": [Decimal("14.4"), Decimal("0.0144")], "a": Decimal("1E-5")}
    assert dumps(value, sort_keys=True) == '{"a": 0.00001, "b": [14.4, 0.0144]}'


def test_tojson_serialiser_matches_json_dumps_when_there_is_no_decimal() -> None:
    for value in ({"k": "é<'>&", "n": [1, 2.5, None, True]}, "plain", 3):
        assert dumps(value, sort_keys=True) == json.dumps(value, sort_keys=True)


def test_canonical_form_sorts_indents_and_keeps_numbers_exact() -> None:
    text = '{"b": 1e-05, "a": {"z": [], "y": {}}, "c": 200.0, "d": "\\u003e"}'
    assert canonical(text) == (
        '{\n  "a": {\n    "y": {},\n    "z": []\n  },\n  "b": 0.00001,\n  "c": 200,\n'
        '  "d": ">"\n}\n'
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "key 'a' appears twice"),
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": 1,}', "not JSON"),
    ],
)
def test_canonical_form_refuses_what_is_not_one_clean_json_document(
    text: str, message: str
) -> None:
    with pytest.raises(JSONFormError, match=message):
        canonical(text)


def test_a_template_that_writes_broken_json_is_a_template_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "twice.json.j2").write_text('{"a": {{ 1 | tojson }}, "a": 2}\n')
    monkeypatch.setattr(
        render_module, "PLANNERS", [lambda plan: [Output("x/twice.json", "twice.json.j2", {})]]
    )
    plan = build_plan(read_spec(DURI_SPEC)[0], "spec/duri.yaml")
    with pytest.raises(TemplateError, match=r"twice\.json\.j2: x/twice\.json: key 'a' appears"):
        render(plan, overrides=tmp_path)
