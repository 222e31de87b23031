"""Run on demand (not part of `make test`): `python -m bench.mutation [--out out]
[--workers 2] [--only REGEX] [--every N] [--rerun REPORT]`.

Mutates every rule of `OUT/prometheus/rules/*.yml` one change at a time: alert thresholds
(x1.01, x0.99, x1.1, x0.9, also regression ratios, error floors, traffic and min-events
guards), `for` (halved, doubled, 0s -> 1m), comparison operators (reversed), label matchers
(each dropped), severity (swapped), recording constants (the same four scales) and window
lengths (range windows, offsets and the seconds of a guard's window: halved, doubled). Runs
the generated tests `OUT/prometheus/tests/*.yml` against each mutant in a temporary
directory and prints the score per category and the survivors. `--skip-equivalent` does
not run the mutants equivalence.py argues equivalent from the rule files alone (they are
reported as equivalent, "not run"): each such mutant would run every piece of the tests
that reads its rule (runner.py, pieces.py). `--rerun REPORT` runs only
the survivors of an earlier report (made with the same --only/--every): a quick re-score
after checks were added to the tests (a mutant caught before stays caught when no check
was removed).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import yaml

from bench.mutation.equivalence import why_equivalent
from bench.mutation.mutants import Mutant, rule_mutants
from bench.mutation.report import score_table, survivors
from bench.mutation.runner import Outcome, run_all


def only_survivors(mutants: list[Mutant], report: str) -> list[Mutant]:
    """The mutants a report lists as survivors (under a category, or argued equivalent)."""
    listed: Counter[tuple[str, str, str]] = Counter()
    category = ""
    for line in report.split("survivors:", 1)[-1].splitlines():
        head = re.match(r"^(\w+) \(\d+\):$", line)
        if head:
            category = head.group(1)
        elif line.startswith("equivalent ("):
            category = ""
        elif line.startswith("  ") and ": " in line:
            file, what = line.strip().split(": ", 1)
            if not category:  # equivalent lines carry their category first
                kind, what = what.split(" ", 1)
                listed[(file, kind, what)] += 1
            else:
                listed[(file, category, what)] += 1
    out = []
    for m in mutants:
        key = (m.file, m.category, m.what)
        if listed[key] > 0:
            listed[key] -= 1
            out.append(m)
    return out


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the bench, print the report."""
    parser = argparse.ArgumentParser(prog="python -m bench.mutation")
    parser.add_argument("--out", type=Path, default=Path("out"), help="a rendered output tree")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default="", help="mutants whose file or text match REGEX")
    parser.add_argument("--every", type=int, default=1, help="every Nth mutant (a sample)")
    parser.add_argument(
        "--rerun",
        type=Path,
        help="only the survivors listed by an earlier report of the same options",
    )
    parser.add_argument(
        "--skip-equivalent",
        action="store_true",
        help="do not run mutants argued equivalent (a survivor costs the whole suite)",
    )
    args = parser.parse_args(argv)
    promtool = shutil.which("promtool")
    if promtool is None:
        print("promtool is not installed", file=sys.stderr)
        return 2
    rules = args.out / "prometheus" / "rules"
    mutants = [
        m
        for path in sorted(rules.glob("*.yml"))
        for m in rule_mutants(path.name, yaml.safe_load(path.read_text()))
        if re.search(args.only, f"{m.file}: {m.category} {m.what}")
    ][:: args.every]
    if args.rerun:
        mutants = only_survivors(mutants, args.rerun.read_text())

    def progress(done: int, total: int, elapsed: float) -> None:
        if done % 25 == 0 or done == total:
            print(f"  {done}/{total} mutants, {elapsed:.0f} s", file=sys.stderr, flush=True)

    docs = {path.name: yaml.safe_load(path.read_text()) for path in rules.glob("*.yml")}
    skipped = [m for m in mutants if args.skip_equivalent and why_equivalent(m, docs)]
    ran = [m for m in mutants if m not in set(skipped)]
    print(
        f"{len(ran)} mutants of {rules} ({len(skipped)} argued equivalent, not run)",
        file=sys.stderr,
    )
    outcomes = run_all(args.out, ran, args.workers, promtool, progress)
    outcomes += [Outcome(m, False, "") for m in skipped]
    equivalent = {
        o.mutant: reason
        for o in outcomes
        if not o.caught and (reason := why_equivalent(o.mutant, docs))
    }
    print(score_table(outcomes, equivalent))
    print()
    print("survivors:")
    print(survivors(outcomes, equivalent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
