"""A tool that does not answer is killed and reported as a failed check, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.output import tools


def test_a_tool_past_its_timeout_is_a_failed_run_that_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tools, "TIMEOUT_S", 0.2)
    res = tools.run(["sleep", "5"])
    assert res.returncode != 0
    assert res.stderr == "sleep 5: no answer within 0.2 s"


def test_validate_reports_a_test_file_promtool_did_not_finish(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hung = tmp_path / "promtool"
    hung.write_text("#!/bin/sh\nsleep 5\n")
    hung.chmod(0o755)
    monkeypatch.setattr(tools, "TIMEOUT_S", 0.2)
    monkeypatch.setattr(tools, "require", lambda name: str(hung))
    problems = tools.test_rules({"prometheus/tests/slo.yml": "5\n"}, ["prometheus/tests/slo.yml"])
    assert problems == [
        "prometheus/tests/slo.yml: promtool test rules: promtool test rules slo.yml: "
        "no answer within 0.2 s"
    ]
