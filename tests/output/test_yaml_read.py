"""The fast read-back of YAML outputs returns exactly what PyYAML's safe loader returns."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.output.yaml_read import load
from generator.spec import FAST_SAFE_LOADER
from tests.conftest import DURI_OUT

TRICKY = [
    "a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: \"yes\"\ng: 0x1F\nh: .inf\ni: 1e3\n",
    "when: 2026-11-26\nat: 2026-11-26T11:00:00Z\nempty:\nlist: [1, '2', [3, {x: y}]]\n",
    "block: |\n  line 1\n  line 2\nfolded: >\n  a\n  b\n",
    "base: &b {x: 1}\nuse: *b\nmerged:\n  <<: *b\n  y: 2\n",  # anchors and merge keys
    "tagged: !!str 5\nset: !!set {a, b}\n",
    "",
    "- 1\n- - 2\n  - {a: [], b: {}}\n",
    "? [1, 2]\n: unhashable key\n",
    "---\na: 1\n---\nb: 2\n",
    "a: [1, 2\n",
]


def _pyyaml(text: str) -> tuple[str, str]:
    try:
        return repr(yaml.load(text, Loader=FAST_SAFE_LOADER)), ""
    except yaml.YAMLError as exc:
        return "", type(exc).__name__


def _fast(text: str) -> tuple[str, str]:
    try:
        return repr(load(text)), ""
    except yaml.YAMLError as exc:
        return "", type(exc).__name__


@pytest.mark.parametrize("text", TRICKY)
def test_values_types_and_errors_equal_pyyaml_safe_load(text: str) -> None:
    assert _fast(text) == _pyyaml(text)


def test_every_committed_yaml_output_reads_back_as_pyyaml_reads_it() -> None:
    paths = sorted(p for p in Path(DURI_OUT).rglob("*.y*ml"))
    assert paths
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert _fast(text) == _pyyaml(text), path
