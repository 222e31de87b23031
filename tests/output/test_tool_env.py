"""promtool and amtool run with Go's garbage collector set to GO_GC unless the user set
GOGC, and without colours."""

from __future__ import annotations

import sys

import pytest

from generator.output import tools

SHOW = "import os; print(os.environ.get('GOGC'), os.environ.get('NO_COLOR'), os.environ.get('X'))"


def test_a_tool_runs_with_go_gc_when_gogc_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.setenv("X", "kept")
    res = tools.run([sys.executable, "-c", SHOW])
    assert res.stdout.split() == [tools.GO_GC, "1", "kept"]


def test_a_gogc_the_user_set_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOGC", "75")
    res = tools.run([sys.executable, "-c", SHOW])
    assert res.stdout.split()[:2] == ["75", "1"]
