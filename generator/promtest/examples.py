"""The example of each custom alert as a `promtool test rules` file of its own, so that
`generate` can run it before writing anything: an example that does not fire (or whose
variation fires) is a mistake in the spec, reported at the example (output/examples.py).

The same scenarios are part of the committed tests (promtest/custom.py); here each alert gets
its own file with one test group per scenario, so a failure names the alert and the part of
its example (the input that must fire, the variation that must stay silent).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from generator.core import conventions as cv
from generator.core.numbers import format_duration
from generator.prometheus import AlertRule, RuleFile
from generator.promtest.custom import custom_scenarios
from generator.promtest.model import RuleTestFile
from generator.promtest.plan import MAIN, contexts, pack
from generator.spec import Spec

PARTS = ("input", "silent")  # the example's fields, in the order of the test groups


@dataclass(frozen=True)
class ExampleTest:
    """One custom alert's example as a test file: group k proves PARTS[k]."""

    alert: str
    file: RuleTestFile


def example_tests(spec: Spec, rule_files: Sequence[RuleFile]) -> tuple[ExampleTest, ...]:
    """A test file per custom alert of the spec, sorted by alert name."""
    ctx = contexts(spec)[MAIN]
    recording = [f for f in rule_files if f.records() and not f.alerts()]
    out = []
    for rule_file in rule_files:
        by_name: dict[str, list[AlertRule]] = defaultdict(list)
        for alert in rule_file.alerts():
            if alert.kind == "custom":
                by_name[alert.alert].append(alert)
        loaded = [*recording, *([] if rule_file in recording else [rule_file])]
        for name, alerts in sorted(by_name.items()):
            path = cv.test_file(f"example-{name}")
            here = posixpath.dirname(path)
            scenarios = custom_scenarios(ctx, name, alerts)
            groups = tuple(g for s in scenarios for g in pack([s], ctx))
            file = RuleTestFile(
                path=path,
                rule_files=tuple(posixpath.relpath(f.path, here) for f in loaded),
                evaluation_interval=format_duration(ctx.step_s * 1000),
                group_eval_order=tuple(g.name for f in loaded for g in f.groups),
                groups=groups,
            )
            out.append(ExampleTest(name, file))
    return tuple(sorted(out, key=lambda t: t.alert))
