"""The built-in templates render outside the sandbox (output/rendering.environment); these
tests prove that changes no byte of any output, so a built-in template copied into a
`--templates` directory, where everything runs sandboxed, renders as it did."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from generator.output import rendering
from generator.output.sandbox import BoundedSandbox
from generator.pipeline import build
from tests.conftest import DURI_SPEC, ROOT, fixture_specs

ALL_TARGETS = ("files", "kubernetes", "mimir", "thanos")
SPECS = [DURI_SPEC, *fixture_specs(), ROOT / "examples" / "payments" / "spec.yaml"]


def test_the_built_in_templates_alone_run_unsandboxed_and_any_override_sandboxed(
    tmp_path: Path,
) -> None:
    assert not isinstance(rendering.environment(), jinja2.sandbox.SandboxedEnvironment)
    assert isinstance(rendering.environment(tmp_path), BoundedSandbox)
    assert isinstance(rendering.environment(None, sandboxed=True), BoundedSandbox)


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.parent.name)
def test_every_output_of_every_target_is_byte_identical_in_the_sandbox(
    spec: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plain = build(spec, tmp_path / "out", targets=ALL_TARGETS)
    sandboxed_env = rendering.environment(None, sandboxed=True)
    monkeypatch.setattr(rendering, "environment", lambda overrides=None: sandboxed_env)
    sandboxed = build(spec, tmp_path / "out", targets=ALL_TARGETS)
    assert sorted(sandboxed.files) == sorted(plain.files)
    differing = [p for p in plain.files if plain.files[p] != sandboxed.files[p]]
    assert differing == []
    # every target's templates took part: each form wrote files of its own
    assert {p.split("/", 1)[0] for p in plain.files} >= {"kubernetes", "mimir", "thanos"}
