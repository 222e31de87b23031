"""The pipeline, step by step: load -> spec -> plan -> render -> validate."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.catalogue import plot_outputs
from generator.core.forked import forked
from generator.errors import ObsgenError, PlanError, SpecError
from generator.output import (
    RuleTestOutputs,
    check_tests,
    find_problems,
    prove_examples,
    raise_problems,
    render,
    rule_test_files,
)
from generator.plan import (
    Plan,
    Rules,
    plan_base,
    plan_readers,
    plan_side_files,
    plan_slo_file,
    plan_slos,
    plan_tests_of,
    read_spec,
    rules_of,
)
from generator.promtest import RuleTestFile, example_tests
from generator.spec import Document, Spec


@dataclass(frozen=True)
class Build:
    """A rendered and validated spec."""

    spec: Spec
    plan: Plan
    files: dict[str, str]
    examples_unproved: bool = False  # custom alert examples not run: promtool is missing


def display_name(spec_path: Path) -> str:
    """How outputs and messages name the spec: as the user typed it when relative
    (`./spec.yaml` read as `spec.yaml`), relative to the current directory when absolute and
    under it, else as given."""
    if not spec_path.is_absolute():
        return Path(os.path.normpath(spec_path)).as_posix()
    try:
        rel = os.path.relpath(spec_path, Path.cwd())
    except ValueError:  # another drive (Windows)
        return spec_path.as_posix()
    return Path(rel).as_posix() if not rel.startswith("..") else spec_path.as_posix()


def build(
    spec_path: Path,
    out: Path,
    display: str | None = None,
    templates: Path | None = None,
    overlays: Sequence[Path] = (),
    targets: Sequence[str] = ("files",),
    deep: bool = True,
) -> Build:
    """Run every step short of writing; raise ObsgenError subclasses on bad input.

    `templates` is a directory of user templates overriding built-in ones by relative path.
    `overlays` are environment files deep-merged over the spec in order (spec/overlay.py); output
    headers name them after the spec.
    `targets` chooses output forms (output/targets.py): `files` is the plain layout; `kubernetes`,
    `mimir` and `thanos` are planned from the same plan and validated too.
    `deep` adds the schema conformance checks (validate.DEEP_CHECKERS); `generate` leaves
    them to `check` unless templates are overridden.
    """
    name = display or display_name(spec_path)
    layers = [(path, display_name(path)) for path in overlays]
    spec, doc = read_spec(spec_path, name, layers)
    source = " + ".join([name, *(shown for _, shown in layers)])
    try:
        plan, files = _outputs(spec, source, templates, deep or templates is not None)
    except PlanError as exc:
        if not exc.field:
            raise
        raise SpecError([doc.problem(field, message) for field, message in exc.problems]) from None
    unproved = _prove_examples(spec, doc, plan, files, templates)
    if tuple(targets) != ("files",):
        files = _with_targets(plan, files, templates, targets)
    return Build(spec, plan, files, unproved)


def _outputs(
    spec: Spec, source: str, templates: Path | None, deep: bool
) -> tuple[Plan, dict[str, str]]:
    """The Plan and its outputs, rendered and validated.

    After the rules, the work falls in two independent halves: the rule tests (planned,
    rendered, read back) and everything else (routing, catalogue, dashboards, their outputs
    and checks). A forked child does the first while this process does the second
    (core/forked.py), then checks the tests' coverage of the rules it has read back, from
    what the child found in them. Errors come as a
    serial run meets them: the tests' (a problem with an alert's own numbers before its
    routing), then this side's, and the outputs' problems in one list, in
    `validate_outputs`' order.
    """
    base = plan_base(spec, source, _rules(spec))

    def tests_part() -> tuple[tuple[RuleTestFile, ...], RuleTestOutputs]:
        tested = plan_tests_of(spec, base)
        # only what this side lacks goes back: the rules it has are most of the Plan
        return tested.tests, rule_test_files(tested, templates)

    with forked(tests_part) as pending:
        try:
            plan = plan_readers(spec, base)  # its tests are the child's: none rendered here
            own = render(plan, templates)
            own.update(plot_outputs(plan.catalogue, plan.slos, plan.source))
            findings = find_problems(plan, own, deep, skip=check_tests)
        except ObsgenError:
            pending.result()  # the tests' own error, when they have one, comes first
            raise
        planned, tests = pending.result()
    plan = dataclasses.replace(plan, tests=planned)
    files = dict(sorted({**own, **tests.files}.items()))
    raise_problems(plan, files, findings, deep, tests.read)
    return plan, files


def _rules(spec: Spec) -> Rules:
    """`plan.plan_rules`, in two processes: a forked child plans the recording, alerting and
    health rule files while this one plans the SLOs' (a quarter of the rules' time at 1,000
    services; the child's files come back pickled). Errors come as `plan_rules` meets them:
    the SLOs', then the child's, then the SLOs' file's."""
    slos = plan_slos(spec)
    with forked(lambda: plan_side_files(spec)) as pending:
        try:
            slo_file = plan_slo_file(spec, slos)
        except ObsgenError:
            pending.result()  # the side files are planned first: their error comes first
            raise
        side = pending.result()
    return rules_of(slos, side, slo_file)


def _prove_examples(
    spec: Spec, doc: Document, plan: Plan, files: dict[str, str], templates: Path | None
) -> bool:
    """Run every custom alert's example (output/examples.py); raise SpecError at the examples
    that do not behave as written. True when they could not be run (no promtool)."""
    if not spec.custom_alerts:
        return False
    failures = prove_examples(plan, files, example_tests(spec, plan.rule_files), templates)
    if failures is None:
        return True
    if failures:
        raise SpecError(
            [doc.problem(("custom_alerts", f.alert, "example", f.part), f.detail) for f in failures]
        )
    return False


def _with_targets(
    plan: Plan, files: dict[str, str], templates: Path | None, targets: Sequence[str]
) -> dict[str, str]:
    """The files of every selected target (the plain files only when `files` is selected)."""
    from generator.errors import OutputError
    from generator.output import parse_outputs, render_outputs
    from generator.output import targets as tg

    chosen = tg.selected(targets)
    extra: dict[str, str] = {}
    for target in chosen:
        if target != "files":
            extra.update(render_outputs(plan, tg.PLANNERS[target](plan, files), templates))
    parsed, problems = parse_outputs(extra)
    problems += tg.check_targets(plan, parsed)
    if problems:
        raise OutputError(problems)
    base = files if "files" in chosen else {}
    return dict(sorted({**base, **extra}.items()))
