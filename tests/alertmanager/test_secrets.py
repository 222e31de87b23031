"""No secret value can reach an output: every fixture's outputs are scanned for secret
shapes, and Alertmanager secrets appear only as *_file paths."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import DURI_OUT, DURI_SPEC, ROOT, fixture_specs, render_spec

SPECS = [(DURI_SPEC, DURI_OUT)] + [(s, s.parent / "out") for s in fixture_specs()]
SPECS.append((ROOT / "examples" / "split" / "spec", ROOT / "examples" / "split" / "out"))
SPECS.append((ROOT / "examples" / "payments" / "spec.yaml", ROOT / "examples" / "payments" / "out"))

SECRET_SHAPES = {
    "slack webhook": re.compile(r"hooks\.slack\.com/services/T\w+/B\w+/\w+"),
    "slack token": re.compile(r"xox[abprs]-[0-9A-Za-z-]{10,}"),
    "AWS key id": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "bearer token": re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/-]{20,}"),
    "PagerDuty key": re.compile(r"\b[0-9a-f]{32}\b"),
    "URL credentials": re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"),
}
# Alertmanager fields that hold secrets inline; ours must use the *_file twin.
INLINE_SECRET_FIELDS = {
    "routing_key",
    "service_key",
    "api_url",
    "auth_password",
    "auth_secret",
    "credentials",
    "password",
    "bearer_token",
}


def walk(node: object, path: str = "") -> list[tuple[str, object]]:
    if isinstance(node, dict):
        return [item for k, v in node.items() for item in walk(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [item for i, v in enumerate(node) for item in walk(v, f"{path}[{i}]")]
    return [(path, node)]


@pytest.mark.parametrize(("spec", "out"), SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_output_carries_a_secret_shaped_value(spec: Path, out: Path) -> None:
    for rel, text in render_spec(spec, out).files.items():
        for name, shape in SECRET_SHAPES.items():
            match = shape.search(text)
            assert match is None, f"{rel}: looks like a {name}: {match.group(0)!r}"


@pytest.mark.parametrize(("spec", "out"), SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_alertmanager_secrets_are_only_file_paths(spec: Path, out: Path) -> None:
    files = render_spec(spec, out).files
    config_path = "alertmanager/alertmanager.yml"
    if config_path not in files:
        pytest.skip("this spec has no routing section")
    fields = walk(yaml.safe_load(files[config_path]))
    names = {path.rsplit(".", 1)[-1] for path, _ in fields}
    assert not names & INLINE_SECRET_FIELDS, names & INLINE_SECRET_FIELDS
    file_fields = [(p, v) for p, v in fields if p.endswith("_file")]
    assert file_fields, "expected secrets referenced through *_file fields"
    for path, value in file_fields:
        assert isinstance(value, str) and value.startswith("/"), (path, value)
