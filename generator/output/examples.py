"""Run each custom alert's example through promtool before anything is written.

An example is the spec's proof of a custom alert (docs/alerts.md#custom-alerts): under its
`input` the alert fires by `fires_at`, under its `silent` variation it does not. Whether it
does is only known by evaluating the rules, so `generate` and `check` run the example tests
(promtest/examples.py) with promtool when it is installed; a failure is a spec problem at the
example. Without promtool the examples wait for `obsgen validate --require-tools` or the
committed tests, and the CLI says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.output.rendering import Output, render_outputs
from generator.output.tools import find, run_rule_tests
from generator.plan import Plan
from generator.promtest import EXAMPLE_PARTS, ExampleTest

_FAILED_GROUP = "    name: "


@dataclass(frozen=True)
class ExampleFailure:
    """A part of a custom alert's example that did not behave as the spec says."""

    alert: str
    part: str  # input | silent
    detail: str  # what promtool saw, one line


def _labels_in(block: str) -> list[str]:
    return re.findall(r"Labels:(\{[^}]*\})", block)


def _what_differed(lines: list[str]) -> str:
    """promtool's complaint about one failed group, in a phrase: when, and what fired."""
    text = "\n".join(lines)
    when = re.search(r"time: ([0-9a-z]+)", text)
    at = f"at {when.group(1)} " if when else ""
    if "exp:[" not in text or "got:[" not in text:
        first = next((x.strip() for x in lines if x.strip()), "")
        return f"promtool: {first}"
    exp, got = text.split("exp:[", 1)[1].split("got:[", 1)
    wanted, fired = _labels_in(exp), _labels_in(got)
    if not fired:
        return f"{at}nothing fires (expected {len(wanted)}, e.g. {wanted[0]})" if wanted else at
    if not wanted:
        return f"{at}it fires ({len(fired)} alert(s), e.g. {fired[0]})"
    return f"{at}the alerts that fire differ from the expected ones, e.g. {fired[0]}"


def failed_groups(output: str, names: Sequence[str]) -> dict[str, str]:
    """The test groups promtool's output reports as failed, by name, with what differed.

    promtool prints each failed group as `  FAILED:`, then `    name: <group name>,` and the
    expected (`exp:[...]`) and actual (`got:[...]`) alerts at the time that differed."""
    failed: dict[str, str] = {}
    lines = output.splitlines()
    heads = [k for k, line in enumerate(lines) if line.startswith(_FAILED_GROUP)]
    for n, k in enumerate(heads):
        name = lines[k][len(_FAILED_GROUP) :].rstrip(",")
        if name in names:
            stop = heads[n + 1] if n + 1 < len(heads) else len(lines)
            failed[name] = _what_differed(lines[k + 1 : stop])
    return failed


def _detail(part: str, seen: str) -> str:
    if part == EXAMPLE_PARTS[0]:
        return (
            f"the alert must fire under this input by fires_at, but {seen}; "
            "fix the series, values or fires_at"
        )
    return f"the alert must stay silent under this variation, but {seen}; fix the variation"


def prove_examples(
    plan: Plan, files: dict[str, str], tests: Sequence[ExampleTest], templates: Path | None
) -> list[ExampleFailure] | None:
    """Every part of every example that fails under promtool; None without promtool."""
    promtool = find("promtool")
    if promtool is None:
        return None
    if not tests:
        return []
    rendered = render_outputs(
        plan,
        [Output(t.file.path, "prometheus/tests.yml.j2", {"file": t.file}) for t in tests],
        templates,
    )
    rules = {f.path: files[f.path] for f in plan.rule_files}
    results = run_rule_tests({**rules, **rendered}, [t.file.path for t in tests])
    outputs = ["" if r.returncode == 0 else r.stdout + r.stderr for r in results]
    failures = []
    for test, output in zip(tests, outputs, strict=True):
        if not output:
            continue
        names = [g.name for g in test.file.groups]
        failed = failed_groups(output, names)
        for part, name in zip(EXAMPLE_PARTS, names, strict=True):
            if name in failed:
                failures.append(ExampleFailure(test.alert, part, _detail(part, failed[name])))
        if not failed:  # promtool refused the file itself: say what it said
            first = next((x.strip() for x in output.splitlines() if x.strip()), "")
            failures.append(ExampleFailure(test.alert, EXAMPLE_PARTS[0], f"promtool: {first}"))
    return failures
