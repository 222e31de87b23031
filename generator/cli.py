"""The command line. The only module that prints or chooses exit codes.

Exit codes: 0 success; 1 `check` found drift; 2 bad spec, bad output, a failing tool, or an
out/ that cannot be read or written (OutDirError: one line naming the path).
"""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path

import click

from generator.errors import ObsgenError

DEFAULT_SPEC = "spec/duri.yaml"
DEFAULT_OUT = "out"

spec_argument = click.argument(
    "spec", type=click.Path(path_type=Path), default=DEFAULT_SPEC, required=False
)
out_option = click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUT,
    show_default=True,
    help="Output directory.",
)


templates_option = click.option(
    "--templates",
    "templates",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Directory of templates overriding built-in ones by relative path.",
)
overlay_option = click.option(
    "--overlay",
    "overlays",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    multiple=True,
    help="YAML file deep-merged over the spec (an environment: staging, ...); repeatable, "
    "applied in order. See docs/environments.md.",
)


target_option = click.option(
    "--target",
    "targets",
    type=click.Choice(["files", "kubernetes", "mimir", "thanos"]),
    multiple=True,
    default=("files",),
    show_default=True,
    help="Output form; repeat for several (see docs/targets.md).",
)


def _fail(error: ObsgenError) -> None:
    for line in error.lines():
        click.echo(line, err=True)
    sys.exit(error.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="obsgen")
def cli() -> None:
    """obsgen: one spec -> Prometheus rules, Alertmanager routing, Grafana dashboards."""


@cli.command()
@spec_argument
@out_option
@templates_option
@target_option
@overlay_option
def generate(
    spec: Path,
    out: Path,
    templates: Path | None,
    targets: tuple[str, ...],
    overlays: tuple[Path, ...],
) -> None:
    """Render SPEC into OUT, replacing only the files obsgen owns (atomically)."""
    from generator.output import write_outputs
    from generator.pipeline import build

    try:
        # the schema conformance checks are `check`'s (and run here for template overrides)
        result = build(
            spec, out, templates=templates, overlays=overlays, targets=targets, deep=False
        )
        statuses = write_outputs(out, result.files)
    except ObsgenError as error:
        _fail(error)
        return
    for status in statuses:
        click.echo(f"{status.status:<9} {out.as_posix().rstrip('/')}/{status.path}")
    _note_unproved(result.examples_unproved)


def _note_unproved(unproved: bool) -> None:
    if unproved:
        click.echo(
            "note: custom alert examples not run (promtool not found); "
            "`obsgen validate --require-tools` runs them",
            err=True,
        )


@cli.command()
@spec_argument
@out_option
@templates_option
@target_option
@overlay_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def check(
    spec: Path,
    out: Path,
    templates: Path | None,
    targets: tuple[str, ...],
    overlays: tuple[Path, ...],
    fmt: str,
) -> None:
    """Exit 0 when OUT is exactly what SPEC renders; 1 with a semantic diff when not."""
    from generator.output import compare, target_hint
    from generator.pipeline import build

    try:
        result = build(spec, out, templates=templates, overlays=overlays, targets=targets)
        drifts = compare(out, result.files)
    except ObsgenError as error:
        _fail(error)
        return
    _note_unproved(result.examples_unproved)
    if fmt == "json":
        report = {
            "clean": not drifts,
            "files": [{"path": d.path, "status": d.status, "changes": d.changes} for d in drifts],
        }
        click.echo(json.dumps(report, indent=2, sort_keys=True))
    elif drifts:
        click.echo(f"{out.as_posix()}/ is out of date with {spec.as_posix()}:")
        for drift in drifts:
            click.echo(f"  {drift.path}: {drift.status}")
            for change in drift.changes:
                click.echo(f"    {change}")
        hint = target_hint(out, result.files)
        click.echo(hint or "run `obsgen generate` and commit the result")
    else:
        click.echo(f"{out.as_posix()}/ matches {spec.as_posix()}")
    sys.exit(1 if drifts else 0)


@cli.command()
@spec_argument
@out_option
@templates_option
@target_option
@overlay_option
@click.option(
    "--require-tools/--no-require-tools",
    default=False,
    help="Fail when promtool/amtool are missing instead of skipping them.",
)
def validate(
    spec: Path,
    out: Path,
    templates: Path | None,
    targets: tuple[str, ...],
    overlays: tuple[Path, ...],
    require_tools: bool,
) -> None:
    """Validate SPEC and its rendered outputs, with promtool when it is installed."""
    from generator.output import tools
    from generator.pipeline import build

    try:
        # the plain files are always built here: the tools check them, then each target
        everything = ("files", *targets)
        result = build(spec, out, templates=templates, overlays=overlays, targets=everything)
        ran = []
        if tools.find("promtool") or require_tools:
            problems = tools.check_prometheus(
                result.files,
                [f.path for f in result.plan.rule_files],
                result.plan.prometheus.path,
            )
            problems += tools.check_target_rules(result.files)
            problems += tools.test_rules(result.files, [t.path for t in result.plan.tests])
            if problems:
                for line in problems:
                    click.echo(line, err=True)
                sys.exit(2)
            ran.append("promtool")
        am = result.plan.alertmanager
        if am is not None and (tools.find("amtool") or require_tools):
            problems = tools.check_alertmanager(result.files, am)
            if problems:
                for line in problems:
                    click.echo(line, err=True)
                sys.exit(2)
            ran.append("amtool")
    except ObsgenError as error:
        _fail(error)
        return
    skipped = "" if ran else " (promtool not found: tool checks skipped)"
    click.echo(f"{spec.as_posix()}: valid, {len(result.files)} outputs{skipped}")


@cli.command()
@click.option("--markdown", is_flag=True, help="Print the spec reference as Markdown instead.")
def schema(markdown: bool) -> None:
    """Print the spec's JSON Schema (or, with --markdown, the spec reference)."""
    from generator.spec import reference_markdown, schema_text

    click.echo(reference_markdown() if markdown else schema_text(), nl=False)


@cli.command()
@click.argument("specs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--git",
    "revisions",
    nargs=2,
    metavar="REV_A REV_B",
    default=None,
    help="Compare the spec (SPECS: one path, default spec/duri.yaml) at two git revisions.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: fit to paste as a pull-request comment.",
)
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit 1 when something behaves differently (like `git diff --exit-code`).",
)
def diff(
    specs: tuple[Path, ...], revisions: tuple[str, str] | None, fmt: str, exit_code: bool
) -> None:
    """Print what behaves differently from spec A to spec B: alerts, thresholds, routing,
    dashboard panels, recording rules. `obsgen diff A B` or `obsgen diff --git REV_A REV_B
    [SPEC]`. Exit 0 whether or not anything changed (unless --exit-code); 2 on a bad spec."""
    from generator.review import as_markdown, as_text, compare, plan_of, plans_at_revisions

    try:
        if revisions is not None:
            if len(specs) > 1:
                raise click.UsageError("with --git, give at most one spec path")
            spec = specs[0] if specs else Path(DEFAULT_SPEC)
            before, after, old_name, new_name = plans_at_revisions(spec, *revisions)
        else:
            if len(specs) != 2:
                raise click.UsageError("give two spec paths (A B), or --git REV_A REV_B [SPEC]")
            old_name, new_name = (p.as_posix() for p in specs)
            before, after = plan_of(specs[0], old_name), plan_of(specs[1], new_name)
        report = compare(before, after, old_name, new_name)
    except ObsgenError as error:
        _fail(error)
        return
    click.echo(as_markdown(report) if fmt == "markdown" else as_text(report), nl=False)
    sys.exit(1 if exit_code and not report.empty() else 0)


def main() -> None:
    """Console-script entry point."""
    # One short run builds a large graph of objects that live until it ends and hold few
    # cycles: the cyclic collector's default passes over them took 30 % of a 1,000-service
    # generate, and even rare passes (thresholds 100,000/50/1,000) cost 2 % and freed about
    # 5 MB of its 210 (bench.scale; docs/scale.md). Reference counting frees the rest.
    gc.disable()
    try:
        cli(prog_name="obsgen")
    except SystemExit as done:
        _leave(done.code)


def _leave(code: object) -> None:
    """End the process with `code` as `sys.exit` would, without the interpreter's teardown:
    freeing a large run's objects one by one at exit took 0.1 to 0.3 s of a 1,000-service
    generate and serves nothing once the outputs are written (every file is closed and every
    child reaped by then). Output streams are flushed first."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message printed, status 1
        print(code, file=sys.stderr)
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
